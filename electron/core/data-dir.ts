import { constants, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The folder Electron's `app.getPath('userData')` gives for "Peerline", so the CLI and the app share an identity. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  const home = os.homedir();
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Peerline');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Peerline');
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'Peerline');
}

export class DataDirError extends Error {
  override name = 'DataDirError';
}

/** Modes of the data directory and of the files and folders Peerline keeps in it. */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;
/** Group and others may neither read nor write: history and the secret key are the person's alone. */
const GROUP_OR_OTHERS = 0o077;
const WRITABLE_BY_OTHERS = 0o022;
/** Opens without following a final symbolic link, and without blocking on a FIFO planted in a file's place. */
export const OPEN_NO_FOLLOW = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);
/** The store's folder (see store/recover.ts), whose files are fixed to 0600 too. */
const STORE_DIR = 'store';

const octal = (mode: number) => '0' + (mode & 0o777).toString(8);

/** True when `uid` is not this process's user (never on Windows, which has no uids). */
export function ownedByOther(uid: number): boolean {
  const mine = process.getuid?.();
  return mine !== undefined && uid !== mine;
}

/**
 * Makes `dataDir` private before anything is read from it: created 0700; an existing one readable by others
 * (0755) is made 0700; one writable by others (0777, 0775) or owned by someone else is refused with a sentence,
 * since anyone could have swapped the identity in it. Existing files directly in it and in the store folder are
 * made 0600 (folders 0700). Nothing here follows a symbolic link: modes are changed through a descriptor opened
 * with O_NOFOLLOW, and links are left alone. A data directory that is itself a link (a person's own choice of
 * place) is followed once, to its real path. On Windows, where modes mean nothing, it only creates the folder.
 */
export async function secureDataDir(dataDir: string): Promise<void> {
  await fs.mkdir(dataDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (process.platform === 'win32') return;
  const real = await fs.realpath(dataDir);
  const handle = await fs.open(real, OPEN_NO_FOLLOW | constants.O_DIRECTORY);
  try {
    const { mode, uid } = await handle.stat();
    if (ownedByOther(uid)) {
      throw new DataDirError(`The data directory ${dataDir} belongs to another user (uid ${uid}); Peerline keeps your identity only in a directory of your own.`);
    }
    if ((mode & WRITABLE_BY_OTHERS) !== 0) {
      throw new DataDirError(
        `The data directory ${dataDir} can be changed by other users (mode ${octal(mode)}), so anyone could have replaced your identity in it. ` +
          `Check what is in it, then make it yours alone: chmod 700 '${dataDir}'`,
      );
    }
    if ((mode & GROUP_OR_OTHERS) !== 0) await handle.chmod(PRIVATE_DIR_MODE);
  } finally {
    await handle.close();
  }
  await makePrivate(real, { into: STORE_DIR });
}

/** Makes the regular files in `dir` 0600 and the folder `into` 0700 (and its files), never following a link. */
async function makePrivate(dir: string, opts: { into?: string } = {}): Promise<void> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return;
    throw err;
  }
  for (const entry of entries) {
    const isInto = entry.isDirectory() && entry.name === opts.into;
    if (!entry.isFile() && !isInto) continue; // links, sockets, and folders that are not ours to manage
    const where = path.join(dir, entry.name);
    const changed = await chmodNoFollow(where, isInto ? PRIVATE_DIR_MODE : PRIVATE_FILE_MODE, isInto ? constants.O_DIRECTORY : 0);
    if (changed && isInto) await makePrivate(where);
  }
}

/** chmod through a descriptor opened without following a link; false when it is not ours or was swapped meanwhile. */
async function chmodNoFollow(file: string, mode: number, flags: number): Promise<boolean> {
  let handle;
  try {
    handle = await fs.open(file, OPEN_NO_FOLLOW | flags);
  } catch {
    return false; // swapped for a link (ELOOP), gone, or not a folder any more: leave it
  }
  try {
    const stats = await handle.stat();
    if (ownedByOther(stats.uid)) return false;
    if ((stats.mode & GROUP_OR_OTHERS) !== 0) await handle.chmod(mode);
    return true;
  } finally {
    await handle.close();
  }
}
