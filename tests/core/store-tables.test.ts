/**
 * The store's pure pieces on their own: key layout and message encoding, the status rules, the settings merge,
 * the 1 → 2 record split, and the in-memory contacts and conversations tables (over a stand-in batch).
 */
import { describe, expect, it } from 'vitest';
import { ContactsTable } from '../../electron/core/store/contacts';
import { ConversationsTable } from '../../electron/core/store/conversations';
import type { Batch } from '../../electron/core/store/group-commit';
import { contactKey, conversationKey, decodeMessage, encodeMessage, idOfKey, messageKey, numberKey, seqHex } from '../../electron/core/store/layout';
import { statusAfter } from '../../shared/status';
import { splitContactV1 } from '../../electron/core/store/migrations';
import { waits } from '../../electron/core/store/outbox';
import { mergeSettings, parseSettings } from '../../electron/core/store/settings';
import type { ContactRecord, StoredMessage } from '../../electron/core/store/types';
import { contactId, conversationId, directConversationId, sessionKey } from '../../shared/ids';

/** A batch that records what the tables write through `setLatest`. */
function recordingBatch(): { batch: Batch; latest: Map<string, unknown> } {
  const latest = new Map<string, unknown>();
  return { batch: { setLatest: (key: string, value: unknown) => void latest.set(key, value) } as unknown as Batch, latest };
}

const A = contactId('a'.repeat(64));
const A_KEY = sessionKey(A);
const KEY2 = sessionKey('c'.repeat(64));

function contact(fields: Partial<ContactRecord> = {}): ContactRecord {
  return { id: A, mode: 'secure', key: A_KEY, peerName: 'Ann', addresses: [], firstSeen: 1, verified: false, keyHistory: [{ key: A_KEY, since: 1 }], ...fields };
}

function chat(text: string, at: number, fromMe = false): StoredMessage {
  return { id: at.toString(16).padStart(32, '0'), conversation: directConversationId(A), fromMe, text, at, sentAt: at, kind: 'chat' };
}

describe('store layout', () => {
  it('a message survives encoding, absent fields stay absent, and the conversation comes from the key', () => {
    const conversation = conversationId('plain:10.0.0.1:80');
    const plain: StoredMessage = { id: '1'.repeat(32), conversation, fromMe: false, text: 'hi\nthere', at: 5, sentAt: 4, kind: 'chat' };
    const failed: StoredMessage = { ...plain, fromMe: true, status: 'failed', failure: 'gone' };
    for (const message of [plain, failed]) expect(decodeMessage(encodeMessage(message), conversation)).toEqual(message);
    expect(encodeMessage(plain)).not.toContain(conversation);
  });

  it('the K, C and P keys of a direct conversation end in the same id; sequence numbers sort as numbers', () => {
    const id = 'plain:10.0.0.1:8000';
    expect([contactKey(id), conversationKey(id), numberKey(id)].map(idOfKey)).toEqual([id, id, id]);
    expect(new Set([contactKey(id), conversationKey(id), numberKey(id)]).size).toBe(3);
    const keys = [9, 10, 255, 4096].map((n) => messageKey('00000001', seqHex(n)));
    expect([...keys].sort()).toEqual(keys);
  });
});

describe('store rules', () => {
  it('a status never goes back from read, nor from delivered except to read', () => {
    expect(statusAfter('read', 'delivered')).toBe('read');
    expect(statusAfter('delivered', 'sent')).toBe('delivered');
    expect(statusAfter('delivered', 'read')).toBe('read');
    expect(statusAfter('sent', 'delivered')).toBe('delivered');
    expect(statusAfter('failed', 'queued')).toBe('queued');
    expect(['queued', 'sent', 'delivered', 'read', 'failed'].filter((s) => waits(s as never))).toEqual(['queued', 'sent']);
  });

  it('settings: a change sets the fields given; damaged values give defaults', () => {
    expect(mergeSettings({ displayName: 'Ann', port: 1 }, { port: 2, displayName: undefined })).toEqual({ displayName: 'Ann', port: 2 });
    expect(parseSettings({ port: 70_000 })).toEqual({});
    expect(parseSettings('garbage')).toEqual({});
  });

  it('a layout-1 contact splits into who the person is and the direct conversation with them', () => {
    const v1 = { peer: A, mode: 'secure', key: KEY2, peerName: 'Ann', addresses: ['h:1'], firstSeen: 1, verified: true, keyHistory: [], unread: 3, lastActivity: 9, lastMessage: { text: 'x', at: 9, fromMe: false }, readReceiptOwed: 'r' };
    expect(splitContactV1(v1)).toEqual({
      contact: { id: A, mode: 'secure', key: KEY2, peerName: 'Ann', addresses: ['h:1'], firstSeen: 1, verified: true, keyHistory: [] },
      conversation: { id: A, kind: 'direct', members: [A], unread: 3, lastMessage: { text: 'x', at: 9, fromMe: false }, lastActivity: 9, readReceiptOwed: 'r' },
    });
    const bare = splitContactV1({ peer: A, unread: 0, lastActivity: 1 });
    expect(bare.conversation).toEqual({ id: A, kind: 'direct', members: [A], unread: 0, lastActivity: 1 });
  });
});

describe('contacts table', () => {
  it('finds a secure contact by its current key only, and forgets the old key after a change', () => {
    const table = new ContactsTable([contact()]);
    expect(table.byKey(A_KEY)?.id).toBe(A);
    const { batch, latest } = recordingBatch();
    table.put(batch, contact({ key: KEY2 }));
    expect(table.byKey(A_KEY)).toBeUndefined();
    expect(table.byKey(KEY2)?.id).toBe(A);
    expect(latest.get(contactKey(A))).toMatchObject({ key: KEY2 });
    table.delete(batch, A);
    expect([table.get(A), table.byKey(KEY2), latest.get(contactKey(A))]).toEqual([undefined, undefined, null]);
  });

  it('a plain-text contact has no key to be found by', () => {
    const plain = contactId('plain:10.0.0.1:80');
    const table = new ContactsTable([{ ...contact(), id: plain, mode: 'plain', key: undefined, keyHistory: [] }]);
    expect(table.get(plain)?.mode).toBe('plain');
    expect(table.byKey(sessionKey(plain))).toBeUndefined();
  });
});

describe('conversations table', () => {
  const direct = directConversationId(A);
  const record = { id: direct, kind: 'direct' as const, members: [A], unread: 0, lastActivity: 5 };

  it('a chat message becomes the last message and activity, and counts as unread when asked to', () => {
    const table = new ConversationsTable([record], [], 1);
    const { batch, latest } = recordingBatch();
    table.touch(batch, direct, chat('hello', 7), 1);
    table.touch(batch, direct, chat('older clock', 6, true), 0);
    expect(table.get(direct)).toEqual({ ...record, unread: 1, lastMessage: { text: 'older clock', at: 6, fromMe: true }, lastActivity: 7 });
    expect(latest.get(conversationKey(direct))).toEqual(table.get(direct));
    // A conversation without a record (a peer that is no contact) keeps none.
    const stranger = conversationId('b'.repeat(64));
    table.touch(batch, stranger, chat('hi', 8), 1);
    expect(table.get(stranger)).toBeUndefined();
  });

  it('numbers are given once per conversation, from the next free one, and map back to the id until removed', () => {
    const table = new ConversationsTable([record], [[direct, '00000003']], 4);
    const stranger = conversationId('b'.repeat(64));
    expect(table.number(direct)).toEqual({ id: direct, num: '00000003' });
    expect(table.numbered(stranger)).toBeUndefined();
    expect(table.number(stranger)).toEqual({ id: stranger, num: '00000004' });
    expect(table.number(stranger).num).toBe('00000004');
    expect([table.idOf('00000003'), table.idOf('00000004')]).toEqual([direct, stranger]);
    const { batch, latest } = recordingBatch();
    expect(table.delete(batch, direct)).toEqual({ id: direct, num: '00000003' });
    expect([table.get(direct), table.idOf('00000003'), [...table.liveNumbers()]]).toEqual([undefined, undefined, ['00000004']]);
    expect([latest.get(conversationKey(direct)), latest.get(numberKey(direct))]).toEqual([null, null]);
  });

  it('replaceLast swaps in the message before only while the removed one is still the last', () => {
    const table = new ConversationsTable([{ ...record, lastMessage: { text: 'gone', at: 9, fromMe: true } }], [], 1);
    const { batch } = recordingBatch();
    expect(table.replaceLast(batch, direct, chat('other', 9, true), chat('x', 1))).toBe(false);
    expect(table.replaceLast(batch, direct, chat('gone', 9, true), chat('before', 8))).toBe(true);
    expect(table.get(direct)?.lastMessage).toEqual({ text: 'before', at: 8, fromMe: false });
    expect(table.replaceLast(batch, direct, chat('before', 8), undefined)).toBe(true);
    expect(table.get(direct)).not.toHaveProperty('lastMessage');
  });

  it('lists by activity, most recent first', () => {
    const other = conversationId('b'.repeat(64));
    const table = new ConversationsTable([record, { ...record, id: other, lastActivity: 9 }], [], 1);
    expect(table.all().map((c) => c.id)).toEqual([other, direct]);
  });
});
