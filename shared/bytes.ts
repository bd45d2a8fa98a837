/** Small byte helpers for code that cannot use Node's `Buffer` (it runs in the browser too). */

const HEX_OF_BYTE: readonly string[] = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** Lowercase hex, two digits per byte. */
export function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += HEX_OF_BYTE[byte];
  return hex;
}

/** Parses hex in either case. Throws a RangeError on an odd length or a character that is not a hex digit. */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0) throw new RangeError(`hex string has an odd length (${hex.length})`);
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) {
    const high = hexDigitValue(hex.charCodeAt(2 * i));
    const low = hexDigitValue(hex.charCodeAt(2 * i + 1));
    if (high < 0 || low < 0) throw new RangeError(`hex string has a non-hex character near offset ${2 * i}`);
    bytes[i] = (high << 4) | low;
  }
  return bytes;
}

function hexDigitValue(charCode: number): number {
  if (charCode >= 0x30 && charCode <= 0x39) return charCode - 0x30; // 0-9
  const lower = charCode | 0x20; // folds A-F onto a-f; other characters stay out of range
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The number of bytes `TextEncoder` produces for `text`, without encoding it: for checking a text against a
 * byte limit (a composer, a schema). A lone surrogate counts 3 bytes because the encoder writes U+FFFD for it.
 */
export function utf8ByteLength(text: string): number {
  let bytes = text.length; // every UTF-16 code unit yields at least one byte
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) continue;
    if (unit < 0x800) {
      bytes += 1;
    } else if (isHighSurrogate(unit) && isLowSurrogate(text.charCodeAt(i + 1))) {
      bytes += 2; // two code units, one 4-byte character
      i++;
    } else {
      bytes += 2;
    }
  }
  return bytes;
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff; // NaN past the end of the string is false
}
