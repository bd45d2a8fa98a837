import type { EventEmitter } from 'node:events';
import { contactId, directConversationId, type ContactId } from '../../../../shared/ids';
import type { ContractHandlers, Message } from '../../../../shared/ipc/contract';
import { AppError } from '../../../../shared/ipc/result';
import { notConnectedTo } from '../../../../shared/validation';
import { UserError } from '../../errors';
import { newMessageId } from '../../message-id';
import { shownName } from '../../trust';
import type { SessionEvents } from '../contacts/sessions';
import type { ConversationContext } from '../conversations/context';
import { toMessage } from '../conversations/views';
import { rethrowForPeople } from '../refusals';
import type { ChatDelivery } from './delivery';
import type { ChatLedger } from './ledger';

type ChatHandlers = Pick<
  ContractHandlers,
  'message:send' | 'message:list' | 'message:typing' | 'message:retry' | 'message:cancel' | 'message:search' | 'conversation:mark-read'
>;

/**
 * Chat as the person uses it: sending (stored as queued before it is handed to the channel), history, retry and
 * cancel, search, typing, and marking read with receipts. What arrives is stored by the inbox (inbox.ts).
 */
export class ChatFeature {
  readonly handlers: ChatHandlers;

  constructor(
    private readonly ctx: ConversationContext,
    delivery: ChatDelivery,
    private readonly ledger: ChatLedger,
    sessions: EventEmitter<SessionEvents>,
  ) {
    const { directory, presence, views, store } = ctx;
    delivery.on('typing', ({ peer: key, active }) => presence.setTyping(directory.peerOf(key), active));
    // A read receipt owed since the contact was away goes once it is back (taken in, so its key is known).
    sessions.on('connected', ({ peer }) => {
      const owed = ctx.store.conversation(directConversationId(peer))?.readReceiptOwed;
      if (owed !== undefined) void ledger.sendReadReceipt(peer, owed).catch((err) => ctx.events.raise(err));
    });
    this.handlers = {
      'message:send': async ({ peer, text }) => this.send(peer, text),
      'message:list': async ({ peer, before, after, around, limit }) => {
        const { id } = directory.contactOf(peer);
        const page = await store.page(directConversationId(id), { before, after, around, limit }).catch(rethrowForPeople);
        return { messages: page.messages.map(toMessage), hasMore: page.hasMore, hasNewer: page.hasNewer };
      },
      'message:typing': async ({ peer, active }) => {
        const key = directory.trustedSessionKey(contactId(peer));
        if (key) delivery.setTyping(key, active);
        return null;
      },
      'message:retry': async ({ peer, id }) => this.retry(peer, id),
      'message:cancel': async ({ peer, id }) => {
        await this.cancel(peer, id);
        return null;
      },
      'message:search': async ({ query, limit }) => {
        const { hits, more } = await store.search(query, limit);
        return {
          results: hits.flatMap(({ conversation, message }) => {
            // A direct conversation's id is its contact's.
            const contact = store.contact(contactId(conversation));
            return contact ? [{ peer: conversation, name: shownName(contact), message: toMessage(message) }] : [];
          }),
          more,
        };
      },
      'conversation:mark-read': async ({ peer }) => {
        const contact = directory.contactOf(peer);
        const conversation = directConversationId(contact.id);
        if ((store.conversation(conversation)?.unread ?? 0) === 0) return null;
        const { newestIncoming } = await store.markRead(conversation);
        if (store.settings().readReceipts && newestIncoming && contact.mode === 'secure') await ledger.sendReadReceipt(contact.id, newestIncoming);
        views.emitConversation(contact.id);
        return null;
      },
    };
  }

  /**
   * At start: every waiting message goes back to the channel (which sends it when its contact connects), and
   * messages to plain-text peers, who cannot be reached again, fail.
   */
  async resumeDelivery(): Promise<void> {
    for (const contact of this.ctx.store.contacts()) {
      // Only direct conversations have an outbox yet: their id is their contact's.
      const conversation = directConversationId(contact.id);
      if (this.ctx.store.queuedCount(conversation) === 0) continue;
      // To the pinned key only, a window at a time: a key awaiting approval gets nothing until the person approves it.
      if (contact.mode === 'secure') this.ledger.resume(contact.id);
      else await this.failOutbox(contact.id);
    }
  }

  /** A plain-text peer's waiting messages fail: it cannot be reached again. Read a page at a time. */
  private async failOutbox(peer: ContactId): Promise<void> {
    for (let page = await this.ctx.store.outboxPage(directConversationId(peer), -1, 256); page.length > 0; page = await this.ctx.store.outboxPage(directConversationId(peer), page.at(-1)!.seq, 256)) {
      for (const { message } of page) {
        await this.ledger.changeStatus(peer, message.id, 'failed', 'Peerline closed before this reached the plain-text peer, who cannot be reached again.');
      }
    }
  }

  private async send(to: string, text: string): Promise<Message> {
    const contact = this.ctx.directory.contactOf(to);
    const peer = contact.id;
    // A plain-text peer has no identity to find again: what it does not get now, it never gets.
    if (contact.mode === 'plain' && !this.ctx.presence.onlineKey(peer)) throw new AppError('not-connected', notConnectedTo(peer));
    const stored = await this.ctx.store.addOutgoing(directConversationId(peer), { id: newMessageId(), text, at: Date.now() }).catch(rethrowForPeople);
    this.ctx.views.emitConversation(peer);
    this.ctx.reconnector.resume(peer);
    return this.handOrFail(peer, toMessage(stored));
  }

  /** Hands a queued message to the channel: 'sent' if written now; 'failed' with the sentence if it cannot go. */
  private async handOrFail(peer: ContactId, message: Message): Promise<Message> {
    try {
      if (this.ledger.hand(peer, message)) message.status = 'sent';
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      return (await this.ledger.changeStatus(peer, message.id, 'failed', err.message)) ?? message;
    }
    return message;
  }

  /** Our chat message in this conversation, or a sentence saying there is none. */
  private async ownMessage(peer: ContactId, id: string) {
    const message = await this.ctx.store.message(directConversationId(peer), id);
    if (!message?.fromMe || message.kind !== 'chat') throw new AppError('unknown-message', 'That message is not in this conversation.');
    return message;
  }

  private async retry(to: string, id: string): Promise<Message> {
    const contact = this.ctx.directory.contactOf(to);
    const peer = contact.id;
    const message = await this.ownMessage(peer, id);
    if (message.status !== 'failed') throw new AppError('invalid-request', 'Only a failed message can be sent again.');
    if (contact.mode === 'plain' && !this.ctx.presence.onlineKey(peer)) throw new AppError('not-connected', notConnectedTo(peer));
    const queued = (await this.ledger.changeStatus(peer, id, 'queued'))!;
    return this.handOrFail(peer, queued);
  }

  private async cancel(to: string, id: string): Promise<void> {
    const peer = this.ctx.directory.contactOf(to).id;
    const message = await this.ownMessage(peer, id);
    if (message.status !== 'queued' && message.status !== 'failed') {
      throw new AppError('message-not-cancellable', 'This message has already gone to the peer, so it cannot be taken back.');
    }
    this.ledger.withdraw(peer, id);
    await this.ctx.store.remove(directConversationId(peer), id);
    this.ctx.events.emit('message:removed', { peer, id });
    this.ctx.views.emitConversation(peer);
  }
}
