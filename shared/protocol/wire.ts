/**
 * The building blocks every binary codec of the wire protocol shares: the session codec (`codec.ts`) and each
 * feature channel's codec. A message is a whole buffer: a one-byte type code, then its fields in order,
 * little-endian. strN is an N-bit byte length followed by that many bytes of UTF-8.
 *
 * Encoding: a field outside its limits is the caller's bug, not the peer's, so it throws a RangeError.
 * Decoding: any input either decodes or throws a ProtocolError; nothing else escapes.
 */
import { utf8ByteLength } from '../bytes';
import { MAX_MESSAGE_BYTES, MAX_TIMESTAMP_MS, MESSAGE_ID_BYTES } from './limits';

/** Malformed input from a peer. Every decoder of the wire protocol throws this, and only this, on bad bytes. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}

export interface TextField {
  readonly label: string;
  readonly maxBytes: number;
  readonly lengthPrefixBytes: 1 | 2 | 4;
}

export const TYPE_BYTES = 1;
export const U16_MAX = 0xffff;
export const U32_MAX = 0xffffffff;
export const SENT_AT_RULE = `a whole number of milliseconds from 0 to ${MAX_TIMESTAMP_MS}`;

const utf8Encoder = new TextEncoder();
/**
 * Texts are encoded here first, once: a native pass, an order of magnitude faster than counting UTF-8 bytes in JS
 * (a 64 KiB ASCII text: about 3 µs against 60). That gives the length, so the message is allocated once at its
 * final size, and the encoded bytes are then copied into it (a memcpy) instead of being encoded a second time.
 * No text field can be larger than a whole message.
 */
const encodingScratch = new Uint8Array(MAX_MESSAGE_BYTES);
// fatal: invalid UTF-8 is a malformed message, not text to repair. ignoreBOM: a text that starts with U+FEFF
// must come back unchanged instead of losing it.
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * `text` as UTF-8, which must be within the field's cap. The result is a view of the shared scratch buffer: it is
 * valid only until the next call, so copy it into the message (or `.slice()` it) before encoding another text.
 */
export function encodeText(field: TextField, text: string): Uint8Array {
  // encodeInto stops before a character that does not fit, so a text it cannot read whole is over the cap.
  const { read, written } = utf8Encoder.encodeInto(text, encodingScratch.subarray(0, field.maxBytes));
  if (read < text.length) {
    throw new RangeError(`${field.label} of ${utf8ByteLength(text)} bytes exceeds the cap of ${field.maxBytes}`);
  }
  return encodingScratch.subarray(0, written);
}

export function textSize(field: TextField, encoded: Uint8Array): number {
  return field.lengthPrefixBytes + encoded.byteLength;
}

export function checkUint(value: number, max: number, label: string): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${label} ${value} is not an integer from 0 to ${max}`);
  }
}

export function checkMessageId(id: Uint8Array, label: string): void {
  if (id.byteLength !== MESSAGE_ID_BYTES) {
    throw new RangeError(`${label} has ${id.byteLength} bytes, not ${MESSAGE_ID_BYTES}`);
  }
}

export function isValidTimestamp(ms: number): boolean {
  return Number.isInteger(ms) && ms >= 0 && ms <= MAX_TIMESTAMP_MS;
}

/** Writes into one buffer allocated at its final size: the caller encodes (so measures) every field first. */
export class MessageWriter {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  private offset = 0;

  constructor(byteLength: number, typeCode: number) {
    this.bytes = new Uint8Array(byteLength);
    this.view = new DataView(this.bytes.buffer);
    this.u8(typeCode);
  }

  u8(value: number): void {
    this.view.setUint8(this.offset, value);
    this.offset += 1;
  }

  u16(value: number): void {
    this.view.setUint16(this.offset, value, true);
    this.offset += 2;
  }

  u32(value: number): void {
    this.view.setUint32(this.offset, value, true);
    this.offset += 4;
  }

  f64(value: number): void {
    this.view.setFloat64(this.offset, value, true);
    this.offset += 8;
  }

  raw(bytes: Uint8Array): void {
    this.bytes.set(bytes, this.offset);
    this.offset += bytes.byteLength;
  }

  /** A text already encoded by `encodeText`: its length prefix, then a copy of its bytes. */
  text(field: TextField, encoded: Uint8Array): void {
    if (field.lengthPrefixBytes === 1) this.u8(encoded.byteLength);
    else if (field.lengthPrefixBytes === 2) this.u16(encoded.byteLength);
    else this.u32(encoded.byteLength);
    this.raw(encoded);
  }
}

/** Reads fields in order, checking before every read that the bytes are there. */
export class MessageReader {
  private readonly view: DataView;
  private offset: number;

  /** `start`: where the fields begin (after the type code and any header the caller has read itself). */
  constructor(
    private readonly bytes: Uint8Array,
    start = 0,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.offset = start;
  }

  u8(label: string): number {
    this.need(1, label);
    const value = this.view.getUint8(this.offset);
    this.offset += 1;
    return value;
  }

  u16(label: string): number {
    this.need(2, label);
    const value = this.view.getUint16(this.offset, true);
    this.offset += 2;
    return value;
  }

  u32(label: string): number {
    this.need(4, label);
    const value = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return value;
  }

  f64(label: string): number {
    this.need(8, label);
    const value = this.view.getFloat64(this.offset, true);
    this.offset += 8;
    return value;
  }

  copy(byteLength: number, label: string): Uint8Array {
    this.need(byteLength, label);
    const copy = this.bytes.slice(this.offset, this.offset + byteLength);
    this.offset += byteLength;
    return copy;
  }

  /** Everything left, as a view (the caller decodes it at once or copies it). */
  rest(): Uint8Array {
    const rest = this.bytes.subarray(this.offset);
    this.offset = this.bytes.byteLength;
    return rest;
  }

  /** Checks the declared length against the cap before looking for the bytes, and decodes from a view. */
  text(field: TextField): string {
    const byteLength = this.textLength(field);
    if (byteLength > field.maxBytes) {
      throw new ProtocolError(`${field.label} of ${byteLength} bytes exceeds the cap of ${field.maxBytes}`);
    }
    this.need(byteLength, field.label);
    const encoded = this.bytes.subarray(this.offset, this.offset + byteLength);
    this.offset += byteLength;
    try {
      return utf8Decoder.decode(encoded);
    } catch {
      throw new ProtocolError(`${field.label} is not valid UTF-8`);
    }
  }

  private textLength(field: TextField): number {
    const label = `${field.label} length`;
    if (field.lengthPrefixBytes === 1) return this.u8(label);
    if (field.lengthPrefixBytes === 2) return this.u16(label);
    return this.u32(label);
  }

  end(messageType: string): void {
    const trailing = this.bytes.byteLength - this.offset;
    if (trailing !== 0) throw new ProtocolError(`${trailing} trailing bytes after a ${messageType} message`);
  }

  private need(byteLength: number, label: string): void {
    const left = this.bytes.byteLength - this.offset;
    if (byteLength > left) throw new ProtocolError(`truncated ${label}: needs ${byteLength} bytes, ${left} left`);
  }
}

/** Checks a whole message's size before anything reads it, and gives a reader past its type code. */
export function readerOf(bytes: Uint8Array): { typeCode: number; reader: MessageReader } {
  if (bytes.byteLength === 0) throw new ProtocolError('empty message');
  if (bytes.byteLength > MAX_MESSAGE_BYTES) {
    throw new ProtocolError(`message of ${bytes.byteLength} bytes exceeds the cap of ${MAX_MESSAGE_BYTES}`);
  }
  const reader = new MessageReader(bytes);
  return { typeCode: reader.u8('type'), reader };
}
