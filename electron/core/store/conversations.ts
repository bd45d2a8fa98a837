/**
 * The conversations table: each conversation's record (`C\0<id>`: kind, members, unread count, last message,
 * activity, an owed read receipt), kept in memory and frozen like contacts (see contacts.ts), and the
 * conversation numbers (`P\0<id>` → `<conv>`) that key its messages, outbox and search entries (layout.ts).
 *
 * A conversation's messages may exist without its record (a peer that is no contact yet): its number is given
 * when its first message is stored, its record when the conversation is saved.
 */
import { deepFreeze } from './contacts';
import type { Batch } from './group-commit';
import { conversationKey, convHex, numberKey } from './layout';
import type { ConversationRecord, StoredMessage } from './types';
import type { ConversationId } from '../../../shared/ids';

/** A conversation's id with its number in hex, as in keys. */
export interface Numbered {
  id: ConversationId;
  num: string;
}

function sameLast(last: ConversationRecord['lastMessage'], message: StoredMessage): boolean {
  return last !== undefined && last.at === message.at && last.text === message.text && last.fromMe === message.fromMe;
}

export class ConversationsTable {
  private readonly records = new Map<ConversationId, ConversationRecord>();
  private readonly numbers = new Map<ConversationId, Numbered>();
  private readonly idByNumber = new Map<string, ConversationId>();

  constructor(
    records: Iterable<ConversationRecord>,
    numbers: Iterable<[ConversationId, string]>,
    /** The next conversation number to give. */
    public nextNumber: number,
  ) {
    for (const record of records) this.records.set(record.id, deepFreeze(record));
    for (const [id, num] of numbers) this.setNumber({ id, num });
  }

  get(id: ConversationId): ConversationRecord | undefined {
    return this.records.get(id);
  }

  /** Every conversation, most recent activity first. */
  all(): ConversationRecord[] {
    return [...this.records.values()].sort((a, b) => b.lastActivity - a.lastActivity);
  }

  /** Replaces the record in memory and in `batch` (the record must not be shared with callers). */
  put(batch: Batch, record: ConversationRecord): void {
    this.records.set(record.id, deepFreeze(record));
    batch.setLatest(conversationKey(record.id), record);
  }

  /** Removes the record and the number (durably, with `batch`); returns the number its records are under. */
  delete(batch: Batch, id: ConversationId): Numbered | undefined {
    this.records.delete(id);
    batch.setLatest(conversationKey(id), null);
    const numbered = this.numbers.get(id);
    if (numbered === undefined) return undefined;
    this.numbers.delete(id);
    this.idByNumber.delete(numbered.num);
    batch.setLatest(numberKey(id), null);
    return numbered;
  }

  /** The conversation's number, if it has one (a message was stored for it). */
  numbered(id: ConversationId): Numbered | undefined {
    return this.numbers.get(id);
  }

  /** The conversation's number, given when it has none yet (written with the messages: see `noteWrite`). */
  number(id: ConversationId): Numbered {
    let numbered = this.numbers.get(id);
    if (numbered === undefined) this.setNumber((numbered = { id, num: convHex(this.nextNumber++) }));
    return numbered;
  }

  /**
   * Writes the number with `batch`. Rewritten with every batch that writes to the conversation: one key per batch,
   * and a failed batch cannot leave messages under a conversation number that no id maps to.
   */
  noteWrite(batch: Batch, numbered: Numbered): void {
    batch.setLatest(numberKey(numbered.id), numbered.num);
  }

  /** The id of a live conversation number; undefined for a removed one. */
  idOf(num: string): ConversationId | undefined {
    return this.idByNumber.get(num);
  }

  liveNumbers(): IterableIterator<string> {
    return this.idByNumber.keys();
  }

  /** A new chat message becomes the conversation's last message and activity; `unread` grows by `unread`. */
  touch(batch: Batch, id: ConversationId, message: StoredMessage, unread: number): void {
    const record = this.records.get(id);
    if (record === undefined) return;
    this.put(batch, {
      ...record,
      unread: record.unread + unread,
      lastMessage: { text: message.text, at: message.at, fromMe: message.fromMe },
      lastActivity: Math.max(record.lastActivity, message.at),
    });
  }

  /** Whether `message` is the conversation's last message (after it was removed: see `replaceLast`). */
  isLast(id: ConversationId, message: StoredMessage): boolean {
    return sameLast(this.records.get(id)?.lastMessage, message);
  }

  /** After `removed` left the conversation: if it still is the last message, `newest` takes its place. */
  replaceLast(batch: Batch, id: ConversationId, removed: StoredMessage, newest: StoredMessage | undefined): boolean {
    const record = this.records.get(id);
    if (record === undefined || !sameLast(record.lastMessage, removed)) return false;
    const next: ConversationRecord = { ...record };
    if (newest === undefined) delete next.lastMessage;
    else next.lastMessage = { text: newest.text, at: newest.at, fromMe: newest.fromMe };
    this.put(batch, next);
    return true;
  }

  private setNumber(numbered: Numbered): void {
    this.numbers.set(numbered.id, numbered);
    this.idByNumber.set(numbered.num, numbered.id);
  }
}
