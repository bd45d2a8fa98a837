import { writeFile, readFile, readdir, access } from 'node:fs/promises';
import path from 'node:path';
import { ClassicLevel } from 'classic-level';
import { afterEach, describe, expect, it } from 'vitest';
import { LAYOUT_KEY, type Db } from '../../electron/core/store/layout';
import { migrate } from '../../electron/core/store/migrations';
import { MAX_CANDIDATES, MAX_PREFIX_WORDS } from '../../electron/core/store/search-index';
import { Store, StoreError } from '../../electron/core/store/store';
import type { StoredMessage } from '../../electron/core/store/types';
import { cleanUpStores, contact, freshStore, id, openStore, reopen, tempDataDir } from '../fixtures/store-helpers';
import { contactId, conversationId, sessionKey } from '../../shared/ids';

afterEach(cleanUpStores);

const A = conversationId('a'.repeat(64));
const B = conversationId('b'.repeat(64));

/** Stores `count` incoming messages "m<from>" … for `peer`, one after another in call order (all in flight at once). */
async function fill(store: Store, peer: string, count: number, from = 0): Promise<void> {
  await Promise.all(Array.from({ length: count }, (_, i) => store.addIncoming(conversationId(peer), { id: id(from + i), text: `m${from + i}`, sentAt: from + i, at: from + i })));
}

const texts = (messages: readonly StoredMessage[]) => messages.map((m) => m.text);
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `m${from + i}`);

async function rawKeys(dataDir: string): Promise<Array<[string, string]>> {
  const db: Db = new ClassicLevel<string, string>(path.join(dataDir, 'store'));
  await db.open();
  try {
    return await db.iterator().all();
  } finally {
    await db.close();
  }
}

describe('store: paging', () => {
  it('the newest page holds the last `limit` messages, oldest first; hasMore tells older ones exist', async () => {
    const { store } = await freshStore();
    await fill(store, A, 10);
    const page = await store.page(A, { limit: 4 });
    expect(texts(page.messages)).toEqual(range(6, 10));
    expect(page).toMatchObject({ hasMore: true, hasNewer: false });
    expect(await store.page(A, { limit: 10 })).toMatchObject({ hasMore: false, hasNewer: false });
    expect(await store.page(A, { limit: 50 })).toMatchObject({ hasMore: false, hasNewer: false });
  });

  it('before and after page back and forward from an id (exclusive), with hasMore and hasNewer at the ends', async () => {
    const { store } = await freshStore();
    await fill(store, A, 10);
    const back = await store.page(A, { before: id(5), limit: 3 });
    expect(texts(back.messages)).toEqual(range(2, 5));
    expect(back).toMatchObject({ hasMore: true, hasNewer: true });
    const first = await store.page(A, { before: id(3), limit: 3 });
    expect(texts(first.messages)).toEqual(range(0, 3));
    expect(first).toMatchObject({ hasMore: false, hasNewer: true });
    const forward = await store.page(A, { after: id(5), limit: 3 });
    expect(texts(forward.messages)).toEqual(range(6, 9));
    expect(forward).toMatchObject({ hasMore: true, hasNewer: true });
    const last = await store.page(A, { after: id(6), limit: 3 });
    expect(texts(last.messages)).toEqual(range(7, 10));
    expect(last).toMatchObject({ hasMore: true, hasNewer: false });
  });

  it('around puts the message in the middle, or as near as the ends of the conversation allow', async () => {
    const { store } = await freshStore();
    await fill(store, A, 20);
    const middle = await store.page(A, { around: id(10), limit: 5 });
    expect(texts(middle.messages)).toEqual(range(8, 13));
    expect(middle).toMatchObject({ hasMore: true, hasNewer: true });
    const nearStart = await store.page(A, { around: id(1), limit: 5 });
    expect(texts(nearStart.messages)).toEqual(range(0, 5));
    expect(nearStart).toMatchObject({ hasMore: false, hasNewer: true });
    const nearEnd = await store.page(A, { around: id(19), limit: 5 });
    expect(texts(nearEnd.messages)).toEqual(range(15, 20));
    expect(nearEnd).toMatchObject({ hasMore: true, hasNewer: false });
    const alone = await store.page(A, { around: id(7), limit: 1 });
    expect(texts(alone.messages)).toEqual(['m7']);
  });

  it('a 1,000-message conversation paged fully back and then forward has no gaps or repeats', async () => {
    const { store } = await freshStore();
    await fill(store, A, 1_000);
    await fill(store, B, 30, 5_000); // another conversation in between must not leak in
    const back: string[] = [];
    let page = await store.page(A, { limit: 37 });
    back.unshift(...texts(page.messages));
    while (page.hasMore) {
      page = await store.page(A, { before: page.messages[0].id, limit: 37 });
      back.unshift(...texts(page.messages));
    }
    expect(back).toEqual(range(0, 1_000));
    const forward: string[] = [];
    page = await store.page(A, { around: id(0), limit: 41 });
    forward.push(...texts(page.messages));
    while (page.hasNewer) {
      page = await store.page(A, { after: page.messages.at(-1)!.id, limit: 41 });
      forward.push(...texts(page.messages));
    }
    expect(forward).toEqual(range(0, 1_000));
  });

  it('an id that is not in that conversation is StoreError unknown-message; an unknown conversation is an empty page', async () => {
    const { store } = await freshStore();
    await fill(store, A, 3);
    await fill(store, B, 3, 100);
    for (const req of [{ before: id(100) }, { after: id(100) }, { around: id(999) }]) {
      await expect(store.page(A, { ...req, limit: 10 })).rejects.toMatchObject({ name: 'StoreError', code: 'unknown-message' });
    }
    await expect(store.page(conversationId('nobody'), { before: id(1), limit: 10 })).rejects.toBeInstanceOf(StoreError);
    expect(await store.page(conversationId('nobody'), { limit: 10 })).toEqual({ messages: [], hasMore: false, hasNewer: false });
  });

  it('peers whose keys contain colons or are prefixes of each other keep separate conversations', async () => {
    const { store } = await freshStore();
    const peers = ['plain:10.0.0.1:80', 'plain:10.0.0.1:8080', 'plain:10.0.0.1:8', 'plain:10.0.0.1:80\x00x'];
    for (const [i, peer] of peers.entries()) await store.addIncoming(conversationId(peer), { id: id(1), text: `to ${i}`, sentAt: i, at: i });
    for (const [i, peer] of peers.entries()) {
      const page = await store.page(conversationId(peer), { limit: 10 });
      expect(texts(page.messages)).toEqual([`to ${i}`]);
      expect(page.messages[0].conversation).toBe(peer);
    }
  });

  it('messages of one peer are stored in call order, even when all are in flight at once', async () => {
    const { store } = await freshStore();
    const calls: Array<Promise<unknown>> = [];
    for (let i = 0; i < 50; i++) {
      calls.push(i % 3 === 0 ? store.addOutgoing(A, { id: id(i), text: `m${i}`, at: i }) : store.addIncoming(A, { id: id(i), text: `m${i}`, sentAt: i, at: i }));
    }
    await Promise.all(calls);
    expect(texts((await store.page(A, { limit: 100 })).messages)).toEqual(range(0, 50));
  });
});

describe('store: group commit', () => {
  it('writes started together share one synced batch; later ones gather while it is written', async () => {
    const { store } = await freshStore();
    const before = store.commitStats.batches;
    await fill(store, A, 300);
    expect(store.commitStats.batches - before).toBe(1);
    const second = store.commitStats.batches;
    const first = fill(store, A, 10, 1_000);
    await new Promise((resolve) => setImmediate(resolve)); // the first batch is being written now
    await Promise.all([first, fill(store, A, 50, 2_000), fill(store, B, 50, 3_000)]);
    expect(store.commitStats.batches - second).toBe(2);
  });
});

describe('store: dedupe', () => {
  it('a resent incoming id resolves null and is stored once, also after reopening', async () => {
    const { store, dataDir } = await freshStore();
    expect(await store.addIncoming(A, { id: id(1), text: 'hi', sentAt: 1, at: 2 })).toMatchObject({ id: id(1), text: 'hi', fromMe: false, kind: 'chat' });
    expect(await store.addIncoming(A, { id: id(1), text: 'hi', sentAt: 1, at: 3 })).toBeNull();
    const again = await reopen(store, dataDir);
    expect(await again.addIncoming(A, { id: id(1), text: 'hi', sentAt: 1, at: 4 })).toBeNull();
    expect((await again.page(A, { limit: 10 })).messages).toHaveLength(1);
  });

  it('two calls with the same id in flight store it once; the second resolves null only after the first is on disk', async () => {
    const { store } = await freshStore();
    const order: string[] = [];
    const first = store.addIncoming(A, { id: id(7), text: 'once', sentAt: 1, at: 1 }).then((m) => (order.push('first'), m));
    const second = store.addIncoming(A, { id: id(7), text: 'once', sentAt: 1, at: 1 }).then((m) => (order.push('second'), m));
    expect(await second).toBeNull();
    expect(await first).not.toBeNull();
    expect(order).toEqual(['first', 'second']);
    expect((await store.page(A, { limit: 10 })).messages).toHaveLength(1);
  });

  it('the same id from two peers is two messages; addOutgoing with a stored id is StoreError duplicate-id', async () => {
    const { store } = await freshStore();
    await store.addIncoming(A, { id: id(1), text: 'a', sentAt: 1, at: 1 });
    expect(await store.addIncoming(B, { id: id(1), text: 'b', sentAt: 1, at: 1 })).not.toBeNull();
    await expect(store.addOutgoing(A, { id: id(1), text: 'x', at: 2 })).rejects.toMatchObject({ code: 'duplicate-id' });
  });
});

describe('store: outbox and statuses', () => {
  it('our messages wait in the outbox oldest first, across peers; queuedCount counts them per peer', async () => {
    const { store } = await freshStore();
    const sent = await store.addOutgoing(A, { id: id(1), text: 'one', at: 10 });
    expect(sent).toMatchObject({ id: id(1), conversation: A, fromMe: true, status: 'queued', sentAt: 10, kind: 'chat' });
    await store.addOutgoing(B, { id: id(2), text: 'two', at: 11 });
    await store.addIncoming(A, { id: id(3), text: 'theirs', sentAt: 12, at: 12 });
    await store.addOutgoing(A, { id: id(4), text: 'four', at: 13 });
    expect(texts(await store.outbox())).toEqual(['one', 'two', 'four']);
    expect(texts(await store.outbox(A))).toEqual(['one', 'four']);
    expect([store.queuedCount(A), store.queuedCount(B), store.queuedCount(conversationId('nobody'))]).toEqual([2, 1, 0]);
  });

  it('delivered, read and failed leave the outbox; sent stays; a retry rejoins at its original place', async () => {
    const { store } = await freshStore();
    for (let i = 1; i <= 4; i++) await store.addOutgoing(A, { id: id(i), text: `m${i}`, at: i });
    await store.setStatus(A, id(1), 'sent');
    expect(await store.setStatus(A, id(2), 'failed', { failure: 'The peer is offline.' })).toMatchObject({ status: 'failed', failure: 'The peer is offline.' });
    await store.setStatus(A, id(3), 'delivered');
    expect(texts(await store.outbox(A))).toEqual(['m1', 'm4']);
    expect(store.queuedCount(A)).toBe(2);
    const retried = await store.setStatus(A, id(2), 'queued');
    expect(retried).toMatchObject({ status: 'queued' });
    expect(retried).not.toHaveProperty('failure');
    expect(texts(await store.outbox(A))).toEqual(['m1', 'm2', 'm4']);
    await store.setStatus(A, id(4), 'read');
    expect(texts(await store.outbox(A))).toEqual(['m1', 'm2']);
    expect((await store.outbox(A)).map((m) => m.status)).toEqual(['sent', 'queued']);
  });

  it('a message written to a plain-text peer leaves the outbox: nothing will ever acknowledge it', async () => {
    const { store } = await freshStore();
    const plain = 'plain:127.0.0.1:5555';
    await store.saveContact(contact(plain));
    await store.addOutgoing(conversationId(plain), { id: id(1), text: 'hello netcat', at: 1 });
    expect(store.queuedCount(conversationId(plain))).toBe(1);
    expect(await store.setStatus(conversationId(plain), id(1), 'sent')).toMatchObject({ status: 'sent' });
    expect(store.queuedCount(conversationId(plain))).toBe(0);
    expect(await store.outbox(conversationId(plain))).toEqual([]);
  });

  it('a status never goes back from delivered or read (acks and receipts race)', async () => {
    const { store } = await freshStore();
    await store.addOutgoing(A, { id: id(1), text: 'x', at: 1 });
    await store.setStatus(A, id(1), 'delivered');
    expect(await store.setStatus(A, id(1), 'sent')).toMatchObject({ status: 'delivered' });
    expect(await store.setStatus(A, id(1), 'failed')).toMatchObject({ status: 'delivered' });
    expect(await store.setStatus(A, id(1), 'read')).toMatchObject({ status: 'read' });
    expect(await store.setStatus(A, id(1), 'delivered')).toMatchObject({ status: 'read' });
    expect(await store.outbox(A)).toEqual([]);
  });

  it('setStatus of an unknown id, or of a message that is not ours, is null', async () => {
    const { store } = await freshStore();
    await store.addIncoming(A, { id: id(1), text: 'theirs', sentAt: 1, at: 1 });
    expect(await store.setStatus(A, id(1), 'read')).toBeNull();
    expect(await store.setStatus(A, id(2), 'read')).toBeNull();
    expect(await store.setStatus(conversationId('nobody'), id(1), 'read')).toBeNull();
    expect((await store.message(A, id(1)))?.status).toBeUndefined();
  });

  it('statuses and the outbox survive reopening', async () => {
    const { store, dataDir } = await freshStore();
    for (let i = 1; i <= 3; i++) await store.addOutgoing(A, { id: id(i), text: `m${i}`, at: i });
    await store.setStatus(A, id(2), 'delivered');
    await store.setStatus(A, id(3), 'failed', { failure: 'no route' });
    const again = await reopen(store, dataDir);
    expect(texts(await again.outbox())).toEqual(['m1']);
    expect(again.queuedCount(A)).toBe(1);
    expect(await again.message(A, id(3))).toMatchObject({ status: 'failed', failure: 'no route' });
    await again.setStatus(A, id(3), 'queued');
    expect(texts(await again.outbox())).toEqual(['m1', 'm3']);
  });
});

describe('store: read receipts', () => {
  it('markReadUpTo turns our sent and delivered messages up to the id into read, oldest first, and stops at one already read', async () => {
    const { store } = await freshStore();
    for (let i = 1; i <= 8; i++) await store.addOutgoing(A, { id: id(i), text: `m${i}`, at: i });
    await store.addIncoming(A, { id: id(100), text: 'theirs', sentAt: 9, at: 9 });
    await store.setStatus(A, id(1), 'delivered');
    await store.setStatus(A, id(2), 'read'); // the scan stops here
    await store.setStatus(A, id(3), 'delivered');
    await store.setStatus(A, id(4), 'sent');
    // 5 stays queued (never sent): skipped
    await store.setStatus(A, id(6), 'failed');
    await store.setStatus(A, id(7), 'delivered');
    await store.setStatus(A, id(8), 'delivered'); // after the receipt's id: untouched
    expect(await store.markReadUpTo(A, id(7))).toEqual([id(3), id(4), id(7)]);
    const statuses = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map(async (i) => (await store.message(A, id(i)))?.status));
    expect(statuses).toEqual(['delivered', 'read', 'read', 'read', 'queued', 'failed', 'read', 'delivered']);
    expect(texts(await store.outbox(A))).toEqual(['m5']);
    expect(await store.markReadUpTo(A, id(7))).toEqual([]);
    expect(await store.markReadUpTo(A, id(999))).toEqual([]);
  });
});

describe('store: contacts and conversation state', () => {
  it('a new contact gets its direct conversation: same id, the contact as its one member, activity from firstSeen', async () => {
    const { store } = await freshStore();
    await store.saveContact(contact(A, { firstSeen: 5 }));
    expect(store.conversation(A)).toEqual({ id: A, kind: 'direct', members: [A], unread: 0, lastActivity: 5 });
    expect(store.contact(contactId(A))).not.toHaveProperty('unread');
    // Saving the contact again keeps the conversation's state.
    await store.addIncoming(A, { id: id(1), text: 'hi', sentAt: 6, at: 7 });
    await store.saveContact(contact(A, { firstSeen: 5, localName: 'Alice' }));
    expect(store.conversation(A)).toMatchObject({ unread: 1, lastActivity: 7 });
  });

  it('updateConversation changes the conversation in one step; an unknown one is undefined', async () => {
    const { store, dataDir } = await freshStore();
    await store.saveContact(contact(A));
    const arriving = store.addIncoming(A, { id: id(1), text: 'hi', sentAt: 1, at: 2 });
    expect(await store.updateConversation(A, (c) => ({ ...c, readReceiptOwed: id(1) }))).toMatchObject({ readReceiptOwed: id(1), unread: 1 });
    await arriving;
    expect(await store.updateConversation(B, (c) => c)).toBeUndefined();
    const again = await reopen(store, dataDir);
    expect(again.conversation(A)).toMatchObject({ readReceiptOwed: id(1), unread: 1, lastMessage: { text: 'hi', at: 2, fromMe: false } });
    await again.updateConversation(A, ({ readReceiptOwed: _owed, ...c }) => c);
    expect(again.conversation(A)).not.toHaveProperty('readReceiptOwed');
  });

  it('incoming messages count as unread and become the last message; markRead resets and names the newest incoming', async () => {
    const { store } = await freshStore();
    await store.saveContact(contact(A, { firstSeen: 5 }));
    await store.addIncoming(A, { id: id(1), text: 'first', sentAt: 9, at: 10 });
    await store.addIncoming(A, { id: id(2), text: 'second', sentAt: 10, at: 11 });
    await store.addOutgoing(A, { id: id(3), text: 'mine', at: 12 });
    await store.addNotice(A, 'The key changed.', 13);
    expect(store.conversation(A)).toMatchObject({ unread: 2, lastMessage: { text: 'mine', at: 12, fromMe: true }, lastActivity: 12 });
    expect(await store.markRead(A)).toEqual({ newestIncoming: id(2) });
    expect(store.conversation(A)?.unread).toBe(0);
    expect(await store.markRead(B)).toEqual({});
  });

  it('contactByKey finds a secure contact by its current key; contacts() is ordered by activity and hands out frozen records', async () => {
    const { store } = await freshStore();
    await store.saveContact(contact(A, { key: sessionKey('c'.repeat(64)), firstSeen: 1 }));
    await store.saveContact(contact(B, { firstSeen: 2 }));
    await store.saveContact(contact('plain:10.0.0.2:8000', { firstSeen: 3 }));
    expect(store.contactByKey(sessionKey('c'.repeat(64)))?.id).toBe(A);
    expect(store.contactByKey(sessionKey(A))).toBeUndefined();
    expect(store.contactByKey(sessionKey(B))?.id).toBe(B);
    expect(store.contactByKey(sessionKey('plain:10.0.0.2:8000'))).toBeUndefined();
    expect(store.contacts().map((c) => c.id)).toEqual(['plain:10.0.0.2:8000', B, A]);
    // The order is the conversations' activity: a message moves its contact to the front.
    await store.addIncoming(A, { id: id(1), text: 'hi', sentAt: 4, at: 4 });
    expect(store.contacts().map((c) => c.id)).toEqual([A, 'plain:10.0.0.2:8000', B]);
    // Records are handed out frozen: an edit throws instead of changing what is stored behind the store's back.
    const record = store.contact(contactId(A))!;
    expect(() => record.addresses.push('changed')).toThrow(TypeError);
    expect(() => (record.verified = true)).toThrow(TypeError);
    expect(store.contact(contactId(A))).toMatchObject({ verified: false, addresses: ['127.0.0.1:8000'] });
    const conversation = store.conversation(A)!;
    expect(() => conversation.members.push(contactId(B))).toThrow(TypeError);
    expect(() => (conversation.unread = 99)).toThrow(TypeError);
    expect(store.conversation(A)).toMatchObject({ unread: 1, members: [A] });
  });

  it('updateContact changes a contact without losing the unread count of messages stored meanwhile', async () => {
    const { store } = await freshStore();
    await store.saveContact(contact(A));
    const arriving = store.addIncoming(A, { id: id(1), text: 'hi', sentAt: 1, at: 2 });
    const updated = await store.updateContact(contactId(A), (c) => ({ ...c, verified: true }));
    await arriving;
    expect(updated).toMatchObject({ verified: true });
    expect(store.contact(contactId(A))).toMatchObject({ verified: true });
    expect(store.conversation(A)).toMatchObject({ unread: 1 });
    expect(await store.updateContact(contactId('nobody'), (c) => c)).toBeUndefined();
  });

  it('remove takes a message out of its conversation, the outbox, the id index and search; the one before becomes the last message', async () => {
    const { store } = await freshStore();
    await store.saveContact(contact(A));
    await store.addIncoming(A, { id: id(1), text: 'earlier words', sentAt: 1, at: 1 });
    await store.addOutgoing(A, { id: id(2), text: 'cancel this', at: 2 });
    expect(await store.remove(A, id(2))).toMatchObject({ id: id(2), text: 'cancel this' });
    expect(texts((await store.page(A, { limit: 10 })).messages)).toEqual(['earlier words']);
    expect(await store.outbox()).toEqual([]);
    expect(store.queuedCount(A)).toBe(0);
    expect(await store.message(A, id(2))).toBeUndefined();
    expect((await store.search('cancel', 10)).hits).toEqual([]);
    expect(store.conversation(A)?.lastMessage).toEqual({ text: 'earlier words', at: 1, fromMe: false });
    expect(await store.remove(A, id(2))).toBeNull();
    // The id is free again.
    expect(await store.addOutgoing(A, { id: id(2), text: 'again', at: 3 })).toMatchObject({ status: 'queued' });
  });

  it('removeContact removes the contact, its messages, outbox, id index and search entries, and nothing of others', async () => {
    const { store, dataDir } = await freshStore();
    await store.saveContact(contact(A));
    await store.saveContact(contact(B));
    for (let i = 0; i < 30; i++) {
      await store.addIncoming(A, { id: id(i), text: `shared word ${i} alpha`, sentAt: i, at: i });
      await store.addOutgoing(B, { id: id(i), text: `shared word ${i} beta`, at: i });
    }
    await store.addOutgoing(A, { id: id(99), text: 'waiting alpha', at: 99 });
    await store.addNotice(A, 'a notice', 100);
    const before = await rawKeys(dataDir).catch(() => null); // the store holds the lock: null
    expect(before).toBeNull();
    const again = await reopen(store, dataDir);
    await again.removeContact(contactId(A));
    expect(again.contact(contactId(A))).toBeUndefined();
    expect(again.conversation(A)).toBeUndefined();
    expect(again.queuedCount(A)).toBe(0);
    expect(await again.page(A, { limit: 10 })).toEqual({ messages: [], hasMore: false, hasNewer: false });
    expect((await again.search('alpha', 100)).hits).toEqual([]);
    expect((await again.search('shared', 100)).hits.map((h) => h.conversation)).toEqual(Array(30).fill(B));
    expect(await again.outbox()).toHaveLength(30);
    await again.close();
    const keys = await rawKeys(dataDir);
    const conversationOfB = keys.find(([key]) => key === `P\x00${B}`)![1];
    for (const [key, value] of keys) {
      const ns = key[0];
      if (ns === 'm' || ns === 'i' || ns === 'o') expect(key.slice(2, 10), key).toBe(conversationOfB);
      else if (ns === 'w') expect(value, key).toBe(conversationOfB);
      else expect(['M', 'S', 'K', 'C', 'P'], key).toContain(ns);
      if (ns === 'K' || ns === 'C' || ns === 'P') expect(key.slice(2)).toBe(B);
    }
    // Adding A again starts an empty conversation.
    const third = (await openStore(dataDir)).store;
    expect(await third.addIncoming(A, { id: id(1), text: 'new start', sentAt: 1, at: 1 })).not.toBeNull();
    expect(texts((await third.page(A, { limit: 10 })).messages)).toEqual(['new start']);
  });
});

describe('store: removing a contact, cut short', () => {
  it('a removal cut short by close is finished at the next open; the conversation is gone at once', async () => {
    const { store, dataDir } = await freshStore();
    await store.saveContact(contact(A));
    await fill(store, A, 2_000); // several purge chunks
    await store.addIncoming(B, { id: id(1), text: 'stays', sentAt: 1, at: 1 });
    const removing = store.removeContact(contactId(A));
    await store.close();
    await removing;
    const afterCrash = await rawKeys(dataDir);
    expect(afterCrash.filter(([key]) => key.startsWith('D\x00'))).toHaveLength(1); // the removal record
    expect(afterCrash.filter(([key]) => key.startsWith('m\x00')).length).toBeGreaterThan(2_000);
    const { store: again } = await openStore(dataDir);
    expect(again.contact(contactId(A))).toBeUndefined();
    expect(again.conversation(A)).toBeUndefined();
    expect(await again.page(A, { limit: 10 })).toEqual({ messages: [], hasMore: false, hasNewer: false });
    expect((await again.search('m1', 10)).hits).toEqual([]);
    await again.idle();
    await again.close();
    const keys = await rawKeys(dataDir);
    expect(keys.filter(([key]) => key.startsWith('D\x00'))).toEqual([]);
    expect(keys.filter(([key]) => key.startsWith('m\x00'))).toHaveLength(1);
    expect(keys.filter(([key]) => key.startsWith('w\x00')).map(([key]) => key.split('\x00')[1])).toEqual(['stays']);
  });

  it('a message for a peer that is not a contact is stored without making one', async () => {
    const { store } = await freshStore();
    await store.addIncoming(A, { id: id(1), text: 'stranger', sentAt: 1, at: 1 });
    expect(store.contacts()).toEqual([]);
    expect((await store.page(A, { limit: 5 })).messages).toHaveLength(1);
  });
});

describe('store: search', () => {
  async function corpus(): Promise<Store> {
    const { store } = await freshStore();
    const lines: Array<[string, string]> = [
      [A, 'Hello wörld'],
      [B, 'HELLO there, how are you?'],
      [A, 'Crème brûlée recipe attached'],
      [B, 'help me move on Saturday'],
      [A, 'ΣΟΦΟΣ is a Greek word'],
      [B, 'the helmet is in the car'],
      [A, 'nothing to see'],
    ];
    for (const [i, [peer, text]] of lines.entries()) await store.addIncoming(conversationId(peer), { id: id(i), text, sentAt: i, at: 1000 + i });
    await store.addNotice(A, 'hello from Peerline: the key changed', 2000);
    return store;
  }
  const found = async (store: Store, query: string, limit = 50) => texts((await store.search(query, limit)).hits.map((h) => h.message));

  it('a query word matches the start of a word, newest first across conversations; notices are not searched', async () => {
    const store = await corpus();
    expect(await found(store, 'hel')).toEqual(['the helmet is in the car', 'help me move on Saturday', 'HELLO there, how are you?', 'Hello wörld']);
    expect(await found(store, 'hello')).toEqual(['HELLO there, how are you?', 'Hello wörld']);
    expect(await found(store, 'ello')).toEqual([]);
    const hit = (await store.search('helmet', 5)).hits[0];
    expect(hit).toMatchObject({ conversation: B, message: { id: id(5), conversation: B, text: 'the helmet is in the car', kind: 'chat' } });
  });

  it('every query word must match: several words narrow the result, in any order', async () => {
    const store = await corpus();
    expect(await found(store, 'hello there')).toEqual(['HELLO there, how are you?']);
    expect(await found(store, 'the hel')).toEqual(['the helmet is in the car', 'HELLO there, how are you?']);
    expect(await found(store, 'hello nothing')).toEqual([]);
  });

  it('case and diacritics do not matter, in the text or in the query; a final sigma matches a sigma', async () => {
    const store = await corpus();
    expect(await found(store, 'WORLD')).toEqual(['Hello wörld']);
    expect(await found(store, 'wörld')).toEqual(['Hello wörld']);
    expect(await found(store, 'creme brulee')).toEqual(['Crème brûlée recipe attached']);
    expect(await found(store, 'CRÈME')).toEqual(['Crème brûlée recipe attached']);
    expect(await found(store, 'σοφος')).toEqual(['ΣΟΦΟΣ is a Greek word']);
    expect(await found(store, 'σοφοσ')).toEqual(['ΣΟΦΟΣ is a Greek word']);
    expect(await found(store, '  ?! ')).toEqual([]);
  });

  it('limit cuts the result and more says there is more', async () => {
    const { store } = await freshStore();
    for (let i = 0; i < 7; i++) await store.addIncoming(conversationId(i % 2 ? A : B), { id: id(i), text: `ping ${i}`, sentAt: i, at: i });
    const three = await store.search('ping', 3);
    expect(texts(three.hits.map((h) => h.message))).toEqual(['ping 6', 'ping 5', 'ping 4']);
    expect(three.more).toBe(true);
    expect(await store.search('ping', 7)).toMatchObject({ more: false });
    expect((await store.search('ping', 7)).hits).toHaveLength(7);
  });

  it('a word longer than the indexed length is found by its start and by itself', async () => {
    const { store } = await freshStore();
    const long = 'pneumonoultramicroscopicsilicovolcanoconiosis';
    await store.addIncoming(A, { id: id(1), text: `a ${long} case`, sentAt: 1, at: 1 });
    expect((await store.search('pneumono', 5)).hits).toHaveLength(1);
    expect((await store.search(long, 5)).hits).toHaveLength(1);
  });

  it('a query word that starts too many words falls back to a bounded scan of the newest messages', async () => {
    const { store } = await freshStore();
    const count = MAX_PREFIX_WORDS + 50;
    await Promise.all(Array.from({ length: count }, (_, i) => store.addIncoming(conversationId(i % 2 ? A : B), { id: id(i), text: `q${i.toString(36)}x and more`, sentAt: i, at: i })));
    const newest = await store.search('q', 10);
    expect(newest.hits.map((h) => h.message.id)).toEqual(Array.from({ length: 10 }, (_, i) => id(count - 1 - i)));
    expect(newest.more).toBe(true);
    const all = await store.search('q', 500);
    expect(all.hits).toHaveLength(count);
    expect(all.more).toBe(false);
    expect((await store.search('q and', 500)).hits).toHaveLength(count);
  });

  it('work is capped: common words that never meet stop after MAX_CANDIDATES candidates and say more', async () => {
    const { store } = await freshStore();
    const each = MAX_CANDIDATES + 100;
    await Promise.all(Array.from({ length: 2 * each }, (_, i) => store.addIncoming(A, { id: id(i), text: i % 2 ? 'alpha only' : 'beta only', sentAt: i, at: i })));
    const result = await store.search('alpha beta', 10);
    expect(result).toEqual({ hits: [], more: true });
    expect((await store.search('alpha only', 10)).hits).toHaveLength(10);
  }, 60_000);
});

describe('store: reopen', () => {
  it('reopening keeps contacts, messages, statuses, unread counts, settings and search, and new messages come after the old', async () => {
    const { store, dataDir } = await freshStore();
    await store.updateSettings({ displayName: 'Ann', readReceipts: true });
    await store.saveContact(contact(A, { localName: 'Alice' }));
    await store.addIncoming(A, { id: id(1), text: 'kept incoming', sentAt: 1, at: 1 });
    await store.addOutgoing(A, { id: id(2), text: 'kept outgoing', at: 2 });
    await store.setStatus(A, id(2), 'delivered');
    const again = await reopen(store, dataDir);
    expect(again.settings()).toEqual({ displayName: 'Ann', readReceipts: true });
    expect(again.contact(contactId(A))).toMatchObject({ localName: 'Alice' });
    expect(again.conversation(A)).toMatchObject({ unread: 1, lastMessage: { text: 'kept outgoing', fromMe: true } });
    expect((await again.page(A, { limit: 10 })).messages.map((m) => [m.text, m.status])).toEqual([
      ['kept incoming', undefined],
      ['kept outgoing', 'delivered'],
    ]);
    expect((await again.search('kept', 10)).hits).toHaveLength(2);
    await again.addIncoming(A, { id: id(3), text: 'kept later', sentAt: 3, at: 3 });
    await again.addIncoming(B, { id: id(3), text: 'kept elsewhere', sentAt: 4, at: 4 });
    expect(texts((await again.page(A, { limit: 10 })).messages)).toEqual(['kept incoming', 'kept outgoing', 'kept later']);
    expect(texts((await again.search('kept', 10)).hits.map((h) => h.message))).toEqual(['kept elsewhere', 'kept later', 'kept outgoing', 'kept incoming']);
  });

  it('close flushes writes that did not wait, is idempotent, and later calls are StoreError closed', async () => {
    const { store, dataDir } = await freshStore();
    await store.addOutgoing(A, { id: id(1), text: 'x', at: 1 });
    void store.setStatus(A, id(1), 'sent'); // resolves before it is synced
    await Promise.all([store.close(), store.close()]);
    await expect(store.addIncoming(A, { id: id(2), text: 'y', sentAt: 1, at: 1 })).rejects.toMatchObject({ code: 'closed' });
    const again = (await openStore(dataDir)).store;
    expect((await again.message(A, id(1)))?.status).toBe('sent');
  });
});

describe('store: settings', () => {
  it('a new store imports a valid settings.json and renames it settings.json.imported', async () => {
    const dataDir = await tempDataDir();
    await writeFile(path.join(dataDir, 'settings.json'), JSON.stringify({ displayName: 'Bea', port: 9000, allowPlain: false }));
    const { store, notices } = await openStore(dataDir);
    expect(notices).toEqual([]);
    expect(store.settings()).toEqual({ displayName: 'Bea', port: 9000, allowPlain: false });
    expect(JSON.parse(await readFile(path.join(dataDir, 'settings.json.imported'), 'utf8'))).toMatchObject({ displayName: 'Bea' });
    await expect(access(path.join(dataDir, 'settings.json'))).rejects.toThrow();
    expect(await store.updateSettings({ port: 9001, displayName: undefined })).toEqual({ displayName: 'Bea', port: 9001, allowPlain: false });
    const again = await reopen(store, dataDir);
    expect(again.settings()).toEqual({ displayName: 'Bea', port: 9001, allowPlain: false });
  });

  it('a damaged settings.json is set aside with a notice and the defaults are used', async () => {
    const dataDir = await tempDataDir();
    await writeFile(path.join(dataDir, 'settings.json'), '{"displayName": ');
    const { store, notices } = await openStore(dataDir, { now: () => 1234 });
    expect(store.settings()).toEqual({});
    expect(notices).toEqual([expect.stringContaining('settings.json.damaged-1234')]);
    expect(await readdir(dataDir)).toContain('settings.json.damaged-1234');
  });

  it('an existing store does not import settings.json again', async () => {
    const { store, dataDir } = await freshStore();
    await store.updateSettings({ displayName: 'Kept' });
    await store.close();
    await writeFile(path.join(dataDir, 'settings.json'), JSON.stringify({ displayName: 'Other' }));
    const { store: again } = await openStore(dataDir);
    expect(again.settings()).toEqual({ displayName: 'Kept' });
    expect(await readdir(dataDir)).toContain('settings.json');
  });
});

describe('store: layout versions', () => {
  it('a store written by a newer layout is refused with StoreError too-new and a sentence, and left untouched', async () => {
    const { store, dataDir } = await freshStore();
    await store.addIncoming(A, { id: id(1), text: 'from the future', sentAt: 1, at: 1 });
    await store.close();
    const db: Db = new ClassicLevel<string, string>(path.join(dataDir, 'store'));
    await db.put(LAYOUT_KEY, '99');
    const before = await db.iterator().all();
    await db.close();
    const error = await Store.open(dataDir).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ code: 'too-new', message: expect.stringMatching(/newer version of Peerline.*layout 99.*untouched/) });
    expect(await rawKeys(dataDir)).toEqual(before);
    expect((await readdir(dataDir)).filter((name) => name.includes('damaged'))).toEqual([]);
  });

  it('migrations run one step per layout version from the table and record each version', async () => {
    const dataDir = await tempDataDir();
    const db: Db = new ClassicLevel<string, string>(path.join(dataDir, 'raw'));
    await db.put(LAYOUT_KEY, '1');
    const steps: number[] = [];
    const table = {
      1: async (d: Db) => void steps.push(Number(await d.get(LAYOUT_KEY))),
      2: async (d: Db) => void steps.push(Number(await d.get(LAYOUT_KEY))),
    };
    await migrate(db, 1, 3, table);
    expect(steps).toEqual([1, 2]);
    expect(await db.get(LAYOUT_KEY)).toBe('3');
    await expect(migrate(db, 3, 4, table)).rejects.toThrow(/no migration from store layout 3/);
    await db.close();
  });
});
