/**
 * The file layer of transfers: part files written positionally, completion (sync → link under a free name →
 * remove the part → sync the folder), free space, and reading what we send. Tests replace pieces of it (a write
 * that fails with ENOSPC, a disk that is full) through `Disk`.
 */
import { constants, promises as fs, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { numberedName } from '../../../../shared/files/names';
import { PART_FILE_SUFFIX } from '../../../../shared/files/limits';

/** How many numbered names (`a (1).txt` …) are tried before a file is failed. */
const MAX_NUMBERED_NAMES = 10_000;

export interface Disk {
  /** Opens (creating) the part file for writing, never through a symbolic link. */
  openPart(partPath: string): Promise<FileHandle>;
  write(handle: FileHandle, data: Uint8Array, position: number): Promise<void>;
  sync(handle: FileHandle): Promise<void>;
  /** Free bytes for an unprivileged user on the file system of `dir`. */
  freeBytes(dir: string): Promise<number>;
}

export const nodeDisk: Disk = {
  async openPart(partPath) {
    await fs.mkdir(path.dirname(partPath), { recursive: true, mode: 0o700 });
    // O_NOFOLLOW: a symbolic link planted where the part file goes fails the open (ELOOP) instead of being followed.
    return fs.open(partPath, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  },
  async write(handle, data, position) {
    let written = 0;
    while (written < data.byteLength) {
      const { bytesWritten } = await handle.write(data, written, data.byteLength - written, position + written);
      written += bytesWritten;
    }
  },
  sync: (handle) => handle.datasync(),
  async freeBytes(dir) {
    const stats = await fs.statfs(dir);
    return stats.bavail * stats.bsize;
  },
};

/** Where the partial data of `finalPath` lives: a hidden file next to it. */
export function partPathOf(finalPath: string): string {
  return path.join(path.dirname(finalPath), `.${path.basename(finalPath)}${PART_FILE_SUFFIX}`);
}

/**
 * Puts a finished part file in place under `finalPath`, or `name (1).ext` and so on if that is taken: never over
 * an existing file. A hard link cannot replace anything (EEXIST), so the check and the move are one step; on a
 * file system without hard links, a rename after a check. The part file is synced first; once linked and the
 * folder synced, `placed` records where it went, and only then is the part file's name removed — so a crash at
 * any point leaves either the part to finish again or a file recorded in place. A name taken by the very same
 * file (linked before a crash, not yet recorded) is that file.
 */
export async function putInPlace(handle: FileHandle, partPath: string, finalPath: string, syncDir: (dir: string) => Promise<void>, placed: (file: string) => Promise<void>): Promise<string> {
  await handle.sync();
  await handle.close();
  const dir = path.dirname(finalPath);
  const name = path.basename(finalPath);
  for (let n = 0; n <= MAX_NUMBERED_NAMES; n++) {
    const target = path.join(dir, n === 0 ? name : numberedName(name, n));
    try {
      await fs.link(partPath, target);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') {
        if (!(await sameFile(partPath, target))) continue;
      } else if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EXDEV') {
        if (await exists(target)) continue;
        await fs.rename(partPath, target);
        await syncDir(dir);
        await placed(target);
        return target;
      } else throw err;
    }
    await syncDir(dir);
    await placed(target);
    await fs.unlink(partPath);
    return target;
  }
  throw new Error(`every name like ${name} is taken in ${dir}`);
}

/** Whether two names are links to one file. */
export async function sameFile(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([fs.lstat(a), fs.lstat(b)]).catch(() => [null, null]);
  return x !== null && y !== null && x.isFile() && x.ino === y.ino && x.dev === y.dev;
}

export async function exists(file: string): Promise<boolean> {
  return fs.lstat(file).then(
    () => true,
    () => false,
  );
}

/**
 * Makes a new folder for a top-level folder of an offer inside `dir`: `photos`, else `photos (1)` …; returns
 * its name. A new folder, so nothing of the person's is ever mixed with what arrives.
 */
export async function makeFreshFolder(dir: string, name: string): Promise<string> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  for (let n = 0; n <= MAX_NUMBERED_NAMES; n++) {
    const candidate = n === 0 ? name : numberedName(name, n);
    try {
      await fs.mkdir(path.join(dir, candidate), { mode: 0o700 });
      return candidate;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  throw new Error(`every name like ${name} is taken in ${dir}`);
}

/**
 * Folder syncs, shared: callers that arrive while a sync of the same folder is waiting to start share it, so a
 * thousand files put in one folder cost a handful of syncs, and each caller still waits for one that started
 * after its rename.
 */
export class FolderSyncs {
  private readonly waiting = new Map<string, Promise<void>>();

  sync = (dir: string): Promise<void> => {
    let pending = this.waiting.get(dir);
    if (pending === undefined) {
      pending = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
        this.waiting.delete(dir);
        const handle = await fs.open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
        try {
          await handle.sync();
        } finally {
          await handle.close();
        }
      });
      this.waiting.set(dir, pending);
    }
    return pending;
  };
}

/** A file we send: opened once, its size checked against what was offered. */
export async function openSource(file: string, size: number): Promise<FileHandle> {
  const handle = await fs.open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  let stats: Stats;
  try {
    stats = await handle.stat();
  } catch (err) {
    await handle.close();
    throw err;
  }
  if (!stats.isFile() || stats.size !== size) {
    await handle.close();
    throw new Error(`${file} changed since it was offered (${stats.size} bytes, offered ${size})`);
  }
  return handle;
}

/** Reads `length` bytes at `position`, all of them, or says the file shrank. */
export async function readAt(handle: FileHandle, buffer: Buffer, length: number, position: number): Promise<Buffer> {
  let read = 0;
  while (read < length) {
    const { bytesRead } = await handle.read(buffer, read, length - read, position + read);
    if (bytesRead === 0) throw new Error('the file shrank since it was offered');
    read += bytesRead;
  }
  return buffer.subarray(0, length);
}
