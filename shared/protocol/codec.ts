/**
 * Binary encoding of session messages (DESIGN §3). One secret-stream message carries exactly one of these, so a
 * message is a whole buffer: byte 0 is the `MessageType` code, then the fields in order, little-endian.
 *
 *   hello   u16 protocolVersion, str8 name, str8 appVersion, u16 listenPort, u8 count, count × str8 capability
 *   chat    16-byte id, f64 sentAt, str32 text
 *   ack     u16 count, count × 16-byte id
 *   typing  u8 0 | 1
 *   ping    u32 nonce
 *   pong    u32 nonce
 *   bye     u8 code, str16 reason
 *   read    16-byte id (upTo)
 *
 * strN is an N-bit byte length followed by that many bytes of UTF-8. The bye reason has a 16-bit length because
 * its cap (256 bytes) does not fit in a byte.
 */
import { utf8ByteLength } from '../bytes';
import {
  MAX_ACK_IDS,
  MAX_APP_VERSION_BYTES,
  MAX_CAPABILITIES,
  MAX_CAPABILITY_BYTES,
  MAX_MESSAGE_BYTES,
  MAX_NAME_BYTES,
  MAX_REASON_BYTES,
  MAX_TEXT_BYTES,
  MAX_TIMESTAMP_MS,
  MESSAGE_ID_BYTES,
} from './limits';
import { ByeReason, MessageType } from './messages';
import type { ByeReasonCode, DecodedMessage, PeerMessage } from './messages';

/** Malformed input from a peer. Every decoder in `shared/protocol` throws this, and only this, on bad bytes. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}

interface TextField {
  readonly label: string;
  readonly maxBytes: number;
  readonly lengthPrefixBytes: 1 | 2 | 4;
}

const NAME: TextField = { label: 'hello name', maxBytes: MAX_NAME_BYTES, lengthPrefixBytes: 1 };
const APP_VERSION: TextField = { label: 'hello app version', maxBytes: MAX_APP_VERSION_BYTES, lengthPrefixBytes: 1 };
const CAPABILITY: TextField = { label: 'hello capability', maxBytes: MAX_CAPABILITY_BYTES, lengthPrefixBytes: 1 };
const CHAT_TEXT: TextField = { label: 'chat text', maxBytes: MAX_TEXT_BYTES, lengthPrefixBytes: 4 };
const BYE_REASON: TextField = { label: 'bye reason', maxBytes: MAX_REASON_BYTES, lengthPrefixBytes: 2 };
const TEXT_FIELDS = [NAME, APP_VERSION, CAPABILITY, CHAT_TEXT, BYE_REASON];

const TYPE_BYTES = 1;
const U16_MAX = 0xffff;
const U32_MAX = 0xffffffff;
const BYE_REASON_CODES: ReadonlySet<number> = new Set(Object.values(ByeReason));
const SENT_AT_RULE = `a whole number of milliseconds from 0 to ${MAX_TIMESTAMP_MS}`;
const ACK_COUNT_RULE = `it must carry 1 to ${MAX_ACK_IDS}`;

const utf8Encoder = new TextEncoder();
/**
 * Texts are encoded here first, once: a native pass, an order of magnitude faster than counting UTF-8 bytes in JS
 * (a 64 KiB ASCII text: about 3 µs against 60). That gives the length, so the message is allocated once at its
 * final size, and the encoded bytes are then copied into it (a memcpy) instead of being encoded a second time.
 */
const encodingScratch = new Uint8Array(Math.max(...TEXT_FIELDS.map((field) => field.maxBytes)));
// fatal: invalid UTF-8 is a malformed message, not text to repair. ignoreBOM: a text that starts with U+FEFF
// must come back unchanged instead of losing it.
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// ---------------------------------------------------------------------------------------------------------------
// Encoding. Fields outside the limits are the caller's bug, not the peer's, so they throw a RangeError.

export function encodeMessage(msg: PeerMessage): Uint8Array {
  switch (msg.type) {
    case 'hello': {
      checkUint(msg.protocolVersion, U16_MAX, 'hello protocol version');
      checkUint(msg.listenPort, U16_MAX, 'hello listen port');
      if (msg.capabilities.length > MAX_CAPABILITIES) {
        throw new RangeError(`hello has ${msg.capabilities.length} capabilities, over the cap of ${MAX_CAPABILITIES}`);
      }
      // Several texts: each is copied out of the scratch before the next one is encoded (small, once a session).
      const name = encodeText(NAME, msg.name).slice();
      const appVersion = encodeText(APP_VERSION, msg.appVersion).slice();
      const capabilities = msg.capabilities.map((capability) => encodeText(CAPABILITY, capability).slice());
      const size =
        TYPE_BYTES + 2 + textSize(NAME, name) + textSize(APP_VERSION, appVersion) + 2 + 1 +
        capabilities.reduce((sum, encoded) => sum + textSize(CAPABILITY, encoded), 0);
      const writer = new MessageWriter(size, MessageType.Hello);
      writer.u16(msg.protocolVersion);
      writer.text(NAME, name);
      writer.text(APP_VERSION, appVersion);
      writer.u16(msg.listenPort);
      writer.u8(msg.capabilities.length);
      for (const capability of capabilities) writer.text(CAPABILITY, capability);
      return writer.bytes;
    }
    case 'chat': {
      checkMessageId(msg.id, 'chat id');
      if (!isValidTimestamp(msg.sentAt)) {
        throw new RangeError(`chat sentAt ${msg.sentAt} is not ${SENT_AT_RULE}`);
      }
      const text = encodeText(CHAT_TEXT, msg.text); // a view of the scratch, copied into the message below
      const writer = new MessageWriter(TYPE_BYTES + MESSAGE_ID_BYTES + 8 + textSize(CHAT_TEXT, text), MessageType.Chat);
      writer.raw(msg.id);
      writer.f64(msg.sentAt);
      writer.text(CHAT_TEXT, text);
      return writer.bytes;
    }
    case 'ack': {
      if (msg.ids.length < 1 || msg.ids.length > MAX_ACK_IDS) {
        throw new RangeError(`ack carries ${msg.ids.length} ids; ${ACK_COUNT_RULE}`);
      }
      for (const id of msg.ids) checkMessageId(id, 'ack id');
      const writer = new MessageWriter(TYPE_BYTES + 2 + msg.ids.length * MESSAGE_ID_BYTES, MessageType.Ack);
      writer.u16(msg.ids.length);
      for (const id of msg.ids) writer.raw(id);
      return writer.bytes;
    }
    case 'typing': {
      const writer = new MessageWriter(TYPE_BYTES + 1, MessageType.Typing);
      writer.u8(msg.active ? 1 : 0);
      return writer.bytes;
    }
    case 'ping':
    case 'pong': {
      checkUint(msg.nonce, U32_MAX, `${msg.type} nonce`);
      const writer = new MessageWriter(TYPE_BYTES + 4, msg.type === 'ping' ? MessageType.Ping : MessageType.Pong);
      writer.u32(msg.nonce);
      return writer.bytes;
    }
    case 'bye': {
      if (!isByeReasonCode(msg.code)) throw new RangeError(`bye code ${msg.code} is not a ByeReason`);
      const reason = encodeText(BYE_REASON, msg.reason); // a view of the scratch, copied into the message below
      const writer = new MessageWriter(TYPE_BYTES + 1 + textSize(BYE_REASON, reason), MessageType.Bye);
      writer.u8(msg.code);
      writer.text(BYE_REASON, reason);
      return writer.bytes;
    }
    case 'read': {
      checkMessageId(msg.upTo, 'read id');
      const writer = new MessageWriter(TYPE_BYTES + MESSAGE_ID_BYTES, MessageType.Read);
      writer.raw(msg.upTo);
      return writer.bytes;
    }
    default: {
      const unexpected: never = msg;
      throw new TypeError(`cannot encode a message of type ${JSON.stringify((unexpected as { type: unknown }).type)}`);
    }
  }
}

/**
 * `text` as UTF-8, which must be within the field's cap. The result is a view of the shared scratch buffer: it is
 * valid only until the next call, so copy it into the message (or `.slice()` it) before encoding another text.
 */
function encodeText(field: TextField, text: string): Uint8Array {
  // encodeInto stops before a character that does not fit, so a text it cannot read whole is over the cap.
  const { read, written } = utf8Encoder.encodeInto(text, encodingScratch.subarray(0, field.maxBytes));
  if (read < text.length) {
    throw new RangeError(`${field.label} of ${utf8ByteLength(text)} bytes exceeds the cap of ${field.maxBytes}`);
  }
  return encodingScratch.subarray(0, written);
}

function textSize(field: TextField, encoded: Uint8Array): number {
  return field.lengthPrefixBytes + encoded.byteLength;
}

function checkUint(value: number, max: number, label: string): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${label} ${value} is not an integer from 0 to ${max}`);
  }
}

function checkMessageId(id: Uint8Array, label: string): void {
  if (id.byteLength !== MESSAGE_ID_BYTES) {
    throw new RangeError(`${label} has ${id.byteLength} bytes, not ${MESSAGE_ID_BYTES}`);
  }
}

/** Writes into one buffer allocated at its final size: the caller encodes (so measures) every field first. */
class MessageWriter {
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

// ---------------------------------------------------------------------------------------------------------------
// Decoding. Any input either decodes or throws a ProtocolError; nothing else escapes.

/**
 * Decodes one whole message. Ids are copies, so the result does not pin the (possibly large) input buffer.
 * A type code this version does not know decodes to `{ type: 'unknown' }`: a newer peer's message, to ignore.
 */
export function decodeMessage(bytes: Uint8Array): DecodedMessage {
  if (bytes.byteLength === 0) throw new ProtocolError('empty message');
  if (bytes.byteLength > MAX_MESSAGE_BYTES) {
    throw new ProtocolError(`message of ${bytes.byteLength} bytes exceeds the cap of ${MAX_MESSAGE_BYTES}`);
  }
  const reader = new MessageReader(bytes);
  const typeCode = reader.u8('type');
  switch (typeCode) {
    case MessageType.Hello: {
      const protocolVersion = reader.u16('hello protocol version');
      const name = reader.text(NAME);
      const appVersion = reader.text(APP_VERSION);
      const listenPort = reader.u16('hello listen port');
      const capabilityCount = reader.u8('hello capability count');
      if (capabilityCount > MAX_CAPABILITIES) {
        throw new ProtocolError(`hello has ${capabilityCount} capabilities, over the cap of ${MAX_CAPABILITIES}`);
      }
      const capabilities: string[] = [];
      for (let i = 0; i < capabilityCount; i++) capabilities.push(reader.text(CAPABILITY));
      reader.end('hello');
      return { type: 'hello', protocolVersion, name, appVersion, listenPort, capabilities };
    }
    case MessageType.Chat: {
      const id = reader.copy(MESSAGE_ID_BYTES, 'chat id');
      const sentAt = reader.f64('chat sentAt');
      if (!isValidTimestamp(sentAt)) {
        throw new ProtocolError(`chat sentAt ${sentAt} is not ${SENT_AT_RULE}`);
      }
      const text = reader.text(CHAT_TEXT);
      reader.end('chat');
      return { type: 'chat', id, sentAt, text };
    }
    case MessageType.Ack: {
      const count = reader.u16('ack count');
      if (count < 1 || count > MAX_ACK_IDS) throw new ProtocolError(`ack carries ${count} ids; ${ACK_COUNT_RULE}`);
      const ids: Uint8Array[] = [];
      for (let i = 0; i < count; i++) ids.push(reader.copy(MESSAGE_ID_BYTES, 'ack id'));
      reader.end('ack');
      return { type: 'ack', ids };
    }
    case MessageType.Typing: {
      const active = reader.u8('typing flag');
      if (active > 1) throw new ProtocolError(`typing flag ${active} is neither 0 nor 1`);
      reader.end('typing');
      return { type: 'typing', active: active === 1 };
    }
    case MessageType.Ping:
    case MessageType.Pong: {
      const type = typeCode === MessageType.Ping ? 'ping' : 'pong';
      const nonce = reader.u32(`${type} nonce`);
      reader.end(type);
      return { type, nonce };
    }
    case MessageType.Bye: {
      const byte = reader.u8('bye code');
      // A newer peer may have more reasons to leave: it is leaving all the same, for a reason of its own.
      const code = isByeReasonCode(byte) ? byte : ByeReason.Other;
      const reason = reader.text(BYE_REASON);
      reader.end('bye');
      return { type: 'bye', code, reason };
    }
    case MessageType.Read: {
      const upTo = reader.copy(MESSAGE_ID_BYTES, 'read id');
      reader.end('read');
      return { type: 'read', upTo };
    }
    default:
      return { type: 'unknown', typeCode };
  }
}

/** Reads fields in order, checking before every read that the bytes are there. */
class MessageReader {
  private readonly view: DataView;
  private offset = 0;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
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

// ---------------------------------------------------------------------------------------------------------------

function isValidTimestamp(ms: number): boolean {
  return Number.isInteger(ms) && ms >= 0 && ms <= MAX_TIMESTAMP_MS;
}

function isByeReasonCode(code: number): code is ByeReasonCode {
  return BYE_REASON_CODES.has(code);
}
