/**
 * The preface a dialer writes before anything else, and the listener's sniffer for it (DESIGN §3).
 *
 * The magic starts with NUL so no text peer sends it by accident, and, like PNG's signature, carries CR LF,
 * SUB and LF so a line-ending conversion or a text-mode pipe on the way shows up as a mismatch.
 */
import { PROTOCOL_VERSION } from './limits';

/** NUL "PLN" CR LF SUB LF. */
export const PREFACE_MAGIC: Uint8Array = Uint8Array.of(0x00, 0x50, 0x4c, 0x4e, 0x0d, 0x0a, 0x1a, 0x0a);
const VERSION_BYTES = 2;
/** The magic followed by the protocol version as a u16, little-endian. */
export const PREFACE_BYTES = PREFACE_MAGIC.byteLength + VERSION_BYTES;

export function encodePreface(version: number = PROTOCOL_VERSION): Uint8Array {
  if (!Number.isInteger(version) || version < 0 || version > 0xffff) {
    throw new RangeError(`protocol version ${version} is not an integer from 0 to 65535`);
  }
  const preface = new Uint8Array(PREFACE_BYTES);
  preface.set(PREFACE_MAGIC);
  preface[PREFACE_MAGIC.byteLength] = version & 0xff;
  preface[PREFACE_MAGIC.byteLength + 1] = version >>> 8;
  return preface;
}

/**
 * - `peerline`: `rest` is a view of the bytes after the preface in the chunk that completed it, for the secure
 *   channel. The version is reported as sent; whether it is supported is the caller's decision.
 * - `foreign`: `received` is every byte received so far, this chunk included (the chunk itself when it was the
 *   first), for the plain-text path.
 */
export type SniffResult =
  | { kind: 'need-more' }
  | { kind: 'peerline'; version: number; rest: Uint8Array }
  | { kind: 'foreign'; received: Uint8Array };

const NEED_MORE: SniffResult = Object.freeze({ kind: 'need-more' });

/**
 * Tells a Peerline dialer from anything else, one chunk at a time, however the bytes are split.
 *
 * It keeps no copy of what it has seen: until the verdict, everything received is a prefix of the magic (it
 * says "foreign" at the first byte that differs) plus at most the two version bytes, which it decodes as they
 * come. So the foreign bytes can be rebuilt from the magic when needed.
 */
export class PrefaceSniffer {
  private magicBytesMatched = 0;
  private versionBytesRead = 0;
  private version = 0;
  private decided = false;

  /** Bytes received and held back while waiting for the verdict. */
  get buffered(): number {
    return this.magicBytesMatched + this.versionBytesRead;
  }

  push(chunk: Uint8Array): SniffResult {
    if (this.decided) throw new Error('PrefaceSniffer.push() called after the verdict');
    let offset = 0;
    while (this.magicBytesMatched < PREFACE_MAGIC.byteLength && offset < chunk.byteLength) {
      if (chunk[offset] !== PREFACE_MAGIC[this.magicBytesMatched]) return this.foreign(chunk, offset);
      this.magicBytesMatched++;
      offset++;
    }
    const magicComplete = this.magicBytesMatched === PREFACE_MAGIC.byteLength;
    while (magicComplete && this.versionBytesRead < VERSION_BYTES && offset < chunk.byteLength) {
      this.version |= chunk[offset] << (8 * this.versionBytesRead); // little-endian
      this.versionBytesRead++;
      offset++;
    }
    if (this.versionBytesRead < VERSION_BYTES) return NEED_MORE;
    this.decided = true;
    return { kind: 'peerline', version: this.version, rest: chunk.subarray(offset) };
  }

  /** `matchedInChunk`: magic bytes this chunk matched before the mismatch; they are in `chunk` already. */
  private foreign(chunk: Uint8Array, matchedInChunk: number): SniffResult {
    this.decided = true;
    const matchedEarlier = this.magicBytesMatched - matchedInChunk;
    if (matchedEarlier === 0) return { kind: 'foreign', received: chunk };
    const received = new Uint8Array(matchedEarlier + chunk.byteLength);
    received.set(PREFACE_MAGIC.subarray(0, matchedEarlier));
    received.set(chunk, matchedEarlier);
    return { kind: 'foreign', received };
  }
}
