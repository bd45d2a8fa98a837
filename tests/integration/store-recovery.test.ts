import { readdir, readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPAIR_MARKER } from '../../electron/core/store/recover';
import { Store, StoreError } from '../../electron/core/store/store';
import { cleanUpStores, contact, id, openStore, tempDataDir } from '../fixtures/store-helpers';
import { conversationId } from '../../shared/ids';

afterEach(cleanUpStores);

const PEER = 'd'.repeat(64);
const NOW = 1_700_000_000_000;

/** A closed store with a contact and `count` messages, all in LevelDB table files (a reopen turns the log into one). */
async function populated(count = 200): Promise<string> {
  const dataDir = await tempDataDir();
  const { store } = await Store.open(dataDir);
  await store.updateSettings({ displayName: 'Dora' });
  await store.saveContact(contact(PEER));
  await Promise.all(Array.from({ length: count }, (_, i) => store.addIncoming(conversationId(PEER), { id: id(i), text: `history ${i}`, sentAt: i, at: i })));
  await store.close();
  const { store: again } = await Store.open(dataDir);
  await again.close();
  return dataDir;
}

async function overwrite(file: string, keepHead = 0): Promise<void> {
  const bytes = await readFile(file);
  const garbage = Buffer.alloc(bytes.length, 0x5a);
  bytes.copy(garbage, 0, 0, Math.min(keepHead, bytes.length));
  await writeFile(file, garbage);
}

/** After recovery: the store takes new messages and keeps them across a reopen. */
async function expectWorking(store: Store, dataDir: string): Promise<void> {
  await store.saveContact(contact('e'.repeat(64)));
  expect(await store.addIncoming(conversationId('e'.repeat(64)), { id: id(1), text: 'after recovery', sentAt: 1, at: 1 })).not.toBeNull();
  await store.close();
  const { store: again, notices } = await openStore(dataDir);
  expect(notices).toEqual([]);
  expect((await again.search('after recovery', 5)).hits).toHaveLength(1);
}

describe('store: damaged store recovery', () => {
  it('a garbage CURRENT file: the damaged store is kept aside, the copy repaired with its history, and a notice says so', async () => {
    const dataDir = await populated();
    await writeFile(path.join(dataDir, 'store', 'CURRENT'), 'garbage\x00\x01');
    const { store, notices } = await openStore(dataDir, { now: () => NOW });
    const aside = path.join(dataDir, `store.damaged-${NOW}`);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain('damaged');
    expect(notices[0]).toContain(aside);
    expect(notices[0]).toMatch(/repaired it, so some messages or contacts may be missing/);
    expect(await readFile(path.join(aside, 'CURRENT'), 'utf8')).toBe('garbage\x00\x01'); // the copy is untouched
    expect(store.settings()).toEqual({ displayName: 'Dora' });
    expect((await store.page(conversationId(PEER), { limit: 500 })).messages).toHaveLength(200);
    await expectWorking(store, dataDir);
  });

  it('garbage table and manifest files: recovery gives a working store and a notice, whatever survived', async () => {
    const dataDir = await populated(2_000);
    const dir = path.join(dataDir, 'store');
    for (const name of await readdir(dir)) {
      if (name.endsWith('.ldb') || name.startsWith('MANIFEST-')) await overwrite(path.join(dir, name), 64);
    }
    const { store, notices } = await openStore(dataDir, { now: () => NOW });
    expect(notices).toEqual([expect.stringContaining(`store.damaged-${NOW}`)]);
    expect(await readdir(dataDir)).toContain(`store.damaged-${NOW}`);
    await expectWorking(store, dataDir);
  });

  it('every file garbage: a new, empty store starts, with a notice that earlier history is missing', async () => {
    const dataDir = await populated();
    const dir = path.join(dataDir, 'store');
    for (const name of await readdir(dir)) if (name !== 'LOCK') await overwrite(path.join(dir, name));
    const { store, notices } = await openStore(dataDir, { now: () => NOW });
    expect(notices).toEqual([expect.stringMatching(/new, empty one, so earlier messages and contacts are missing/)]);
    expect(notices[0]).toContain(path.join(dataDir, `store.damaged-${NOW}`));
    expect(store.contacts()).toEqual([]);
    await expectWorking(store, dataDir);
  });

  it('a file where the store directory should be: it is set aside and a new store starts', async () => {
    const dataDir = await tempDataDir();
    await writeFile(path.join(dataDir, 'store'), 'not a directory');
    const { store, notices } = await openStore(dataDir, { now: () => NOW });
    expect(notices).toEqual([expect.stringMatching(/new, empty one.*store\.damaged-/)]);
    expect(await readFile(path.join(dataDir, `store.damaged-${NOW}`), 'utf8')).toBe('not a directory');
    await expectWorking(store, dataDir);
  });

  it('a LevelDB directory without a Peerline layout is not taken for a store', async () => {
    const dataDir = await tempDataDir();
    const { ClassicLevel } = await import('classic-level');
    const other = new ClassicLevel<string, string>(path.join(dataDir, 'store'));
    await other.put('someone else', 'data');
    await other.close();
    const { store, notices } = await openStore(dataDir, { now: () => NOW });
    expect(notices).toEqual([expect.stringMatching(/new, empty one/)]);
    expect(await readdir(dataDir)).toContain(`store.damaged-${NOW}`);
    await expectWorking(store, dataDir);
  });

  it('the repair marker left after corruption at run time makes the next start repair the store, keeping a copy', async () => {
    const dataDir = await populated();
    await writeFile(path.join(dataDir, REPAIR_MARKER), 'corruption seen\n');
    const { store, notices } = await openStore(dataDir, { now: () => NOW });
    expect(notices).toEqual([expect.stringContaining(`store.damaged-${NOW}`)]);
    expect(await readdir(dataDir)).not.toContain(REPAIR_MARKER);
    expect((await store.page(conversationId(PEER), { limit: 500 })).messages).toHaveLength(200);
  });

  it('a store already open elsewhere is StoreError locked, not damage: nothing is set aside', async () => {
    const dataDir = await populated();
    const { store } = await openStore(dataDir);
    const error = await Store.open(dataDir).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ code: 'locked' });
    expect((await readdir(dataDir)).filter((name) => name.includes('damaged'))).toEqual([]);
    expect((await store.page(conversationId(PEER), { limit: 10 })).messages).toHaveLength(10);
  });

  it('a data directory that does not exist yet is created', async () => {
    const dataDir = path.join(await tempDataDir(), 'nested', 'deeper');
    await mkdir(path.dirname(dataDir), { recursive: true });
    const { store, notices } = await openStore(dataDir);
    expect(notices).toEqual([]);
    await expectWorking(store, dataDir);
  });
});
