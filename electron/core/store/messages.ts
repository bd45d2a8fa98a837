/**
 * The messages table: each conversation's messages in order (`m\0<conv>\0<seq>`), the id index (`i\0<conv>\0<id>`
 * → `<seq>`) for dedupe, status updates and paging anchors, and (chat messages) their search entries, all
 * written together. `<seq>` is one sequence over all conversations (layout.ts).
 */
import { StoreError } from './errors';
import type { Batch } from './group-commit';
import type { Numbered } from './conversations';
import type { StoreIo } from './io';
import { conversationRange, decodeMessage, encodeMessage, idKey, MAX_SEQ, messageKey, seqHex, seqOfKey } from './layout';
import { indexMessage, unindexMessage } from './search-index';
import type { MessagePage, PageRequest, StoredMessage } from './types';

/** Most messages in one page: the contract's limit; bounds one read. */
export const MAX_PAGE_LIMIT = 500;
/** Messages `markReadUpTo` looks at, newest first from the given one: a receipt must not scan a whole history. */
export const MAX_READ_RECEIPT_SCAN = 10_000;

/** A stored message found by id, with its keys. */
export interface Found {
  key: string;
  idKey: string;
  seq: number;
  message: StoredMessage;
}


export class MessagesTable {
  constructor(
    private readonly io: StoreIo,
    /** The next sequence number to give. */
    public nextSeq: number,
  ) {}

  /** Finds a message by id: through the id index, checking that the message is there and has that id. */
  find(numbered: Numbered | undefined, id: string): Found | null {
    if (numbered === undefined) return null;
    const key = idKey(numbered.num, id);
    const seq = this.io.readKey(key);
    if (seq === undefined) return null;
    const messageKeyOf = messageKey(numbered.num, seq);
    const raw = this.io.readKey(messageKeyOf);
    if (raw === undefined) return null;
    const message = decodeMessage(raw, numbered.id);
    return message.id === id ? { key: messageKeyOf, idKey: key, seq: parseInt(seq, 16), message } : null;
  }

  /** Writes a new message, its id index entry and (chat) its search entries; returns its sequence number. */
  add(batch: Batch, numbered: Numbered, message: StoredMessage): number {
    if (this.nextSeq > MAX_SEQ) throw new StoreError('io', 'The message store has run out of sequence numbers.');
    const seq = this.nextSeq++;
    const hex = seqHex(seq);
    batch.putShadowed(messageKey(numbered.num, hex), encodeMessage(message));
    batch.putShadowed(idKey(numbered.num, message.id), hex);
    if (message.kind === 'chat') indexMessage(batch, message.text, hex, numbered.num);
    return seq;
  }

  /** Replaces a found message's value (its id and text stay). */
  update(batch: Batch, found: Pick<Found, 'key'>, message: StoredMessage): void {
    batch.putShadowed(found.key, encodeMessage(message));
  }

  /** Deletes a found message with its id index and search entries. */
  delete(batch: Batch, found: Found): void {
    batch.delShadowed(found.key);
    batch.delShadowed(found.idKey);
    if (found.message.kind === 'chat') unindexMessage(batch, found.message.text, seqHex(found.seq));
  }

  /** The newest message of a conversation that passes `test`, among the newest `max`. */
  async newest(numbered: Numbered, test: (m: StoredMessage) => boolean, max: number): Promise<StoredMessage | undefined> {
    let found: StoredMessage | undefined;
    await this.io.scan({ ...conversationRange('m', numbered.num), reverse: true }, max, (_key, message) => {
      if (!test(message)) return true;
      found = message;
      return false;
    }, numbered.id);
    return found;
  }

  /**
   * Our sent and delivered messages up to and including `anchor` become read (`left` takes each out of the
   * outbox). The scan goes back from the anchor and stops at the first message already read (or after
   * MAX_READ_RECEIPT_SCAN). Returns the ids changed, oldest first; synced.
   */
  async markReadUpTo(numbered: Numbered, anchor: Found, batch: () => Batch, left: (batch: Batch, seq: number) => void): Promise<string[]> {
    const candidates: string[] = [];
    const range = conversationRange('m', numbered.num);
    await this.io.scan({ gt: range.gt, lte: anchor.key, reverse: true }, MAX_READ_RECEIPT_SCAN, (key, message) => {
      if (!message.fromMe || message.kind !== 'chat') return true;
      if (message.status === 'read') return false;
      if (message.status === 'sent' || message.status === 'delivered') candidates.push(key);
      return true;
    }, numbered.id);
    // Decide again on the current values: statuses may have changed while scanning.
    const changed: string[] = [];
    const open = batch();
    for (const key of candidates.reverse()) {
      const raw = this.io.readKey(key);
      if (raw === undefined) continue;
      const message = decodeMessage(raw, numbered.id);
      if (message.status !== 'sent' && message.status !== 'delivered') continue;
      this.update(open, { key }, { ...message, status: 'read' });
      left(open, seqOfKey(key));
      changed.push(message.id);
    }
    if (changed.length > 0) await open.committed;
    return changed;
  }

  /** See Store.page. */
  async page(numbered: Numbered | undefined, req: PageRequest): Promise<MessagePage> {
    const limit = Math.max(1, Math.min(MAX_PAGE_LIMIT, Math.floor(req.limit)));
    const anchorId = req.before ?? req.after ?? req.around;
    const anchor = anchorId === undefined ? null : this.find(numbered, anchorId);
    if (anchorId !== undefined && anchor === null) {
      throw new StoreError('unknown-message', `There is no message ${anchorId} in this conversation.`);
    }
    if (numbered === undefined) return { messages: [], hasMore: false, hasNewer: false };
    const { gt, lt } = conversationRange('m', numbered.num);
    const read = (range: { gt: string; lt: string; reverse?: boolean; limit: number }) => this.io.readMessages(range, numbered.id);
    if (anchor === null) {
      const newest = await read({ gt, lt, reverse: true, limit: limit + 1 });
      return { messages: newest.slice(0, limit).reverse(), hasMore: newest.length > limit, hasNewer: false };
    }
    if (req.before !== undefined) {
      const older = await read({ gt, lt: anchor.key, reverse: true, limit: limit + 1 });
      return { messages: older.slice(0, limit).reverse(), hasMore: older.length > limit, hasNewer: true };
    }
    if (req.after !== undefined) {
      const newer = await read({ gt: anchor.key, lt, limit: limit + 1 });
      return { messages: newer.slice(0, limit), hasMore: true, hasNewer: newer.length > limit };
    }
    const [older, newer] = await Promise.all([read({ gt, lt: anchor.key, reverse: true, limit }), read({ gt: anchor.key, lt, limit })]);
    const room = limit - 1;
    const olderCount = Math.min(older.length, Math.max(Math.floor(room / 2), room - newer.length));
    const newerCount = Math.min(newer.length, room - olderCount);
    return {
      messages: [...older.slice(0, olderCount).reverse(), anchor.message, ...newer.slice(0, newerCount)],
      hasMore: older.length > olderCount,
      hasNewer: newer.length > newerCount,
    };
  }
}
