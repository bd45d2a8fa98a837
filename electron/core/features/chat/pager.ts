import { directConversationId, type ContactId } from '../../../../shared/ids';
import type { ContactRecord, StoredMessage } from '../../store/types';
import type { FeatureContext } from '../context';
import { OUTBOX_WINDOW_BYTES, OUTBOX_WINDOW_MESSAGES, type ChatDelivery } from './delivery';

/** Where a contact's outbox has been read up to, and whether everything after it is with the channel. */
interface Paging {
  afterSeq: number;
  caughtUp: boolean;
  running: boolean;
  again: boolean;
}

/** Written before the key last changed, and not yet released by the person: it waits (see `held`). */
export function isHeld(contact: ContactRecord, message: Pick<StoredMessage, 'at'>): boolean {
  return contact.heldUntil !== undefined && message.at <= contact.heldUntil;
}

/**
 * Hands a secure contact's outbox to the chat channel a window at a time, read from the store a page at a time:
 * the channel holds (and has in flight) at most OUTBOX_WINDOW_MESSAGES and OUTBOX_WINDOW_BYTES per key, and more
 * is read as acks come back. Messages held since a key change are skipped until the person releases them.
 */
export class OutboxPager {
  private readonly paging = new Map<ContactId, Paging>();

  constructor(
    private readonly ctx: FeatureContext,
    private readonly delivery: ChatDelivery,
  ) {}

  /**
   * A message just stored (or retried) for a secure contact: written now if everything before it is with the
   * channel and the window has room; else it is read in its turn. True if written now.
   */
  hand(contact: ContactRecord, message: Pick<StoredMessage, 'id' | 'text' | 'sentAt' | 'at'>): boolean {
    if (isHeld(contact, message)) return false;
    let paging = this.paging.get(contact.id);
    // Nothing waited when the app started or since: this message is all there is.
    if (!paging) this.paging.set(contact.id, (paging = { afterSeq: -1, caughtUp: true, running: false, again: false }));
    const { messages, bytes } = this.delivery.waiting(contact.key!);
    if (paging.caughtUp && !paging.running && messages < OUTBOX_WINDOW_MESSAGES && bytes < OUTBOX_WINDOW_BYTES) {
      return this.delivery.queue(contact.key!, { id: message.id, text: message.text, sentAt: message.sentAt });
    }
    // A retried message sits before the cursor: read again from the start (what the channel has is skipped).
    this.restart(contact.id);
    return false;
  }

  /** Reads the outbox again from its start (the key changed, held messages were released, one was retried). */
  restart(peer: ContactId): void {
    const paging = this.paging.get(peer);
    this.paging.set(peer, { afterSeq: -1, caughtUp: false, running: paging?.running ?? false, again: false });
    this.fill(peer);
  }

  forget(peer: ContactId): void {
    this.paging.delete(peer);
  }

  /** Tops the channel's window up from the store; one read at a time per contact. */
  fill(peer: ContactId): void {
    let paging = this.paging.get(peer);
    if (!paging) this.paging.set(peer, (paging = { afterSeq: -1, caughtUp: false, running: false, again: false }));
    if (paging.running) {
      paging.again = true;
      return;
    }
    paging.running = true;
    void this.run(peer)
      .catch((err) => this.ctx.events.raise(err))
      .finally(() => {
        const now = this.paging.get(peer);
        if (!now) return;
        now.running = false;
        if (now.again || now !== paging) {
          now.again = false;
          this.fill(peer);
        }
      });
  }

  private async run(peer: ContactId): Promise<void> {
    const paging = this.paging.get(peer)!;
    for (;;) {
      const contact = this.ctx.store.contact(peer);
      if (contact?.mode !== 'secure' || this.paging.get(peer) !== paging) return;
      const key = contact.key!;
      const waiting = this.delivery.waiting(key);
      const room = OUTBOX_WINDOW_MESSAGES - waiting.messages;
      if (room <= 0 || waiting.bytes >= OUTBOX_WINDOW_BYTES) return void (paging.caughtUp = false);
      const page = await this.ctx.store.outboxPage(directConversationId(peer), paging.afterSeq, room);
      // The key changed, or the cursor was reset, while the page was read: the newer read takes over.
      const now = this.ctx.store.contact(peer);
      if (this.paging.get(peer) !== paging || now?.key !== key) return;
      for (const { seq, message } of page) {
        // The channel counts what it holds, each text once.
        if (this.delivery.waiting(key).bytes >= OUTBOX_WINDOW_BYTES) return void (paging.caughtUp = false);
        paging.afterSeq = seq;
        if (isHeld(now, message) || this.delivery.has(key, message.id)) continue;
        this.delivery.queue(key, { id: message.id, text: message.text, sentAt: message.sentAt });
      }
      if (page.length < room) return void (paging.caughtUp = true);
    }
  }
}
