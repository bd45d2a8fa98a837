/**
 * Binary encoding of a session's own messages (DESIGN §3), and the framing of channel messages. Byte 0 is the
 * `MessageType` code, then the fields in order (see wire.ts):
 *
 *   hello    u16 protocolVersion, str8 name, str8 appVersion, u16 listenPort, u8 count, count × str8 capability
 *   ping     u32 nonce
 *   pong     u32 nonce
 *   bye      u8 code, str16 reason
 *   channel  u8 index, then the channel's message (its own type code and fields)
 *   bulk     the same, on the bulk lane
 *   credit   u32 bytes
 *   < 0x20   any other code: a message of the base channel (BASE_CHANNEL), whole, type code included
 *   > 0x22   a session message of a newer version: decoded as unknown, and ignored
 *
 * The bye reason has a 16-bit length because its cap (256 bytes) does not fit in a byte.
 */
import { MAX_APP_VERSION_BYTES, MAX_CAPABILITIES, MAX_CAPABILITY_BYTES, MAX_NAME_BYTES, MAX_REASON_BYTES } from './limits';
import { ByeReason, FIRST_NEWER_SESSION_CODE, MessageType } from './messages';
import type { ByeReasonCode, DecodedMessage, SessionMessage } from './messages';
import { checkUint, encodeText, MessageWriter, ProtocolError, readerOf, textSize, TYPE_BYTES, U16_MAX, U32_MAX, type TextField } from './wire';

export { ProtocolError } from './wire';

const NAME: TextField = { label: 'hello name', maxBytes: MAX_NAME_BYTES, lengthPrefixBytes: 1 };
const APP_VERSION: TextField = { label: 'hello app version', maxBytes: MAX_APP_VERSION_BYTES, lengthPrefixBytes: 1 };
const CAPABILITY: TextField = { label: 'hello capability', maxBytes: MAX_CAPABILITY_BYTES, lengthPrefixBytes: 1 };
const BYE_REASON: TextField = { label: 'bye reason', maxBytes: MAX_REASON_BYTES, lengthPrefixBytes: 2 };

const BYE_REASON_CODES: ReadonlySet<number> = new Set(Object.values(ByeReason));
/** The type codes the session reads itself below `Channel`; every other code there is the base channel's. */
const SESSION_CODES: ReadonlySet<number> = new Set([MessageType.Hello, MessageType.Ping, MessageType.Pong, MessageType.Bye]);

function isBaseChannelCode(code: number): boolean {
  return code < MessageType.Channel && !SESSION_CODES.has(code);
}

export function encodeMessage(msg: SessionMessage): Uint8Array {
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
    case 'ping':
    case 'pong': {
      checkUint(msg.nonce, U32_MAX, `${msg.type} nonce`);
      const writer = new MessageWriter(TYPE_BYTES + 4, msg.type === 'ping' ? MessageType.Ping : MessageType.Pong);
      writer.u32(msg.nonce);
      return writer.bytes;
    }
    case 'credit': {
      checkUint(msg.bytes, U32_MAX, 'credit bytes');
      const writer = new MessageWriter(TYPE_BYTES + 4, MessageType.Credit);
      writer.u32(msg.bytes);
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
    default: {
      const unexpected: never = msg;
      throw new TypeError(`cannot encode a message of type ${JSON.stringify((unexpected as { type: unknown }).type)}`);
    }
  }
}

/**
 * Frames a channel's encoded message: as it is for the base channel (`index` null), whose codes must not be the
 * session's, else behind the channel's index in our capabilities; a bulk frame always carries its index.
 */
export function encodeChannelFrame(index: number | null, payload: Uint8Array, bulk = false): Uint8Array {
  if (index === null) {
    if (bulk) throw new RangeError('a bulk frame names its channel by index');
    if (payload.byteLength === 0 || !isBaseChannelCode(payload[0]!)) {
      throw new RangeError(`a base channel message cannot start with type code ${payload[0]}`);
    }
    return payload;
  }
  return encodeChannelFrameParts(index, [payload], bulk, (length) => new Uint8Array(length));
}

/**
 * A channel frame behind the channel's index, its payload given in consecutive parts (a file chunk's head and
 * its data) and copied once into a buffer from `alloc`: the stream's own, which it encrypts in place.
 */
export function encodeChannelFrameParts(index: number, parts: readonly Uint8Array[], bulk: boolean, alloc: (length: number) => Uint8Array): Uint8Array {
  checkUint(index, MAX_CAPABILITIES - 1, 'channel index');
  const frame = alloc(parts.reduce((sum, part) => sum + part.byteLength, TYPE_BYTES + 1));
  frame[0] = bulk ? MessageType.BulkChannel : MessageType.Channel;
  frame[TYPE_BYTES] = index;
  let at = TYPE_BYTES + 1;
  for (const part of parts) {
    frame.set(part, at);
    at += part.byteLength;
  }
  return frame;
}

/**
 * Decodes one whole message. A channel's message comes back as its frame, for that channel's codec to decode.
 * Payloads are views of the input: the channel codec copies what it keeps.
 */
export function decodeMessage(bytes: Uint8Array): DecodedMessage {
  const { typeCode, reader } = readerOf(bytes);
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
    case MessageType.Credit: {
      const credit = reader.u32('credit bytes');
      reader.end('credit');
      return { type: 'credit', bytes: credit };
    }
    case MessageType.Channel:
    case MessageType.BulkChannel: {
      const index = reader.u8('channel index');
      const payload = reader.rest();
      if (payload.byteLength === 0) throw new ProtocolError('empty channel message');
      return { type: 'channel', index, payload, bulk: typeCode === MessageType.BulkChannel };
    }
    default:
      if (typeCode >= FIRST_NEWER_SESSION_CODE) return { type: 'unknown', typeCode };
      return { type: 'channel', index: null, payload: bytes, bulk: false };
  }
}

function isByeReasonCode(code: number): code is ByeReasonCode {
  return BYE_REASON_CODES.has(code);
}
