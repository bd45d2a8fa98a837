/**
 * A store written by layout 1 (tests/fixtures/store-v1/, made by make-store-v1.ts with the 0.1.0 code) opens with
 * the current code: the migration runs, and every record is still there, field by field. Also when the migration
 * was cut short by a crash (the layout key still says 1, some or all contacts already rewritten).
 */
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClassicLevel } from 'classic-level';
import { afterEach, describe, expect, it } from 'vitest';
import { contactKey, LAYOUT_KEY, LAYOUT_VERSION, type Db } from '../../electron/core/store/layout';
import { MIGRATIONS, splitContactV1 } from '../../electron/core/store/migrations';
import type { Store } from '../../electron/core/store/store';
import { contactId, conversationId, sessionKey } from '../../shared/ids';
import { cleanUpStores, openStore, reopen, tempDataDir } from '../fixtures/store-helpers';
import { V1 } from '../fixtures/store-v1-expected';

afterEach(cleanUpStores);

const FIXTURE = fileURLToPath(new URL('../fixtures/store-v1', import.meta.url));

/** A copy of the layout-1 fixture in a fresh data directory. */
async function v1DataDir(): Promise<string> {
  const dataDir = await tempDataDir();
  await cp(FIXTURE, path.join(dataDir, 'store'), { recursive: true });
  return dataDir;
}

async function withDb<T>(dataDir: string, use: (db: Db) => Promise<T>): Promise<T> {
  const db: Db = new ClassicLevel<string, string>(path.join(dataDir, 'store'));
  await db.open();
  try {
    return await use(db);
  } finally {
    await db.close();
  }
}

/** Everything the fixture holds, checked field by field through the current API. */
async function expectAllOfV1(store: Store): Promise<void> {
  expect(store.settings()).toEqual(V1.settings);
  expect(store.contacts().map((c) => c.id)).toEqual(V1.order);
  for (const { contact: { peer, ...identity }, unread, lastMessage, lastActivity, readReceiptOwed } of V1.contacts) {
    expect(store.contact(contactId(peer)), peer).toEqual({ id: peer, ...identity });
    expect(store.conversation(conversationId(peer)), peer).toEqual({
      id: peer,
      kind: 'direct',
      members: [peer],
      unread,
      ...(lastMessage && { lastMessage }),
      lastActivity,
      ...(readReceiptOwed && { readReceiptOwed }),
    });
  }
  // Bob's key changed: his current key finds him, his first key (his id) no longer does.
  expect(store.contactByKey(sessionKey(V1.ids.C))?.id).toBe(V1.ids.B);
  expect(store.contactByKey(sessionKey(V1.ids.B))).toBeUndefined();
  expect(store.contactByKey(sessionKey(V1.ids.A))?.id).toBe(V1.ids.A);

  for (const { contact } of V1.contacts) {
    const id = conversationId(contact.peer);
    const stored = (await store.page(id, { limit: 50 })).messages;
    const expected = V1.messages.filter((m) => m.peer === contact.peer);
    expect(stored.map((m) => m.text), contact.peer).toEqual(expected.map((m) => m.text));
    stored.forEach((message, i) => {
      const { peer, id: messageId, ...fields } = expected[i];
      expect(message).toEqual({ ...fields, conversation: peer, id: messageId === '' ? message.id : messageId });
      if (messageId === '') expect(message.id).toMatch(/^[0-9a-f]{32}$/);
    });
    expect(store.queuedCount(id)).toBe(V1.outbox.filter((mid) => expected.some((m) => m.id === mid)).length);
  }
  expect((await store.outbox()).map((m) => m.id)).toEqual(V1.outbox);
  const photos = await store.search('photos', 10);
  expect(photos.hits.map((h) => [h.conversation, h.message.text])).toEqual([
    [V1.ids.A, 'Lovely photos'],
    [V1.ids.A, 'Did you see the photos?'],
  ]);
  expect((await store.search('safety', 10)).hits).toEqual([]); // notices are not searched, as before
}

describe('store: layout 1 → 2', () => {
  it('a layout-1 store opens with everything in it: contacts, conversations, messages, statuses, outbox, search, settings', async () => {
    const dataDir = await v1DataDir();
    const { store, notices } = await openStore(dataDir);
    expect(notices).toEqual([]);
    await expectAllOfV1(store);
    // New messages go after the old ones, in the same conversations, and the state follows them.
    const A = conversationId(V1.ids.A);
    await store.addIncoming(A, { id: 'f'.repeat(32), text: 'after the upgrade', sentAt: 9_000, at: 9_000 });
    expect((await store.page(A, { limit: 1 })).messages.map((m) => m.text)).toEqual(['after the upgrade']);
    expect(store.conversation(A)).toMatchObject({ unread: 3, lastActivity: 9_000 });
    expect(store.contacts()[0].id).toBe(V1.ids.A);
    const again = await reopen(store, dataDir);
    expect(again.conversation(A)).toMatchObject({ unread: 3, lastMessage: { text: 'after the upgrade', at: 9_000, fromMe: false } });
    await again.close();
    expect(await withDb(dataDir, async (db) => db.get(LAYOUT_KEY))).toBe(String(LAYOUT_VERSION));
  });

  it('a migration cut short after some contacts were rewritten finishes at the next open', async () => {
    const dataDir = await v1DataDir();
    await withDb(dataDir, async (db) => {
      // What a crash leaves: the first contact (Alice) rewritten with her conversation, the others not yet.
      const raw = (await db.get(contactKey(V1.ids.A)))!;
      const { contact, conversation } = splitContactV1(JSON.parse(raw));
      await db.batch([
        { type: 'put', key: `C\x00${V1.ids.A}`, value: JSON.stringify(conversation) },
        { type: 'put', key: contactKey(V1.ids.A), value: JSON.stringify(contact) },
      ]);
    });
    const { store } = await openStore(dataDir);
    await expectAllOfV1(store);
  });

  it('a migration that finished but was not recorded runs again without changing anything', async () => {
    const dataDir = await v1DataDir();
    const once = await withDb(dataDir, async (db) => {
      await MIGRATIONS[1](db);
      const records = await db.iterator().all();
      await MIGRATIONS[1](db); // the crash came before the layout key was written: it runs again
      expect(await db.iterator().all()).toEqual(records);
      expect(await db.get(LAYOUT_KEY)).toBe('1');
      return records;
    });
    expect(once.some(([key]) => key === `C\x00${V1.ids.D}`)).toBe(true);
    const { store } = await openStore(dataDir);
    await expectAllOfV1(store);
  });
});
