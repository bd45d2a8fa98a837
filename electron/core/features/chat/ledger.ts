import { directConversationId, type ContactId, type SessionKey } from '../../../../shared/ids';
import type { Message } from '../../../../shared/ipc/contract';
import { notConnectedTo } from '../../../../shared/validation';
import { UserError } from '../../errors';
import type { StoredMessage } from '../../store/types';
import type { ConversationContext } from '../conversations/context';
import { toMessage } from '../conversations/views';
import type { ChatDelivery } from './delivery';
import { OutboxPager } from './pager';

/**
 * Our messages between the store and the chat channel: which key a stored message goes to, their statuses as
 * the wire reports them (sent, delivered, read), notices in a conversation, and read receipts owed. The other
 * features (contacts on a key change, chat on send) act on messages through this.
 */
export class ChatLedger {
  private readonly pager: OutboxPager;

  constructor(
    private readonly ctx: ConversationContext,
    private readonly delivery: ChatDelivery,
  ) {
    const { directory } = ctx;
    this.pager = new OutboxPager(ctx, delivery);
    delivery.on('sent', ({ peer: key, id }) => this.onSent(directory.peerOf(key), id));
    delivery.on('delivered', ({ peer: key, id }) => {
      const peer = directory.peerOf(key);
      // Once it has left the outbox, the window has room for the next page.
      void this.changeStatus(peer, id, 'delivered').then(() => this.pager.fill(peer), (err) => ctx.events.raise(err));
    });
    delivery.on('read', ({ peer: key, upTo }) => {
      // A key awaiting approval has not been shown any of our messages: nothing of ours can it have read.
      if (directory.unapprovedKeys.has(key)) return;
      void this.onRead(directory.peerOf(key), upTo).catch((err) => ctx.events.raise(err));
    });
  }

  /**
   * Gives a stored message to the chat channel, for the contact's pinned key (a key awaiting approval gets
   * nothing), or for a plain-text peer's connection. Read after any wait: the key may have changed meanwhile.
   * True if written now.
   */
  hand(peer: ContactId, message: Pick<StoredMessage, 'id' | 'text' | 'sentAt' | 'at'>): boolean {
    const contact = this.ctx.directory.contactOf(peer);
    if (contact.mode === 'secure') return this.pager.hand(contact, message);
    const key = this.ctx.presence.onlineKey(peer);
    if (key === null) throw new UserError('not-connected', notConnectedTo(peer));
    return this.delivery.queue(key, { id: message.id, text: message.text, sentAt: message.sentAt });
  }

  /** At start, or once its key or what it holds changed: the contact's outbox is read (again) from its start. */
  resume(peer: ContactId): void {
    this.pager.restart(peer);
  }

  /** Takes a waiting message back from the channel (cancelled, or its contact removed). */
  withdraw(peer: ContactId, id: string): void {
    const key = this.ctx.directory.contactOf(peer).key;
    if (key) this.delivery.unqueue(key, id);
  }

  /**
   * The contact's pinned key is now another: what waited for `fromKey` is taken back, and the outbox is read again
   * for the pinned key, without what is held since the key changed (only the pinned key gets anything).
   */
  moveOutbox(peer: ContactId, fromKey: SessionKey): void {
    this.delivery.unqueueAll(fromKey);
    this.pager.restart(peer);
  }

  /** Takes back everything waiting for a contact being removed. */
  dropOutbox(peer: ContactId): void {
    const { key } = this.ctx.directory.contactOf(peer);
    if (key) this.delivery.unqueueAll(key);
    this.pager.forget(peer);
  }

  async addNotice(peer: ContactId, text: string): Promise<void> {
    const notice = await this.ctx.store.addNotice(directConversationId(peer), text, Date.now());
    this.ctx.events.emit('message:received', toMessage(notice));
  }

  async changeStatus(peer: ContactId, id: string, status: 'queued' | 'delivered' | 'failed', failure?: string): Promise<Message | null> {
    const stored = await this.ctx.store.setStatus(directConversationId(peer), id, status, failure === undefined ? undefined : { failure });
    if (!stored) return null;
    // The store never moves a message back (an ack after a read receipt): tell what it holds.
    this.ctx.events.emit('message:status-changed', { peer, id, status: stored.status!, ...(stored.failure !== undefined && { failure: stored.failure }) });
    this.ctx.views.emitConversation(peer);
    return toMessage(stored);
  }

  /**
   * Tells the contact we have read up to `upTo` now, or, while it is away (or only a key awaiting approval is
   * there), the next time it connects: the receipt is kept with the conversation until it goes.
   */
  async sendReadReceipt(peer: ContactId, upTo: string): Promise<void> {
    const { store } = this.ctx;
    const conversation = directConversationId(peer);
    const key = this.ctx.directory.trustedSessionKey(peer);
    const sent = key !== null && store.settings().readReceipts === true && this.delivery.sendRead(key, upTo);
    const owed = store.conversation(conversation)?.readReceiptOwed;
    if (sent && owed !== undefined) {
      await store.updateConversation(conversation, ({ readReceiptOwed: _sent, ...rest }) => rest);
    } else if (!sent && owed !== upTo) {
      await store.updateConversation(conversation, (current) => ({ ...current, readReceiptOwed: upTo }));
    }
  }

  /**
   * "sent" is not worth a disk sync: after a crash the message is resent, which is what "sent" promises anyway.
   * It is told at once, unless the message is already further along (a resend of one whose ack was lost).
   */
  private onSent(peer: ContactId, id: string): void {
    void this.ctx.store.setStatus(directConversationId(peer), id, 'sent').then((stored) => {
      if (stored?.status !== 'sent') return;
      this.ctx.events.emit('message:status-changed', { peer, id, status: 'sent' });
      // Written to a plain-text peer, a message has gone as far as it can: it no longer counts as waiting.
      if (this.ctx.store.contact(peer)?.mode === 'plain') this.ctx.views.emitConversation(peer);
    }, (err) => this.ctx.events.raise(err));
  }

  private async onRead(peer: ContactId, upTo: string): Promise<void> {
    const read = await this.ctx.store.markReadUpTo(directConversationId(peer), upTo);
    for (const id of read) this.ctx.events.emit('message:status-changed', { peer, id, status: 'read' });
    // A receipt can retire messages whose ack was lost: the waiting count changes.
    if (read.length > 0) this.ctx.views.emitConversation(peer);
  }
}
