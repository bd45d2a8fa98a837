/**
 * GroupCommit on its own, over a stand-in for LevelDB's chained batch: what is coalesced into one synced write,
 * what pending writes read as, when `whenWritten` and `flush` resolve, and what a failed write does.
 */
import { describe, expect, it } from 'vitest';
import { StoreError } from '../../electron/core/store/errors';
import { GroupCommit, MAX_BATCH_OPS } from '../../electron/core/store/group-commit';
import type { Db } from '../../electron/core/store/layout';

type Op = [key: string, value: string | null];

interface FakeDb {
  db: Db;
  /** The operations of each write, in the order written. */
  writes: Op[][];
  /** Writes started and not finished. */
  inFlight: number;
  maxInFlight: number;
  /** Makes write number `n` (from 0) fail. */
  failing: Set<number>;
  /** Holds every write until `release()`. */
  hold(): void;
  release(): void;
}

function fakeDb(): FakeDb {
  let started = 0;
  let gate: Promise<void> | null = null;
  let open: () => void = () => {};
  const fake: FakeDb = {
    db: undefined as unknown as Db,
    writes: [],
    inFlight: 0,
    maxInFlight: 0,
    failing: new Set(),
    hold() {
      gate = new Promise((resolve) => (open = resolve));
    },
    release() {
      gate = null;
      open();
    },
  };
  fake.db = {
    batch() {
      const ops: Op[] = [];
      return {
        put: (key: string, value: string) => void ops.push([key, value]),
        del: (key: string) => void ops.push([key, null]),
        write: async (options: { sync: boolean }) => {
          expect(options).toEqual({ sync: true });
          const n = started++;
          fake.inFlight++;
          fake.maxInFlight = Math.max(fake.maxInFlight, fake.inFlight);
          try {
            await new Promise((resolve) => setImmediate(resolve));
            if (gate) await gate;
            if (fake.failing.has(n)) throw Object.assign(new Error('disk full'), { code: 'LEVEL_IO_ERROR' });
            fake.writes.push(ops);
          } finally {
            fake.inFlight--;
          }
        },
        close: async () => {},
      };
    },
  } as unknown as Db;
  return fake;
}

describe('group commit: coalescing', () => {
  it('everything begun in one turn shares one batch and one synced write', async () => {
    const fake = fakeDb();
    const commit = new GroupCommit(fake.db);
    const first = commit.begin();
    first.put('a', '1');
    const second = commit.begin();
    second.put('b', '2');
    second.del('c');
    expect(second).toBe(first);
    await Promise.all([first.committed, second.committed]);
    expect(fake.writes).toEqual([
      [
        ['a', '1'],
        ['b', '2'],
        ['c', null],
      ],
    ]);
    expect(commit.stats).toEqual({ batches: 1, ops: 3 });
  });

  it('writes begun while a batch is being written gather into the next one; one write at a time, in order', async () => {
    const fake = fakeDb();
    const commit = new GroupCommit(fake.db);
    fake.hold();
    commit.begin().put('a', '1');
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve)); // the first batch is being written now
    const later = [commit.begin(), commit.begin()];
    later[0].put('b', '2');
    await new Promise((resolve) => setImmediate(resolve));
    later[1].put('c', '3');
    expect(later[1]).toBe(later[0]);
    fake.release();
    await later[0].committed;
    expect(fake.writes.map((ops) => ops.map(([key]) => key))).toEqual([['a'], ['b', 'c']]);
    expect(fake.maxInFlight).toBe(1);
  });

  it('a batch stops taking new callers at MAX_BATCH_OPS operations', async () => {
    const fake = fakeDb();
    const commit = new GroupCommit(fake.db);
    const big = commit.begin();
    for (let i = 0; i < MAX_BATCH_OPS; i++) big.put(`k${i}`, '');
    const next = commit.begin();
    expect(next).not.toBe(big);
    next.put('last', '');
    await next.committed;
    expect(fake.writes.map((ops) => ops.length)).toEqual([MAX_BATCH_OPS, 1]);
  });

  it('setLatest keeps the last value given for a key: an object as JSON, null as a delete; beforeWrite may add', async () => {
    const fake = fakeDb();
    const commit = new GroupCommit(fake.db, { beforeWrite: (batch) => batch.setLatest('counters', '{"seq":2}') });
    const batch = commit.begin();
    batch.setLatest('contact', { name: 'first' });
    batch.setLatest('contact', { name: 'second' });
    batch.setLatest('gone', 'x');
    batch.setLatest('gone', null);
    await batch.committed;
    expect(fake.writes).toEqual([
      [
        ['contact', '{"name":"second"}'],
        ['gone', null],
        ['counters', '{"seq":2}'],
      ],
    ]);
  });

  it('an empty batch resolves without a write', async () => {
    const fake = fakeDb();
    const commit = new GroupCommit(fake.db);
    await commit.begin().committed;
    expect(fake.writes).toEqual([]);
    expect(commit.stats.ops).toBe(0); // (it still counts as a batch in stats)
  });
});

describe('group commit: pending reads and whenWritten', () => {
  it('a shadowed put or delete reads as pending until its batch is on disk; a later batch keeps its own', async () => {
    const fake = fakeDb();
    const commit = new GroupCommit(fake.db);
    expect(commit.read('k')).toBeUndefined();
    fake.hold();
    const first = commit.begin();
    first.putShadowed('k', 'one');
    first.delShadowed('gone');
    first.put('plain', 'not shadowed');
    expect(commit.read('k')).toBe('one');
    expect(commit.read('gone')).toBeNull();
    expect(commit.read('plain')).toBeUndefined();
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    const second = commit.begin();
    second.putShadowed('k', 'two');
    fake.release();
    await first.committed;
    expect(commit.read('k')).toBe('two'); // the first batch's completion does not clear the second's value
    expect(commit.read('gone')).toBeUndefined();
    await second.committed;
    expect(commit.read('k')).toBeUndefined();
  });

  it('whenWritten resolves once the batch holding the key is written, and at once for a key with nothing pending', async () => {
    const fake = fakeDb();
    const commit = new GroupCommit(fake.db);
    await commit.whenWritten('nothing');
    fake.hold();
    const batch = commit.begin();
    batch.putShadowed('k', 'v');
    let written = false;
    const waiting = commit.whenWritten('k').then(() => (written = true));
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(written).toBe(false);
    fake.release();
    await waiting;
    expect(fake.writes).toHaveLength(1);
  });

  it('flush resolves when everything gathered so far is written', async () => {
    const fake = fakeDb();
    const commit = new GroupCommit(fake.db);
    await commit.flush();
    commit.begin().put('a', '1');
    await commit.flush();
    expect(fake.writes).toHaveLength(1);
  });
});

describe('group commit: a failed write', () => {
  it('rejects its callers with a StoreError, tells onFailure, drops its pending values, and the next batch still goes', async () => {
    const fake = fakeDb();
    const failures: unknown[] = [];
    const commit = new GroupCommit(fake.db, { onFailure: (err) => failures.push(err) });
    fake.failing.add(0);
    const failed = commit.begin();
    failed.putShadowed('k', 'lost');
    const waiting = commit.whenWritten('k');
    const error = await failed.committed.catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ code: 'io', message: expect.stringMatching(/while saving: disk full/) });
    await expect(waiting).rejects.toBe(error);
    expect(failures).toHaveLength(1);
    expect(commit.read('k')).toBeUndefined();
    expect(commit.stats).toEqual({ batches: 0, ops: 0 });
    await commit.flush(); // flush waits for failed writes too, without throwing

    const next = commit.begin();
    next.put('k', 'kept');
    await next.committed;
    expect(fake.writes).toEqual([[['k', 'kept']]]);
  });

  it('a caller that does not wait for a failed write leaves no unhandled rejection', async () => {
    const fake = fakeDb();
    const commit = new GroupCommit(fake.db);
    fake.failing.add(0);
    commit.begin().put('a', '1'); // not awaited, like setStatus(…, 'sent')
    await commit.flush();
    expect(fake.writes).toEqual([]);
  });
});
