import { promises as fs } from 'node:fs';
import path from 'node:path';
import sodium from 'sodium-native';
import { fromHex, toHex } from '../../shared/bytes';
import { PUBLIC_KEY_BYTES } from '../../shared/protocol/limits';
import { OPEN_NO_FOLLOW, ownedByOther, PRIVATE_FILE_MODE, secureDataDir } from './data-dir';

/** This installation's ed25519 key pair. Its public key, in hex, is the peer id others see. */
export interface Identity {
  publicKey: Buffer;
  secretKey: Buffer;
  /** The public key in hex: the stable peer id. */
  id: string;
  /** A short, human-comparable form of the public key. */
  fingerprint: string;
}

const IDENTITY_FILE = 'identity.json';
const IDENTITY_FILE_VERSION = 1;
const SECRET_KEY_BYTES = 64;
const FINGERPRINT_HASH_BYTES = 10;
/** A real identity file is about 250 bytes. */
const MAX_IDENTITY_FILE_BYTES = 4096;
const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export class IdentityError extends Error {
  override name = 'IdentityError';
}

/**
 * Loads the key pair from `dataDir`, or makes one on first run, after making the directory private
 * (`secureDataDir`). The file is written with mode 0600 through a temporary file and a rename, so a crash never
 * leaves half a key; it is read only as a regular file of this user's, never through a link. A damaged file is an error, never silently
 * replaced: replacing it would change who this person is to every contact.
 */
export async function loadOrCreateIdentity(dataDir: string): Promise<Identity> {
  await secureDataDir(dataDir);
  const file = path.join(dataDir, IDENTITY_FILE);
  let handle: fs.FileHandle;
  try {
    // Never through a link: a planted identity.json symlink would make us read, or chmod, a file elsewhere.
    handle = await fs.open(file, OPEN_NO_FOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return createIdentity(file);
    if (code === 'ELOOP' || code === 'EMLINK') {
      throw new IdentityError(`The identity file ${file} is a symbolic link; Peerline keeps its key only in a file of its own. Check where it points, then move the link away.`);
    }
    throw err;
  }
  let raw: string;
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new IdentityError(`The identity file ${file} is not a regular file. Move it away to make a new identity.`);
    if (ownedByOther(stats.uid)) throw new IdentityError(`The identity file ${file} belongs to another user (uid ${stats.uid}); Peerline uses only a key of your own.`);
    if (stats.size > MAX_IDENTITY_FILE_BYTES) throw new IdentityError(`The identity file ${file} is damaged (too large). Move it away to make a new identity.`);
    if ((stats.mode & 0o077) !== 0) await handle.chmod(PRIVATE_FILE_MODE);
    raw = await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
  return parseIdentity(raw, file);
}

async function createIdentity(file: string): Promise<Identity> {
  const publicKey = Buffer.alloc(PUBLIC_KEY_BYTES);
  const secretKey = Buffer.alloc(SECRET_KEY_BYTES);
  sodium.crypto_sign_keypair(publicKey, secretKey);
  const contents = JSON.stringify({ version: IDENTITY_FILE_VERSION, publicKey: toHex(publicKey), secretKey: toHex(secretKey) });
  const temporary = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temporary, contents + '\n', { mode: PRIVATE_FILE_MODE, flag: 'wx' });
  await fs.rename(temporary, file);
  return identityFrom(publicKey, secretKey);
}

function parseIdentity(raw: string, file: string): Identity {
  const damaged = (why: string) => new IdentityError(`The identity file ${file} is damaged (${why}). Move it away to make a new identity.`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw damaged('not JSON');
  }
  const record = parsed as { version?: unknown; publicKey?: unknown; secretKey?: unknown };
  if (record.version !== IDENTITY_FILE_VERSION) throw damaged(`unknown version ${String(record.version)}`);
  if (typeof record.publicKey !== 'string' || typeof record.secretKey !== 'string') throw damaged('keys missing');
  let publicKey: Buffer;
  let secretKey: Buffer;
  try {
    publicKey = Buffer.from(fromHex(record.publicKey));
    secretKey = Buffer.from(fromHex(record.secretKey));
  } catch {
    throw damaged('keys are not hex');
  }
  if (publicKey.length !== PUBLIC_KEY_BYTES || secretKey.length !== SECRET_KEY_BYTES) throw damaged('wrong key length');
  // An ed25519 secret key carries its public key in the last 32 bytes: they must agree.
  if (!publicKey.equals(secretKey.subarray(32))) throw damaged('the keys do not belong together');
  return identityFrom(publicKey, secretKey);
}

function identityFrom(publicKey: Buffer, secretKey: Buffer): Identity {
  return { publicKey, secretKey, id: toHex(publicKey), fingerprint: fingerprintOf(publicKey) };
}

/** "ABCD EFGH IJKL MNOP": 80 bits of a BLAKE2b hash of the key, in base32, grouped for reading aloud. */
export function fingerprintOf(publicKey: Uint8Array): string {
  const hash = Buffer.alloc(32);
  sodium.crypto_generichash(hash, Buffer.from(publicKey));
  const letters = base32(hash.subarray(0, FINGERPRINT_HASH_BYTES));
  return letters.match(/.{1,4}/g)!.join(' ');
}

function base32(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32_ALPHABET[(value << (5 - bits)) & 31];
  return out;
}
