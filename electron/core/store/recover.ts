/**
 * Opening the LevelDB directory, and what happens when it is damaged: the damaged directory is set aside
 * untouched (`store.damaged-<time>` next to it), a copy goes through `ClassicLevel.repair` and is opened; if
 * that fails too, a new, empty store starts. Either way the person gets one sentence saying what happened, where
 * the copy is, and that some history may be missing. The app starts and goes on.
 *
 * "Damaged" means: LevelDB reports corruption (at open, or while the store's records are loaded), the directory
 * cannot be opened as a LevelDB store (a file in its place, a garbage CURRENT or MANIFEST), the loader finds no
 * readable Peerline store in it, or an earlier run met corruption and left the repair marker. A store locked by
 * another process, or written by a newer Peerline, is not damaged: those errors go to the caller.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ClassicLevel } from 'classic-level';
import { isCorruption, isLocked, levelCodes, StoreError } from './errors';
import type { Db } from './layout';

/** The LevelDB directory inside the data directory. */
export const STORE_DIR = 'store';
/** Left in the data directory when corruption shows while running, so the next start repairs the store. */
export const REPAIR_MARKER = 'store.needs-repair';

/**
 * LevelDB's write buffer (memtable): larger than the 4 MiB default so bursts of messages (a reconnect delivering
 * a backlog) cause fewer small table files and compactions. LevelDB may hold two at a time.
 */
const WRITE_BUFFER_BYTES = 8 * 1024 * 1024;
/** LevelDB's block cache: recent pages and search results stay in memory; twice the 8 MiB default. */
const CACHE_BYTES = 16 * 1024 * 1024;

/** Thrown by a loader when the directory opened as LevelDB but holds no readable Peerline store. */
export class NotAStore extends Error {
  override name = 'NotAStore';
}

export interface OpenResult<T> {
  db: Db;
  value: T;
  notices: string[];
}

/** Reads the store's records after opening; `repaired` is true for a store that just went through repair. */
export type Loader<T> = (db: Db, repaired: boolean) => Promise<T>;

function isDamage(err: unknown): boolean {
  if (err instanceof StoreError) return false;
  if (err instanceof NotAStore || isCorruption(err)) return true;
  // Any other failure to open (a bad CURRENT or MANIFEST, a file where the directory should be), but not a lock.
  return levelCodes(err).includes('LEVEL_DATABASE_NOT_OPEN') && !isLocked(err);
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

/** Opens LevelDB at `dir` and runs `load`; closes it again if `load` fails. */
async function openAndLoad<T>(dir: string, load: Loader<T>, repaired: boolean): Promise<{ db: Db; value: T; wasEmpty: boolean }> {
  const db: Db = new ClassicLevel<string, string>(dir, { valueEncoding: 'utf8', writeBufferSize: WRITE_BUFFER_BYTES, cacheSize: CACHE_BYTES });
  try {
    await db.open();
  } catch (err) {
    if (isLocked(err)) {
      throw new StoreError('locked', `The message store at ${dir} is in use by another program (is Peerline already running with this data directory?).`, { cause: err });
    }
    throw err;
  }
  try {
    const wasEmpty = (await db.keys({ limit: 1 }).all()).length === 0;
    return { db, value: await load(db, repaired), wasEmpty };
  } catch (err) {
    await db.close().catch(() => {});
    throw err;
  }
}

/** Renames the damaged `dir` to a free `store.damaged-<time>[-n]` next to it; null when there was nothing there. */
async function setAside(dir: string, now: () => number): Promise<string | null> {
  if (!(await exists(dir))) return null;
  const base = `${dir}.damaged-${now()}`;
  let aside = base;
  for (let n = 2; await exists(aside); n++) aside = `${base}-${n}`;
  await fs.rename(dir, aside);
  return aside;
}

/** Opens the store in `<dataDir>/store`, recovering from damage as the file comment says. */
export async function openStoreDir<T>(dataDir: string, now: () => number, load: Loader<T>): Promise<OpenResult<T>> {
  const dir = path.join(dataDir, STORE_DIR);
  const marker = path.join(dataDir, REPAIR_MARKER);
  if (!(await exists(marker))) {
    try {
      const { db, value } = await openAndLoad(dir, load, false);
      return { db, value, notices: [] };
    } catch (err) {
      if (!isDamage(err)) throw err;
    }
  }

  const aside = await setAside(dir, now);
  await fs.rm(marker, { force: true });
  const where = aside === null ? '' : `; the damaged store is kept at ${aside}`;
  const startedAfresh = `Peerline found its message store damaged beyond repair and started a new, empty one, so earlier messages and contacts are missing${where}.`;
  if (aside !== null) {
    try {
      await fs.cp(aside, dir, { recursive: true });
      await ClassicLevel.repair(dir);
      const { db, value, wasEmpty } = await openAndLoad(dir, load, true);
      const notice = wasEmpty
        ? startedAfresh
        : `Peerline found its message store damaged and repaired it, so some messages or contacts may be missing${where}.`;
      return { db, value, notices: [notice] };
    } catch (err) {
      if (err instanceof StoreError) throw err;
      // Repair did not help (or the copy could not be made): start afresh below.
    }
  }
  await fs.rm(dir, { recursive: true, force: true });
  const { db, value } = await openAndLoad(dir, load, false);
  return { db, value, notices: [startedAfresh] };
}

/** Leaves the repair marker (see REPAIR_MARKER); never throws. */
export async function markForRepair(dataDir: string, reason: string): Promise<void> {
  await fs.writeFile(path.join(dataDir, REPAIR_MARKER), reason + '\n').catch(() => {});
}
