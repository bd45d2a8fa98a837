/**
 * The store's writes that span tables: a message stored is also its conversation's last message and activity
 * (and unread count), ours waits in the outbox, a status or a read receipt moves it out; a removed message may
 * hand the conversation's preview to the one before. Each operation reads synchronously and adds all its
 * writes to one group-commit batch in the same turn (see store.ts). The Store facade documents the operations.
 */
import { newMessageId } from '../message-id';
import type { ContactsTable } from './contacts';
import type { ConversationsTable, Numbered } from './conversations';
import { StoreError } from './errors';
import type { StoreIo } from './io';
import { statusAfter } from '../../../shared/status';
import type { MessagesTable } from './messages';
import { waits, type OutboxTable } from './outbox';
import type { StoredMessage } from './types';
import type { MessageStatus } from '../../../shared/ipc/contract';
import type { ConversationId } from '../../../shared/ids';

/** Messages `markRead` looks at to find the newest incoming chat message (notices and our own are skipped). */
export const MAX_NEWEST_INCOMING_SCAN = 1_000;
/** Messages looked at to find the new last message after the last one was removed. */
export const MAX_LAST_MESSAGE_SCAN = 1_000;

export class Messaging {
  constructor(
    private readonly io: StoreIo,
    private readonly contacts: ContactsTable,
    private readonly conversations: ConversationsTable,
    private readonly messages: MessagesTable,
    private readonly outbox: OutboxTable,
  ) {}

  async markRead(id: ConversationId): Promise<{ newestIncoming?: string }> {
    this.io.assertOpen();
    const record = this.conversations.get(id);
    let written: Promise<void> = Promise.resolve();
    if (record !== undefined && record.unread !== 0) {
      const batch = this.io.commit.begin();
      this.conversations.put(batch, { ...record, unread: 0 });
      written = batch.committed;
    }
    const numbered = this.conversations.numbered(id);
    const newest = numbered && (await this.messages.newest(numbered, (m) => !m.fromMe && m.kind === 'chat', MAX_NEWEST_INCOMING_SCAN));
    await written;
    return newest === undefined ? {} : { newestIncoming: newest.id };
  }

  async addOutgoing(id: ConversationId, m: { id: string; text: string; at: number }): Promise<StoredMessage> {
    this.io.assertOpen();
    if (this.messages.find(this.conversations.numbered(id), m.id) !== null) {
      throw new StoreError('duplicate-id', `A message with id ${m.id} is already stored for this contact.`);
    }
    const message: StoredMessage = { id: m.id, conversation: id, fromMe: true, text: m.text, at: m.at, sentAt: m.at, kind: 'chat', status: 'queued' };
    const { batch, numbered, seq } = this.addMessage(message, 0);
    this.outbox.set(batch, numbered, seq, true);
    await batch.committed;
    return { ...message };
  }

  async addIncoming(id: ConversationId, m: { id: string; text: string; sentAt: number; at: number; unapprovedKey?: true }): Promise<StoredMessage | null> {
    this.io.assertOpen();
    const found = this.messages.find(this.conversations.numbered(id), m.id);
    if (found !== null) {
      await this.io.commit.whenWritten(found.idKey);
      return null;
    }
    const message: StoredMessage = { id: m.id, conversation: id, fromMe: false, text: m.text, at: m.at, sentAt: m.sentAt, kind: 'chat', ...(m.unapprovedKey && { unapprovedKey: true }) };
    await this.addMessage(message, 1).batch.committed;
    return { ...message };
  }

  async addNotice(id: ConversationId, text: string, at: number): Promise<StoredMessage> {
    this.io.assertOpen();
    const message: StoredMessage = { id: newMessageId(at), conversation: id, fromMe: false, text, at, sentAt: at, kind: 'notice' };
    await this.addMessage(message, 0).batch.committed;
    return { ...message };
  }

  async setStatus(id: ConversationId, messageId: string, status: MessageStatus, opts: { failure?: string } = {}): Promise<StoredMessage | null> {
    this.io.assertOpen();
    const numbered = this.conversations.numbered(id);
    const found = this.messages.find(numbered, messageId);
    if (numbered === undefined || found === null || !found.message.fromMe || found.message.kind !== 'chat') return null;
    const current = found.message;
    const status2 = statusAfter(current.status, status);
    const failure = status2 === 'failed' ? opts.failure : undefined;
    if (status2 === current.status && failure === current.failure) {
      await this.io.commit.whenWritten(found.key);
      return current;
    }
    const updated: StoredMessage = { ...current, status: status2 };
    if (failure === undefined) delete updated.failure;
    else updated.failure = failure;
    const batch = this.io.commit.begin();
    this.messages.update(batch, found, updated);
    // A plain-text peer acknowledges nothing: once written to it, our message has gone as far as it can.
    const final = status2 === 'sent' && this.isPlain(id);
    this.outbox.set(batch, numbered, found.seq, waits(status2) && !final);
    // 'sent' is resent after a crash anyway, so it need not wait for the disk; a plain peer's is final, so it does.
    if (status2 !== 'sent' || final) await batch.committed;
    return { ...updated };
  }

  async markReadUpTo(id: ConversationId, messageId: string): Promise<string[]> {
    this.io.assertOpen();
    const numbered = this.conversations.numbered(id);
    const anchor = this.messages.find(numbered, messageId);
    // The anchor must be ours: a receipt naming the peer's own message would mark what we sent unseen as read.
    if (numbered === undefined || anchor === null || !anchor.message.fromMe) return [];
    return this.messages.markReadUpTo(numbered, anchor, () => this.io.commit.begin(), (batch, seq) => this.outbox.set(batch, numbered, seq, false));
  }

  async remove(id: ConversationId, messageId: string): Promise<StoredMessage | null> {
    this.io.assertOpen();
    const numbered = this.conversations.numbered(id);
    const found = this.messages.find(numbered, messageId);
    if (numbered === undefined || found === null) return null;
    const batch = this.io.commit.begin();
    this.messages.delete(batch, found);
    this.outbox.set(batch, numbered, found.seq, false);
    await batch.committed;
    await this.replaceLastMessage(numbered, found.message).catch(() => {
      // Only the conversation list's preview: the message itself is gone.
    });
    return found.message;
  }

  /** Writes a new message into a batch; a chat message becomes the conversation's last, `unread` more unread. */
  private addMessage(message: StoredMessage, unread: number) {
    const batch = this.io.commit.begin();
    const numbered = this.conversations.number(message.conversation);
    const seq = this.messages.add(batch, numbered, message);
    this.conversations.noteWrite(batch, numbered);
    if (message.kind === 'chat') this.conversations.touch(batch, numbered.id, message, unread);
    return { batch, numbered, seq };
  }

  /** Whether the conversation is a direct one with a plain-text peer. */
  private isPlain(id: ConversationId): boolean {
    const record = this.conversations.get(id);
    return record?.kind === 'direct' && this.contacts.get(record.members[0])?.mode === 'plain';
  }

  /** After `removed` left the conversation: if it was the last message, the one before takes its place. */
  private async replaceLastMessage(numbered: Numbered, removed: StoredMessage): Promise<void> {
    if (this.io.stopping || !this.conversations.isLast(numbered.id, removed)) return;
    const newest = await this.messages.newest(numbered, (m) => m.kind === 'chat', MAX_LAST_MESSAGE_SCAN);
    if (this.io.stopping) return;
    const batch = this.io.commit.begin();
    if (this.conversations.replaceLast(batch, numbered.id, removed, newest)) await batch.committed;
  }
}
