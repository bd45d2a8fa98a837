/**
 * The durable message store, one LevelDB directory (`<dataDir>/store`, layout in layout.ts), by table: contacts
 * (who a person is), conversations (their state and numbers), messages, the outbox, the search index and the
 * settings, each in its own module. This facade composes them: an operation that touches several tables (a
 * message stored is a conversation's last message and may wait in the outbox) is one batch here.
 *
 * How it stays correct under concurrency: every mutation does all its reads synchronously (the in-memory
 * tables, pending writes through GroupCommit.read, then `getSync`), decides, and adds its writes to the open
 * group-commit batch in the same turn; only waiting for the disk is asynchronous. So operations take effect in
 * call order, a check (is this id stored?) and the write it guards cannot be split by another call, and two
 * calls never overwrite each other's changes. Reads that scan (pages, the outbox, search) see what is on disk
 * with pending changes applied.
 *
 * Durability: a promise that reports a state the person sees resolves only after its batch is synced (see
 * group-commit.ts); the exception is `setStatus(…, 'sent')`, which is written with the next batch but resolves
 * at once. LevelDB replays its log after a crash, so a killed process leaves a store that opens with every
 * resolved write in it.
 */
import { promises as fs } from 'node:fs';
import { ContactsTable } from './contacts';
import { GroupsTable } from './groups';
import { ConversationsTable, type Numbered } from './conversations';
import { GroupCommit, type Batch } from './group-commit';
import { StoreIo } from './io';
import { COUNTERS_KEY, removalKey, type Db } from './layout';
import { loadState, type LoadedState } from './load';
import { MessagesTable } from './messages';
import { Messaging } from './messaging';
import { OutboxTable } from './outbox';
import { Purges } from './purge';
import { openStoreDir } from './recover';
import { searchMessages } from './search-index';
import { SettingsTable } from './settings';
import type { ContactRecord, ConversationRecord, MessagePage, PageRequest, SearchHit, StoredMessage, StoredSettings } from './types';
import type { MessageStatus } from '../../../shared/ipc/contract';
import { directConversationId, type ContactId, type ConversationId, type SessionKey } from '../../../shared/ids';

export { StoreError } from './errors';
export type { StoreFailure } from './errors';
export { MAX_PAGE_LIMIT, MAX_READ_RECEIPT_SCAN } from './messages';
export { OUTBOX_COMPACT_AFTER } from './outbox';
export { PURGE_CHUNK } from './purge';
export { MAX_LAST_MESSAGE_SCAN, MAX_NEWEST_INCOMING_SCAN } from './messaging';

/** The record of the direct conversation a new contact starts with. */
function directConversation(contact: ContactRecord): ConversationRecord {
  return { id: directConversationId(contact.id), kind: 'direct', members: [contact.id], unread: 0, lastActivity: contact.firstSeen };
}

export interface FeatureTable {
  readonly db: Db;
  readonly commit: GroupCommit;
}

export class Store {
  private readonly io: StoreIo;
  private readonly settingsTable: SettingsTable;
  private readonly contactsTable: ContactsTable;
  private readonly conversationsTable: ConversationsTable;
  private readonly messages: MessagesTable;
  private readonly outboxTable: OutboxTable;
  private readonly messaging: Messaging;
  private readonly purges: Purges;
  /** The groups' tables (sublevels of their own, synced writes). */
  readonly groups: GroupsTable;
  private writtenCounters = '';
  private closed: Promise<void> | null = null;

  private constructor(db: Db, dataDir: string, state: LoadedState) {
    this.io = new StoreIo(db, dataDir, {
      beforeWrite: (batch) => {
        const counters = `{"seq":${this.messages.nextSeq},"conv":${this.conversationsTable.nextNumber}}`;
        if (counters !== this.writtenCounters) batch.setLatest(COUNTERS_KEY, counters);
        this.writtenCounters = counters;
      },
      onFailure: () => (this.writtenCounters = ''), // perhaps not on disk: write them with the next batch
    });
    this.settingsTable = new SettingsTable(state.settings);
    this.contactsTable = new ContactsTable(state.contacts);
    this.conversationsTable = new ConversationsTable(state.conversations, state.numbers, state.nextConv);
    this.messages = new MessagesTable(this.io, state.nextSeq);
    const outboxes: Array<[Numbered, Set<number>]> = [];
    for (const [num, seqs] of state.outboxes) {
      const id = this.conversationsTable.idOf(num);
      if (id !== undefined) outboxes.push([{ id, num }, seqs]);
    }
    this.outboxTable = new OutboxTable(this.io, outboxes);
    this.messaging = new Messaging(this.io, this.contactsTable, this.conversationsTable, this.messages, this.outboxTable);
    this.purges = new Purges(this.io);
    this.groups = new GroupsTable(db);
    for (const num of state.removals) void this.purges.start(num);
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
      this.io.stopping = true;
      await this.purges.settled();
      await this.io.commit.flush();
      await this.outboxTable.compaction;
      await this.io.db.close();
    })();
    return this.closed;
  }

  // Settings ---------------------------------------------------------------------------------------------------

  settings(): StoredSettings {
    return this.settingsTable.get();
  }

  /** Sets the fields given (undefined ones are left as they are); synced. */
  async updateSettings(change: Partial<StoredSettings>): Promise<StoredSettings> {
    this.io.assertOpen();
    const batch = this.io.commit.begin();
    const next = this.settingsTable.update(batch, change);
    await batch.committed;
    return next;
  }

  // Contacts ---------------------------------------------------------------------------------------------------

  /** Every contact, by its direct conversation's activity, most recent first. Records are frozen (contacts.ts). */
  contacts(): ContactRecord[] {
    const activity = (c: ContactRecord) => this.conversationsTable.get(directConversationId(c.id))?.lastActivity ?? c.firstSeen;
    return [...this.contactsTable.all()].sort((a, b) => activity(b) - activity(a));
  }

  /** The contact's current record (frozen). */
  contact(id: ContactId): ContactRecord | undefined {
    return this.contactsTable.get(id);
  }

  /** A secure contact by the key it uses now (`key`, or `id` before any key change). */
  contactByKey(key: SessionKey): ContactRecord | undefined {
    return this.contactsTable.byKey(key);
  }

  /** Creates or replaces a contact, with its direct conversation when it has none yet; synced. */
  async saveContact(record: ContactRecord): Promise<void> {
    this.io.assertOpen();
    const batch = this.io.commit.begin();
    const contact = structuredClone(record);
    this.contactsTable.put(batch, contact);
    if (this.conversationsTable.get(directConversationId(contact.id)) === undefined) this.conversationsTable.put(batch, directConversation(contact));
    await batch.committed;
  }

  /**
   * Changes a contact from its current record, in one step: `change` gets the stored (frozen) record and
   * returns the new one. Resolves with the new record (synced), or undefined for an unknown contact.
   */
  updateContact(id: ContactId, change: (current: ContactRecord) => ContactRecord): Promise<ContactRecord | undefined> {
    return this.change(this.contactsTable, id, change);
  }

  /** Removes the contact and its direct conversation: messages, outbox, id index and search entries. */
  async removeContact(id: ContactId): Promise<void> {
    this.io.assertOpen();
    const batch = this.io.commit.begin();
    this.contactsTable.delete(batch, id);
    const conversation = directConversationId(id);
    // The conversation leaves at once (and durably, with a removal record); its records are deleted in chunks
    // after, and a crash part-way resumes the deletion at the next open.
    const numbered = this.conversationsTable.delete(batch, conversation);
    this.outboxTable.drop(conversation);
    if (numbered !== undefined) batch.put(removalKey(numbered.num), '');
    await batch.committed;
    if (numbered !== undefined) await this.purges.start(numbered.num);
  }

  // Conversations ----------------------------------------------------------------------------------------------

  /** The conversation's current record (frozen, like contacts). */
  conversation(id: ConversationId): ConversationRecord | undefined {
    return this.conversationsTable.get(id);
  }

  /** Changes a conversation's record in one step, like `updateContact`; undefined for an unknown conversation. */
  updateConversation(id: ConversationId, change: (current: ConversationRecord) => ConversationRecord): Promise<ConversationRecord | undefined> {
    return this.change(this.conversationsTable, id, change);
  }

  /** Our messages waiting in the conversation (queued or sent, not yet delivered); synchronous. */
  queuedCount(id: ConversationId): number {
    return this.outboxTable.count(id);
  }

  /** Unread → 0 (synced), and the newest incoming chat message's id, for a read receipt. */
  markRead(id: ConversationId): Promise<{ newestIncoming?: string }> {
    return this.messaging.markRead(id);
  }

  // Messages ---------------------------------------------------------------------------------------------------

  /** Stores our new message as 'queued', in the outbox, as the conversation's last message; synced. */
  addOutgoing(id: ConversationId, m: { id: string; text: string; at: number }): Promise<StoredMessage> {
    return this.messaging.addOutgoing(id, m);
  }

  /**
   * Stores a message from a member: unread + 1, the conversation's last message; synced. Null when this id is
   * already stored in the conversation (a resend); a call while the same id is still being written waits for it.
   */
  addIncoming(id: ConversationId, m: { id: string; text: string; sentAt: number; at: number; unapprovedKey?: true }): Promise<StoredMessage | null> {
    return this.messaging.addIncoming(id, m);
  }

  /** Stores a notice Peerline puts in the conversation (not searchable, not the last message); synced. */
  addNotice(id: ConversationId, text: string, at: number): Promise<StoredMessage> {
    return this.messaging.addNotice(id, text, at);
  }

  /**
   * Changes our message's status (see `statusAfter` in shared/status.ts for the ones ignored). Delivered, read and failed leave the
   * outbox, and so does sent for a plain-text peer; queued (a retry) rejoins it where the message always was.
   * Synced, except 'sent'. Null for an unknown id, or one that is not our chat message.
   */
  setStatus(id: ConversationId, messageId: string, status: MessageStatus, opts: { failure?: string } = {}): Promise<StoredMessage | null> {
    return this.messaging.setStatus(id, messageId, status, opts);
  }

  /**
   * A read receipt: our messages up to and including `messageId` that are sent or delivered become read (back to
   * the first already read, at most MAX_READ_RECEIPT_SCAN). Returns the ids changed, oldest first; synced.
   */
  markReadUpTo(id: ConversationId, messageId: string): Promise<string[]> {
    return this.messaging.markReadUpTo(id, messageId);
  }

  /** Deletes one message with its outbox and index entries (a cancelled message); the one before may become the last. */
  remove(id: ConversationId, messageId: string): Promise<StoredMessage | null> {
    return this.messaging.remove(id, messageId);
  }

  /** Our messages still waiting (queued or sent), oldest first; of one conversation, or of all. */
  async outbox(id?: ConversationId): Promise<StoredMessage[]> {
    this.io.assertOpen();
    return this.outboxTable.list(id);
  }

  /** A page of the conversation's outbox after `afterSeq` (see OutboxTable.page). */
  async outboxPage(id: ConversationId, afterSeq: number, limit: number): Promise<Array<{ seq: number; message: StoredMessage }>> {
    this.io.assertOpen();
    return this.outboxTable.page(id, afterSeq, limit);
  }

  async message(id: ConversationId, messageId: string): Promise<StoredMessage | undefined> {
    this.io.assertOpen();
    return this.messages.find(this.conversationsTable.numbered(id), messageId)?.message ?? undefined;
  }

  /**
   * A page of one conversation, oldest first: the newest when none of before/after/around is given; before an
   * id, after an id (both exclusive), or around one (it in the middle, or as near as the ends allow). `hasMore`:
   * older messages exist; `hasNewer`: newer ones. StoreError 'unknown-message' for an id not in the conversation.
   */
  async page(id: ConversationId, req: PageRequest): Promise<MessagePage> {
    this.io.assertOpen();
    return this.messages.page(this.conversationsTable.numbered(id), req);
  }

  /** Messages of all conversations whose words start with the query's words, newest first (search-index.ts). */
  async search(query: string, limit: number): Promise<{ hits: SearchHit[]; more: boolean }> {
    this.io.assertOpen();
    const conversations = this.conversationsTable;
    const context = { db: this.io.db, pending: (key: string) => this.io.commit.read(key), idOf: (num: string) => conversations.idOf(num), conversations: () => conversations.liveNumbers() };
    try {
      return await searchMessages(context, query, Math.max(1, Math.floor(limit)));
    } catch (err) {
      throw this.io.failure(err, 'searching');
    }
  }

  /** Resolves when the background work started so far is done: removed conversations cleared, writes on disk. */
  async idle(): Promise<void> {
    while (this.purges.size > 0 || this.outboxTable.compaction !== null) await Promise.allSettled([this.purges.settled(), this.outboxTable.compaction]);
    await this.io.commit.flush();
  }

  /** Batches written and operations in them since open (for the bench and tests). */
  get commitStats(): { batches: number; ops: number } {
    return { ...this.io.commit.stats };
  }

  // Tables of features -----------------------------------------------------------------------------------------

  /**
   * A feature's own table: a sublevel of the store's database (its keys can never meet the core tables' or
   * another feature's), with a group commit of its own. The feature flushes it before the store closes.
   */
  table(name: string): FeatureTable {
    this.io.assertOpen();
    const db = this.io.db.sublevel<string, string>(name, {}) as unknown as Db;
    return { db, commit: new GroupCommit(db) };
  }

  // Internals --------------------------------------------------------------------------------------------------

  /** A record changed from its current value in one step, so nothing written in between is lost; synced. */
  private async change<I extends string, R extends { id: I }>(
    table: { get(id: I): R | undefined; put(batch: Batch, record: R): void },
    id: I,
    change: (current: R) => R,
  ): Promise<R | undefined> {
    this.io.assertOpen();
    const current = table.get(id);
    if (current === undefined) return undefined;
    const next = { ...structuredClone(change(current)), id };
    const batch = this.io.commit.begin();
    table.put(batch, next);
    await batch.committed;
    return next;
  }
}
