/**
 * RFC 4648 base32 without padding, written lowercase and read in either case: a key in a link or typed by hand
 * (no 0/1/8/9 to confuse with O/I/B/g). Pure TypeScript.
 */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const BITS_PER_CHAR = 5;

export function toBase32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= BITS_PER_CHAR) {
      bits -= BITS_PER_CHAR;
      out += ALPHABET[(buffer >>> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(buffer << (BITS_PER_CHAR - bits)) & 31];
  return out;
}

/**
 * The bytes of `text`, or null when it is not canonical unpadded base32 of exactly `byteLength` bytes: a wrong
 * length, a character outside the alphabet, or unused trailing bits that are not zero (two spellings of one key
 * would let two links look different and mean the same peer).
 */
export function fromBase32(text: string, byteLength: number): Uint8Array | null {
  if (text.length !== Math.ceil((byteLength * 8) / BITS_PER_CHAR)) return null;
  const out = new Uint8Array(byteLength);
  let buffer = 0;
  let bits = 0;
  let written = 0;
  for (const char of text.toLowerCase()) {
    const value = ALPHABET.indexOf(char);
    if (value < 0) return null;
    buffer = (buffer << BITS_PER_CHAR) | value;
    bits += BITS_PER_CHAR;
    if (bits >= 8) {
      bits -= 8;
      out[written++] = (buffer >>> bits) & 0xff;
    }
    buffer &= (1 << bits) - 1;
  }
  return buffer === 0 ? out : null;
}
