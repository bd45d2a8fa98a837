/**
 * The durable message store: contacts, conversation state, messages, the outbox, the search index and the
 * settings, in one LevelDB directory (`<dataDir>/store`, layout in layout.ts).
 *
 * How it stays correct under concurrency: every mutation does all its reads synchronously (the in-memory
 * contacts and conversations, pending writes through GroupCommit.read, then `getSync`), decides, and adds its
 * writes to the open group-commit batch in the same turn; only waiting for the disk is asynchronous. So
 * operations take effect in call order, a check (is this id stored?) and the write it guards cannot be split by
 * another call, and two calls never overwrite each other's changes. Reads that scan (pages, the outbox, search)
 * see what is on disk with pending changes applied.
 *
 * Durability: a promise that reports a state the person sees resolves only after its batch is synced (see
 * group-commit.ts); the exception is `setStatus(…, 'sent')`, which is written with the next batch but resolves
 * at once. LevelDB replays its log after a crash, so a killed process leaves a store that opens with every
 * resolved write in it.
 */
import { promises as fs } from 'node:fs';
import { newMessageId } from '../message-id';
import { StoreError, storeFailure } from './errors';
import { Batch, GroupCommit } from './group-commit';
import { loadState, type LoadedState } from './load';
import {
  contactKey,
  conversationKey,
  conversationRange,
  convHex,
  COUNTERS_KEY,
  decodeMessage,
  encodeMessage,
  idKey,
  MAX_SEQ,
  messageKey,
  namespaceRange,
  outboxKey,
  removalKey,
  seqHex,
  seqHexOfKey,
  seqOfKey,
  SETTINGS_KEY,
  type Db,
  type Range,
} from './layout';
import { markForRepair, openStoreDir } from './recover';
import { indexMessage, searchMessages, unindexMessage } from './search-index';
import { mergeSettings } from './settings';
import type { ContactRecord, MessagePage, PageRequest, SearchHit, StoredMessage, StoredSettings } from './types';
import type { MessageStatus } from '../../../shared/ipc/contract';

export { StoreError } from './errors';
export type { StoreFailure } from './errors';

/** Most messages in one page: the contract's limit; bounds one read. */
export const MAX_PAGE_LIMIT = 500;
/** Messages `markReadUpTo` looks at, newest first from the given one: a receipt must not scan a whole history. */
export const MAX_READ_RECEIPT_SCAN = 10_000;
/** Messages `markRead` looks at to find the newest incoming chat message (notices and our own are skipped). */
export const MAX_NEWEST_INCOMING_SCAN = 1_000;
/** Messages looked at to find the new last message after the last one was removed. */
export const MAX_LAST_MESSAGE_SCAN = 1_000;
/** Messages deleted per batch while a removed conversation is cleared (each ~10 index entries): keeps batches small. */
export const PURGE_CHUNK = 500;
/**
 * Outbox entries deleted (delivered, failed, cancelled) before the outbox range is compacted in the background:
 * LevelDB keeps a deleted key as a tombstone until a compaction reaches it, and reading the outbox at open walks
 * over every one (200,000 acks left ~35 ms of them). Compacting this small range costs ~0.1 s on another thread.
 */
export const OUTBOX_COMPACT_AFTER = 20_000;
/** Entries read per step of a scan that stops early. */
const SCAN_STEP = 64;

interface Conversation {
  peer: string;
  /** The conversation number in hex, as in keys. */
  conv: string;
}

interface Found {
  key: string;
  idKey: string;
  seq: number;
  message: StoredMessage;
}

/** Freezes a plain record and everything in it, so that a caller's edit of a record it was handed throws. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** Our message waits in the outbox while queued or sent (not yet delivered, read or failed). */
function waits(status: MessageStatus | undefined): boolean {
  return status === 'queued' || status === 'sent';
}

/**
 * The status a message gets when `requested` arrives while it is `current`. Acks and read receipts can race each
 * other and a resend: a message never goes back from read, nor from delivered except to read.
 */
function nextStatus(current: MessageStatus | undefined, requested: MessageStatus): MessageStatus {
  if (current === 'read') return 'read';
  if (current === 'delivered' && requested !== 'read') return 'delivered';
  return requested;
}

function secureKeyOf(record: ContactRecord): string | undefined {
  return record.mode === 'secure' ? (record.key ?? record.peer) : undefined;
}

function sameLast(last: ContactRecord['lastMessage'], message: StoredMessage): boolean {
  return last !== undefined && last.at === message.at && last.text === message.text && last.fromMe === message.fromMe;
}

export class Store {
  private readonly commit: GroupCommit;
  private readonly contactsByPeer = new Map<string, ContactRecord>();
  private readonly peerByKey = new Map<string, string>();
  private readonly conversations = new Map<string, Conversation>();
  private readonly peerByConv = new Map<string, string>();
  /** Each conversation's outbox: the sequence numbers of our waiting messages. */
  private readonly outboxes = new Map<string, Set<number>>();
  private currentSettings: StoredSettings;
  private nextSeq: number;
  private nextConv: number;
  private writtenCounters = '';
  private stopping = false;
  private closed: Promise<void> | null = null;
  private readonly purges = new Set<Promise<void>>();
  private outboxDeletes = 0;
  private compaction: Promise<void> | null = null;

  private constructor(
    private readonly db: Db,
    private readonly dataDir: string,
    state: LoadedState,
  ) {
    this.currentSettings = state.settings;
    this.nextSeq = state.nextSeq;
    this.nextConv = state.nextConv;
    for (const contact of state.contacts) this.remember(contact);
    for (const [peer, conv] of state.conversations) {
      this.conversations.set(peer, { peer, conv });
      this.peerByConv.set(conv, peer);
    }
    for (const [conv, seqs] of state.outboxes) {
      const peer = this.peerByConv.get(conv);
      if (peer !== undefined) this.outboxes.set(peer, seqs);
    }
    this.commit = new GroupCommit(db, {
      beforeWrite: (batch) => {
        const counters = `{"seq":${this.nextSeq},"conv":${this.nextConv}}`;
        if (counters !== this.writtenCounters) batch.setLatest(COUNTERS_KEY, counters);
        this.writtenCounters = counters;
      },
      onFailure: (err) => {
        this.writtenCounters = ''; // perhaps not on disk: write them with the next batch
        this.noteFailure(err);
      },
    });
    for (const conv of state.removals) this.purge(conv);
  }

  /**
   * Opens (creating, migrating or recovering as needed) the store in `<dataDir>/store`. `notices` are sentences
   * for the person about what happened on the way (a damaged store set aside, a damaged settings file).
   * Throws StoreError 'too-new' (a newer Peerline's store, left untouched) or 'locked' (in use by another process).
   */
  static async open(dataDir: string, opts: { now?: () => number } = {}): Promise<{ store: Store; notices: string[] }> {
    const now = opts.now ?? Date.now;
    await fs.mkdir(dataDir, { recursive: true });
    const { db, value, notices } = await openStoreDir(dataDir, now, (db, repaired) => loadState(db, { dataDir, now, repaired }));
    return { store: new Store(db, dataDir, value), notices: [...notices, ...value.notices] };
  }

  /** Writes everything pending, stops clearing removed conversations (resumed at the next open), and closes. Idempotent. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      this.stopping = true;
      await Promise.allSettled([...this.purges]);
      await this.commit.flush();
      await this.compaction;
      await this.db.close();
    })();
    return this.closed;
  }

  // Settings ---------------------------------------------------------------------------------------------------

  settings(): StoredSettings {
    return { ...this.currentSettings };
  }

  /** Sets the fields given (undefined ones are left as they are); synced. */
  async updateSettings(change: Partial<StoredSettings>): Promise<StoredSettings> {
    this.assertOpen();
    const next = mergeSettings(this.currentSettings, change);
    this.currentSettings = next;
    const batch = this.commit.begin();
    batch.setLatest(SETTINGS_KEY, next);
    await batch.committed;
    return { ...next };
  }

  // Contacts ---------------------------------------------------------------------------------------------------

  /**
   * Every contact, most recent activity first. Records are frozen, never copied: they are read several times
   * for every message (copying them was a fifth of the sending end's time), and the store replaces a record on
   * every change instead of editing it, so a record in hand stays as it was read.
   */
  contacts(): ContactRecord[] {
    return [...this.contactsByPeer.values()].sort((a, b) => b.lastActivity - a.lastActivity);
  }

  /** The contact's current record (frozen: see `contacts`). */
  contact(peer: string): ContactRecord | undefined {
    return this.contactsByPeer.get(peer);
  }

  /** A secure contact by the key it uses now (`key`, or `peer` before any key change). */
  contactByKey(key: string): ContactRecord | undefined {
    const peer = this.peerByKey.get(key);
    return peer === undefined ? undefined : this.contact(peer);
  }

  /** Creates or replaces a contact; synced. Replaces `unread` and `lastMessage` too: see `updateContact`. */
  async saveContact(record: ContactRecord): Promise<void> {
    this.assertOpen();
    const batch = this.commit.begin();
    this.putContact(batch, structuredClone(record));
    await batch.committed;
  }

  /**
   * Changes a contact from its current record, in one step: `change` gets the stored (frozen) record and
   * returns the new one. Unlike `contact()` then `saveContact()`, no message stored in between (its `unread`,
   * `lastMessage`) is lost. Resolves with the new record (synced), or undefined for an unknown peer.
   */
  async updateContact(peer: string, change: (current: ContactRecord) => ContactRecord): Promise<ContactRecord | undefined> {
    this.assertOpen();
    const current = this.contactsByPeer.get(peer);
    if (current === undefined) return undefined;
    const next = { ...structuredClone(change(current)), peer };
    const batch = this.commit.begin();
    this.putContact(batch, next);
    await batch.committed;
    return next;
  }

  /** Removes the contact and its whole conversation: messages, outbox, id index and search entries. */
  async removeContact(peer: string): Promise<void> {
    this.assertOpen();
    const batch = this.commit.begin();
    this.forget(peer);
    batch.setLatest(contactKey(peer), null);
    const conversation = this.conversations.get(peer);
    if (conversation !== undefined) {
      // The conversation leaves at once (and durably, with a removal record); its records are deleted in chunks
      // after, and a crash part-way resumes the deletion at the next open.
      this.conversations.delete(peer);
      this.peerByConv.delete(conversation.conv);
      this.outboxes.delete(peer);
      batch.setLatest(conversationKey(peer), null);
      batch.put(removalKey(conversation.conv), '');
    }
    await batch.committed;
    if (conversation !== undefined) await this.purge(conversation.conv);
  }

  /** Our messages waiting for `peer` (queued or sent, not yet delivered); synchronous. */
  queuedCount(peer: string): number {
    return this.outboxes.get(peer)?.size ?? 0;
  }

  // Messages ---------------------------------------------------------------------------------------------------

  /** Stores our new message as 'queued', in the outbox, as the contact's last message; synced. */
  async addOutgoing(peer: string, m: { id: string; text: string; at: number }): Promise<StoredMessage> {
    this.assertOpen();
    const existing = this.conversations.get(peer);
    if (existing !== undefined && this.find(existing, m.id) !== null) {
      throw new StoreError('duplicate-id', `A message with id ${m.id} is already stored for this contact.`);
    }
    const batch = this.commit.begin();
    const conversation = this.conversationOf(peer);
    const message: StoredMessage = { id: m.id, peer, fromMe: true, text: m.text, at: m.at, sentAt: m.at, kind: 'chat', status: 'queued' };
    const seq = this.writeNew(batch, conversation, message);
    this.setWaiting(batch, conversation, seq, true);
    this.touchContact(batch, peer, message, 0);
    await batch.committed;
    return { ...message };
  }

  /**
   * Stores a message from the peer: unread + 1, the contact's last message; synced. Null when this id is already
   * stored for this peer (a resend); a call while the same id is still being written waits for that write.
   */
  async addIncoming(peer: string, m: { id: string; text: string; sentAt: number; at: number }): Promise<StoredMessage | null> {
    this.assertOpen();
    const existing = this.conversations.get(peer);
    const found = existing === undefined ? null : this.find(existing, m.id);
    if (found !== null) {
      await this.commit.whenWritten(found.idKey);
      return null;
    }
    const batch = this.commit.begin();
    const conversation = this.conversationOf(peer);
    const message: StoredMessage = { id: m.id, peer, fromMe: false, text: m.text, at: m.at, sentAt: m.sentAt, kind: 'chat' };
    this.writeNew(batch, conversation, message);
    this.touchContact(batch, peer, message, 1);
    await batch.committed;
    return { ...message };
  }

  /** Stores a notice Peerline puts in the conversation (not searchable, not the contact's last message); synced. */
  async addNotice(peer: string, text: string, at: number): Promise<StoredMessage> {
    this.assertOpen();
    const batch = this.commit.begin();
    const conversation = this.conversationOf(peer);
    const message: StoredMessage = { id: newMessageId(at), peer, fromMe: false, text, at, sentAt: at, kind: 'notice' };
    this.writeNew(batch, conversation, message);
    await batch.committed;
    return { ...message };
  }

  /**
   * Changes our message's status (see `nextStatus` for the ones ignored). Delivered, read and failed leave the
   * outbox, and so does sent for a plain-text peer; queued (a retry) rejoins it where the message always was. Synced, except 'sent'. Null for an unknown
   * id, or one that is not our chat message.
   */
  async setStatus(peer: string, id: string, status: MessageStatus, opts: { failure?: string } = {}): Promise<StoredMessage | null> {
    this.assertOpen();
    const conversation = this.conversations.get(peer);
    const found = conversation === undefined ? null : this.find(conversation, id);
    if (conversation === undefined || found === null || !found.message.fromMe || found.message.kind !== 'chat') return null;
    const current = found.message;
    const status2 = nextStatus(current.status, status);
    const failure = status2 === 'failed' ? opts.failure : undefined;
    if (status2 === current.status && failure === current.failure) {
      await this.commit.whenWritten(found.key);
      return current;
    }
    const updated: StoredMessage = { ...current, status: status2 };
    if (failure === undefined) delete updated.failure;
    else updated.failure = failure;
    const batch = this.commit.begin();
    batch.putShadowed(found.key, encodeMessage(updated));
    // A plain-text peer acknowledges nothing: once written to it, our message has gone as far as it can.
    const final = status2 === 'sent' && this.contactsByPeer.get(peer)?.mode === 'plain';
    this.setWaiting(batch, conversation, found.seq, waits(status2) && !final);
    // 'sent' is resent after a crash anyway, so it need not wait for the disk; a plain peer's is final, so it does.
    if (status2 !== 'sent' || final) await batch.committed;
    return { ...updated };
  }

  /**
   * A read receipt: our messages up to and including `id` that are sent or delivered become read. The scan goes
   * back from `id` and stops at the first message already read (or after MAX_READ_RECEIPT_SCAN). Returns the
   * ids changed, oldest first; synced.
   */
  async markReadUpTo(peer: string, id: string): Promise<string[]> {
    this.assertOpen();
    const conversation = this.conversations.get(peer);
    const anchor = conversation === undefined ? null : this.find(conversation, id);
    // The anchor must be ours: a receipt naming the peer's own message would mark what we sent unseen as read.
    if (conversation === undefined || anchor === null || !anchor.message.fromMe) return [];
    const candidates: string[] = [];
    const range = conversationRange('m', conversation.conv);
    await this.scan({ gt: range.gt, lte: anchor.key, reverse: true }, MAX_READ_RECEIPT_SCAN, (key, message) => {
      if (!message.fromMe || message.kind !== 'chat') return true;
      if (message.status === 'read') return false;
      if (message.status === 'sent' || message.status === 'delivered') candidates.push(key);
      return true;
    }, conversation.peer);
    // Decide again on the current values: statuses may have changed while scanning.
    const batch = this.commit.begin();
    const changed: string[] = [];
    for (const key of candidates.reverse()) {
      const raw = this.readKey(key);
      if (raw === undefined) continue;
      const message = decodeMessage(raw, peer);
      if (message.status !== 'sent' && message.status !== 'delivered') continue;
      batch.putShadowed(key, encodeMessage({ ...message, status: 'read' }));
      this.setWaiting(batch, conversation, seqOfKey(key), false);
      changed.push(message.id);
    }
    if (changed.length > 0) await batch.committed;
    return changed;
  }

  /** Our messages still waiting (queued or sent), oldest first; of one peer, or of all. */
  async outbox(peer?: string): Promise<StoredMessage[]> {
    this.assertOpen();
    const entries: Array<{ seq: number; conversation: Conversation }> = [];
    for (const [owner, seqs] of this.outboxes) {
      if (peer !== undefined && owner !== peer) continue;
      const conversation = this.conversations.get(owner)!;
      for (const seq of seqs) entries.push({ seq, conversation });
    }
    entries.sort((a, b) => a.seq - b.seq);
    const keys = entries.map(({ seq, conversation }) => messageKey(conversation.conv, seqHex(seq)));
    const values = await this.readKeys(keys);
    const out: StoredMessage[] = [];
    values.forEach((raw, i) => {
      if (raw === undefined) return;
      const message = decodeMessage(raw, entries[i].conversation.peer);
      if (waits(message.status)) out.push(message);
    });
    return out;
  }

  /** Deletes one message with its outbox and index entries (a cancelled message). */
  async remove(peer: string, id: string): Promise<StoredMessage | null> {
    this.assertOpen();
    const conversation = this.conversations.get(peer);
    const found = conversation === undefined ? null : this.find(conversation, id);
    if (conversation === undefined || found === null) return null;
    const batch = this.commit.begin();
    batch.delShadowed(found.key);
    batch.delShadowed(found.idKey);
    this.setWaiting(batch, conversation, found.seq, false);
    if (found.message.kind === 'chat') unindexMessage(batch, found.message.text, seqHex(found.seq));
    await batch.committed;
    await this.replaceLastMessage(conversation, found.message).catch(() => {
      // Only the conversation list's preview: the message itself is gone.
    });
    return found.message;
  }

  async message(peer: string, id: string): Promise<StoredMessage | undefined> {
    this.assertOpen();
    const conversation = this.conversations.get(peer);
    return (conversation && this.find(conversation, id)?.message) ?? undefined;
  }

  /**
   * A page of one conversation, oldest first: the newest when none of before/after/around is given; before an
   * id, after an id (both exclusive), or around one (it in the middle, or as near as the ends allow). `hasMore`:
   * older messages exist; `hasNewer`: newer ones. StoreError 'unknown-message' for an id not in the conversation.
   */
  async page(peer: string, req: PageRequest): Promise<MessagePage> {
    this.assertOpen();
    const limit = Math.max(1, Math.min(MAX_PAGE_LIMIT, Math.floor(req.limit)));
    const anchorId = req.before ?? req.after ?? req.around;
    const conversation = this.conversations.get(peer);
    const anchor = conversation === undefined || anchorId === undefined ? null : this.find(conversation, anchorId);
    if (anchorId !== undefined && anchor === null) {
      throw new StoreError('unknown-message', `There is no message ${anchorId} in this conversation.`);
    }
    if (conversation === undefined) return { messages: [], hasMore: false, hasNewer: false };
    const { gt, lt } = conversationRange('m', conversation.conv);
    const read = (range: { gt: string; lt: string; reverse?: boolean; limit: number }) => this.readMessages(range, conversation.peer);
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

  /** Unread → 0 (synced), and the newest incoming chat message's id, for a read receipt. */
  async markRead(peer: string): Promise<{ newestIncoming?: string }> {
    this.assertOpen();
    const contact = this.contactsByPeer.get(peer);
    let written: Promise<void> = Promise.resolve();
    if (contact !== undefined && contact.unread !== 0) {
      const batch = this.commit.begin();
      this.putContact(batch, { ...contact, unread: 0 });
      written = batch.committed;
    }
    const conversation = this.conversations.get(peer);
    const newest = conversation === undefined ? undefined : await this.newest(conversation, (m) => !m.fromMe && m.kind === 'chat', MAX_NEWEST_INCOMING_SCAN);
    await written;
    return newest === undefined ? {} : { newestIncoming: newest.id };
  }

  /** Messages of all conversations whose words start with the query's words, newest first (search-index.ts). */
  async search(query: string, limit: number): Promise<{ hits: SearchHit[]; more: boolean }> {
    this.assertOpen();
    try {
      return await searchMessages(
        {
          db: this.db,
          pending: (key) => this.commit.read(key),
          peerOf: (conv) => this.peerByConv.get(conv),
          conversations: () => this.peerByConv.keys(),
        },
        query,
        Math.max(1, Math.floor(limit)),
      );
    } catch (err) {
      throw this.failure(err, 'searching');
    }
  }

  /** Resolves when the background work started so far is done: removed conversations cleared, writes on disk. */
  async idle(): Promise<void> {
    while (this.purges.size > 0 || this.compaction !== null) await Promise.allSettled([...this.purges, this.compaction]);
    await this.commit.flush();
  }

  /** Batches written and operations in them since open (for the bench and tests). */
  get commitStats(): { batches: number; ops: number } {
    return { ...this.commit.stats };
  }

  // Internals --------------------------------------------------------------------------------------------------

  private assertOpen(): void {
    if (this.stopping) throw new StoreError('closed', 'The message store is closed.');
  }

  private noteFailure(err: unknown): void {
    const failure = storeFailure(err, 'saving');
    if (failure.code === 'corrupt') void markForRepair(this.dataDir, failure.message);
  }

  private failure(err: unknown, doing: string): StoreError {
    if (this.stopping) return new StoreError('closed', 'The message store was closed.', { cause: err });
    const failure = storeFailure(err, doing);
    if (failure.code === 'corrupt') void markForRepair(this.dataDir, failure.message);
    return failure;
  }

  /** A key's newest value: pending, else on disk; undefined when absent or pending deletion. */
  private readKey(key: string): string | undefined {
    const pending = this.commit.read(key);
    if (pending !== undefined) return pending ?? undefined;
    try {
      return this.db.getSync(key);
    } catch (err) {
      throw this.failure(err, 'reading');
    }
  }

  private async readKeys(keys: string[]): Promise<Array<string | undefined>> {
    const values: Array<string | undefined> = new Array(keys.length);
    const missing: number[] = [];
    keys.forEach((key, i) => {
      const pending = this.commit.read(key);
      if (pending === undefined) missing.push(i);
      else values[i] = pending ?? undefined;
    });
    if (missing.length === 0) return values;
    try {
      const read = await this.db.getMany(missing.map((i) => keys[i]));
      missing.forEach((i, j) => (values[i] = read[j]));
    } catch (err) {
      throw this.failure(err, 'reading');
    }
    return values;
  }

  /** The messages of a range read from disk, with pending changes applied (pending new ones are not included). */
  private async readMessages(range: Range & { reverse?: boolean; limit: number }, peer: string): Promise<StoredMessage[]> {
    let entries: Array<[string, string]>;
    try {
      entries = await this.db.iterator(range).all();
    } catch (err) {
      throw this.failure(err, 'reading messages');
    }
    const out: StoredMessage[] = [];
    for (const [key, raw] of entries) {
      const pending = this.commit.read(key);
      if (pending === null) continue;
      out.push(decodeMessage(pending ?? raw, peer));
    }
    return out;
  }

  /** Walks a message range with pending changes applied until `visit` returns false or `max` were visited. */
  private async scan(
    range: { gt?: string; gte?: string; lt?: string; lte?: string; reverse?: boolean },
    max: number,
    visit: (key: string, message: StoredMessage) => boolean,
    peer: string,
  ): Promise<void> {
    const iterator = this.db.iterator(range);
    let seen = 0;
    try {
      while (seen < max) {
        const entries = await iterator.nextv(Math.min(SCAN_STEP, max - seen));
        if (entries.length === 0) return;
        for (const [key, raw] of entries) {
          seen++;
          const pending = this.commit.read(key);
          if (pending === null) continue;
          if (!visit(key, decodeMessage(pending ?? raw, peer))) return;
        }
      }
    } catch (err) {
      throw this.failure(err, 'reading messages');
    } finally {
      await iterator.close();
    }
  }

  /** The newest message of a conversation that passes `test`, among the newest `max`. */
  private async newest(conversation: Conversation, test: (m: StoredMessage) => boolean, max: number): Promise<StoredMessage | undefined> {
    let found: StoredMessage | undefined;
    await this.scan({ ...conversationRange('m', conversation.conv), reverse: true }, max, (_key, message) => {
      if (!test(message)) return true;
      found = message;
      return false;
    }, conversation.peer);
    return found;
  }

  /** Finds a message by id: through the id index, checking that the message is there and has that id. */
  private find(conversation: Conversation, id: string): Found | null {
    const key = idKey(conversation.conv, id);
    const seq = this.readKey(key);
    if (seq === undefined) return null;
    const messageKeyOf = messageKey(conversation.conv, seq);
    const raw = this.readKey(messageKeyOf);
    if (raw === undefined) return null;
    const message = decodeMessage(raw, conversation.peer);
    return message.id === id ? { key: messageKeyOf, idKey: key, seq: parseInt(seq, 16), message } : null;
  }

  /** The peer's conversation, given a number when it has none yet (written with `batch`). */
  private conversationOf(peer: string): Conversation {
    let conversation = this.conversations.get(peer);
    if (conversation === undefined) {
      conversation = { peer, conv: convHex(this.nextConv++) };
      this.conversations.set(peer, conversation);
      this.peerByConv.set(conversation.conv, peer);
    }
    return conversation;
  }

  /** Writes a new message, its id index entry and (chat) its search entries; returns its sequence number. */
  private writeNew(batch: Batch, conversation: Conversation, message: StoredMessage): number {
    if (this.nextSeq > MAX_SEQ) throw new StoreError('io', 'The message store has run out of sequence numbers.');
    const seq = this.nextSeq++;
    const hex = seqHex(seq);
    batch.putShadowed(messageKey(conversation.conv, hex), encodeMessage(message));
    batch.putShadowed(idKey(conversation.conv, message.id), hex);
    // Rewritten with every batch that writes to the conversation: one key per batch, and a failed batch cannot
    // leave messages under a conversation number that no peer maps to.
    batch.setLatest(conversationKey(conversation.peer), conversation.conv);
    if (message.kind === 'chat') indexMessage(batch, message.text, hex, conversation.conv);
    return seq;
  }

  /** Puts our message in or takes it out of the outbox. */
  private setWaiting(batch: Batch, conversation: Conversation, seq: number, waiting: boolean): void {
    let seqs = this.outboxes.get(conversation.peer);
    if (waiting === (seqs?.has(seq) ?? false)) return;
    const key = outboxKey(conversation.conv, seqHex(seq));
    if (waiting) {
      if (seqs === undefined) this.outboxes.set(conversation.peer, (seqs = new Set()));
      seqs.add(seq);
      batch.put(key, '');
    } else {
      seqs!.delete(seq);
      if (seqs!.size === 0) this.outboxes.delete(conversation.peer);
      batch.del(key);
      if (++this.outboxDeletes >= OUTBOX_COMPACT_AFTER) this.compactOutbox();
    }
  }

  /** Compacts the outbox range in the background once its deletions are written (see OUTBOX_COMPACT_AFTER). */
  private compactOutbox(): void {
    if (this.compaction !== null || this.stopping) return;
    this.outboxDeletes = 0;
    const { gt, lt } = namespaceRange('o');
    this.compaction = (async () => {
      await this.commit.flush();
      await this.db.compactRange(gt, lt);
    })()
      .catch(() => {
        // Only housekeeping: LevelDB compacts the range by itself sooner or later.
      })
      .finally(() => (this.compaction = null));
  }

  private remember(record: ContactRecord): void {
    this.contactsByPeer.set(record.peer, deepFreeze(record));
    const key = secureKeyOf(record);
    if (key !== undefined) this.peerByKey.set(key, record.peer);
  }

  private forget(peer: string): void {
    const record = this.contactsByPeer.get(peer);
    if (record === undefined) return;
    this.contactsByPeer.delete(peer);
    const key = secureKeyOf(record);
    if (key !== undefined && this.peerByKey.get(key) === peer) this.peerByKey.delete(key);
  }

  /** Replaces the contact in memory and in `batch` (the record must not be shared with callers). */
  private putContact(batch: Batch, record: ContactRecord): void {
    this.forget(record.peer);
    this.remember(record);
    batch.setLatest(contactKey(record.peer), record);
  }

  /** A new chat message becomes the contact's last message and activity; `unread` grows by `unread`. */
  private touchContact(batch: Batch, peer: string, message: StoredMessage, unread: number): void {
    const contact = this.contactsByPeer.get(peer);
    if (contact === undefined) return;
    this.putContact(batch, {
      ...contact,
      unread: contact.unread + unread,
      lastMessage: { text: message.text, at: message.at, fromMe: message.fromMe },
      lastActivity: Math.max(contact.lastActivity, message.at),
    });
  }

  /** After `removed` left the conversation: if it was the contact's last message, the one before takes its place. */
  private async replaceLastMessage(conversation: Conversation, removed: StoredMessage): Promise<void> {
    if (this.stopping || !sameLast(this.contactsByPeer.get(conversation.peer)?.lastMessage, removed)) return;
    const newest = await this.newest(conversation, (m) => m.kind === 'chat', MAX_LAST_MESSAGE_SCAN);
    const contact = this.contactsByPeer.get(conversation.peer);
    if (contact === undefined || !sameLast(contact.lastMessage, removed) || this.stopping) return;
    const next: ContactRecord = { ...contact };
    if (newest === undefined) delete next.lastMessage;
    else next.lastMessage = { text: newest.text, at: newest.at, fromMe: newest.fromMe };
    const batch = this.commit.begin();
    this.putContact(batch, next);
    await batch.committed;
  }

  /** Deletes a removed conversation's records in chunks (tracked, so `close` waits; resumed at open if cut short). */
  private purge(conv: string): Promise<void> {
    const run = this.purgeConversation(conv).catch(() => {
      // Left for the next open: the removal record stays until every chunk is gone.
    });
    this.purges.add(run);
    void run.finally(() => this.purges.delete(run));
    return run;
  }

  private async purgeConversation(conv: string): Promise<void> {
    for (const ns of ['m', 'i', 'o'] as const) {
      const range = conversationRange(ns, conv);
      for (;;) {
        if (this.stopping) return;
        const entries = await this.db.iterator({ ...range, limit: PURGE_CHUNK }).all();
        if (entries.length === 0) break;
        const batch = this.commit.begin();
        for (const [key, raw] of entries) {
          batch.del(key);
          if (ns !== 'm') continue;
          const seq = seqHexOfKey(key);
          batch.del(outboxKey(conv, seq));
          try {
            const message = decodeMessage(raw, '');
            batch.del(idKey(conv, message.id));
            if (message.kind === 'chat') unindexMessage(batch, message.text, seq);
          } catch {
            // An unreadable record: its index entries (if any) are found by the `i` pass; search skips the rest.
          }
        }
        await batch.committed;
      }
    }
    const batch = this.commit.begin();
    batch.del(removalKey(conv));
    await batch.committed;
  }
}
