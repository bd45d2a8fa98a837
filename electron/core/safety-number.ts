import { hash } from 'node:crypto';
import { PUBLIC_KEY_BYTES } from '../../shared/protocol/limits';

/**
 * Safety numbers: what two people read to each other (or compare side by side) to know that each holds the
 * other's real key. Built like Signal's: each key becomes 30 digits, and the two halves are sorted, so both
 * sides see the same 60 digits.
 *
 * Each half is SHA-512 iterated over (version ‖ key), the key appended again at every round, so that searching
 * for a key whose digits look like someone else's costs this many hashes per candidate. Signal uses 5,200; at
 * about 0.9 µs a round (measured on the 2-core build machine) that is near 5 ms a key, so we use 2,000: both
 * halves of a new number in under 4 ms. Each key's half is remembered (see `HALF_CACHE_SIZE`), so our own half
 * and a conversation shown again cost nothing. Changing the version, the rounds or the layout changes every
 * number: bump the version with them.
 */
const SAFETY_NUMBER_VERSION = 0;
const SAFETY_NUMBER_ROUNDS = 2_000;
const SHA512_BYTES = 64;
const CHUNKS_PER_KEY = 6;
const CHUNK_BYTES = 5;
const DIGITS_PER_CHUNK = 5;
const CHUNK_MODULUS = 10 ** DIGITS_PER_CHUNK;
/** How many keys' halves are remembered; past it the oldest is forgotten first. */
const HALF_CACHE_SIZE = 256;
const KEY_HEX = new RegExp(`^[0-9a-fA-F]{${PUBLIC_KEY_BYTES * 2}}$`);

const halves = new Map<string, string>();

/** The 60 digits of two hex ed25519 public keys, as 12 groups of 5 separated by spaces; the same either way round. */
export function safetyNumber(keyA: string, keyB: string): string {
  const [first, second] = [halfOf(keyA), halfOf(keyB)].sort();
  return (first + second).match(/\d{5}/g)!.join(' ');
}

function halfOf(key: string): string {
  if (!KEY_HEX.test(key)) throw new RangeError(`a public key is ${PUBLIC_KEY_BYTES * 2} hex digits, not ${JSON.stringify(key)}`);
  const normal = key.toLowerCase();
  let half = halves.get(normal);
  if (half === undefined) {
    half = computeHalf(Buffer.from(normal, 'hex'));
    if (halves.size >= HALF_CACHE_SIZE) halves.delete(halves.keys().next().value!);
  }
  halves.delete(normal);
  halves.set(normal, half);
  return half;
}

function computeHalf(key: Buffer): string {
  const version = Buffer.alloc(2);
  version.writeUInt16BE(SAFETY_NUMBER_VERSION);
  // Each round hashes (previous digest ‖ key); the first "digest" is the version and the key.
  let digest: Buffer = hash('sha512', Buffer.concat([version, key, key]), 'buffer');
  const input = Buffer.alloc(SHA512_BYTES + key.byteLength);
  key.copy(input, SHA512_BYTES);
  for (let round = 1; round < SAFETY_NUMBER_ROUNDS; round++) {
    digest.copy(input, 0);
    digest = hash('sha512', input, 'buffer');
  }
  let digits = '';
  for (let chunk = 0; chunk < CHUNKS_PER_KEY; chunk++) {
    const value = digest.readUIntBE(chunk * CHUNK_BYTES, CHUNK_BYTES) % CHUNK_MODULUS;
    digits += String(value).padStart(DIGITS_PER_CHUNK, '0');
  }
  return digits;
}
