import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { ProtocolError } from '../../shared/protocol/codec';
import { bytesEqual, fromHex, toHex, utf8ByteLength } from '../../shared/bytes';
import { ByeReason } from '../../shared/protocol/messages';
import { decodeMessage, encodeMessage, MessageType, type PeerMessage } from '../helpers/wire';
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
} from '../../shared/protocol/limits';

/** Strings of at most `maxLength` code points, ASCII or anywhere in Unicode (up to 4 UTF-8 bytes each). */
const text = (maxLength: number) =>
  fc.oneof(
    fc.string({ maxLength }),
    fc.string({ unit: 'binary', maxLength }),
    fc.string({ unit: 'binary-ascii', maxLength }),
  );
const messageId = fc.uint8Array({ minLength: MESSAGE_ID_BYTES, maxLength: MESSAGE_ID_BYTES });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });

const anyMessage: fc.Arbitrary<PeerMessage> = fc.oneof(
  fc.record({
    type: fc.constant('hello' as const),
    protocolVersion: u16,
    name: text(MAX_NAME_BYTES / 4),
    appVersion: text(MAX_APP_VERSION_BYTES / 4),
    listenPort: u16,
    capabilities: fc.array(text(MAX_CAPABILITY_BYTES / 4), { maxLength: MAX_CAPABILITIES }),
  }),
  fc.record({
    type: fc.constant('chat' as const),
    id: messageId,
    sentAt: fc.integer({ min: 0, max: MAX_TIMESTAMP_MS }),
    text: text(400),
  }),
  fc.record({ type: fc.constant('ack' as const), ids: fc.array(messageId, { minLength: 1, maxLength: 40 }) }),
  fc.record({ type: fc.constant('typing' as const), active: fc.boolean() }),
  fc.record({ type: fc.constant('ping' as const), nonce: u32 }),
  fc.record({ type: fc.constant('pong' as const), nonce: u32 }),
  fc.record({
    type: fc.constant('bye' as const),
    code: fc.constantFrom(...Object.values(ByeReason)),
    reason: text(MAX_REASON_BYTES / 4),
  }),
  fc.record({ type: fc.constant('read' as const), upTo: messageId }),
);

const id = (fill: number) => new Uint8Array(MESSAGE_ID_BYTES).fill(fill);
const hello = (overrides: Partial<Extract<PeerMessage, { type: 'hello' }>> = {}): PeerMessage => ({
  type: 'hello',
  protocolVersion: 1,
  name: 'Ada',
  appVersion: '0.1.0',
  listenPort: 8000,
  capabilities: [],
  ...overrides,
});
const chat = (overrides: Partial<Extract<PeerMessage, { type: 'chat' }>> = {}): PeerMessage => ({
  type: 'chat',
  id: id(7),
  sentAt: 1_700_000_000_000,
  text: 'hello',
  ...overrides,
});

/** The thrown value, for asserting its class; fails the test when nothing is thrown. */
function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

function expectProtocolError(bytes: Uint8Array, message?: RegExp): void {
  const error = thrownBy(() => decodeMessage(bytes));
  expect(error).toBeInstanceOf(ProtocolError);
  if (message) expect((error as Error).message).toMatch(message);
}

/** A chat message whose sentAt float is `sentAt`, bypassing the encoder's own check. */
function chatWithRawSentAt(sentAt: number): Uint8Array {
  const bytes = encodeMessage(chat());
  new DataView(bytes.buffer).setFloat64(1 + MESSAGE_ID_BYTES, sentAt, true);
  return bytes;
}

describe('codec round trips', () => {
  it('decodes what it encodes, for every message type', () => {
    fc.assert(
      fc.property(anyMessage, (msg) => {
        expect(decodeMessage(encodeMessage(msg))).toEqual(msg);
      }),
      { numRuns: 500 },
    );
  });

  it('re-encodes every message it accepts to the same bytes (one encoding per message)', () => {
    fc.assert(
      fc.property(anyMessage, fc.nat(), fc.integer({ min: 0, max: 255 }), (msg, position, byte) => {
        const bytes = encodeMessage(msg);
        bytes[position % bytes.byteLength] = byte;
        let decoded;
        try {
          decoded = decodeMessage(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(ProtocolError);
          return;
        }
        // A bye code this version does not know reads as Other (see below), so it encodes back as Other.
        const byeOfNewerPeer = decoded.type === 'bye' && bytes[1] !== decoded.code;
        if (decoded.type !== 'unknown' && !byeOfNewerPeer) expect(encodeMessage(decoded)).toEqual(bytes);
      }),
      { numRuns: 500 },
    );
  });

  it.each([
    ['3-byte', '€'.repeat((MAX_TEXT_BYTES - 1) / 3) + 'a'],
    ['4-byte', '😀'.repeat(MAX_TEXT_BYTES / 4)],
  ])('round-trips a chat text of exactly the cap in %s characters', (_, fullText) => {
    const bytes = encodeMessage(chat({ text: fullText }));
    expect(bytes.byteLength).toBe(1 + MESSAGE_ID_BYTES + 8 + 4 + MAX_TEXT_BYTES);
    expect(decodeMessage(bytes)).toEqual(chat({ text: fullText }));
  });

  it('allocates a chat message at exactly its encoded size', () => {
    const bytes = encodeMessage(chat({ text: 'héllo' }));
    expect(bytes.byteLength).toBe(1 + MESSAGE_ID_BYTES + 8 + 4 + 6);
    expect(bytes.buffer.byteLength).toBe(bytes.byteLength);
  });

  it('keeps a leading byte-order mark in the text', () => {
    const msg = chat({ text: '\uFEFFstill here' });
    expect(decodeMessage(encodeMessage(msg))).toEqual(msg);
  });

  it('round-trips the largest ack and a hello with every limit at its cap', () => {
    const ack: PeerMessage = { type: 'ack', ids: Array.from({ length: MAX_ACK_IDS }, (_, i) => id(i % 256)) };
    expect(decodeMessage(encodeMessage(ack))).toEqual(ack);
    const fullHello = hello({
      protocolVersion: 0xffff,
      name: 'n'.repeat(MAX_NAME_BYTES),
      appVersion: 'v'.repeat(MAX_APP_VERSION_BYTES),
      listenPort: 0xffff,
      capabilities: Array.from({ length: MAX_CAPABILITIES }, () => 'c'.repeat(MAX_CAPABILITY_BYTES)),
    });
    expect(decodeMessage(encodeMessage(fullHello))).toEqual(fullHello);
    const bye: PeerMessage = { type: 'bye', code: ByeReason.Other, reason: 'r'.repeat(MAX_REASON_BYTES) };
    expect(decodeMessage(encodeMessage(bye))).toEqual(bye);
  });

  it('encodes a read receipt as its type code and the 16-byte id, nothing more', () => {
    const bytes = encodeMessage({ type: 'read', upTo: id(9) });
    expect(MessageType.Read).toBe(8);
    expect(bytes).toEqual(Uint8Array.of(MessageType.Read, ...id(9)));
    expect(decodeMessage(bytes)).toEqual({ type: 'read', upTo: id(9) });
  });

  it('returns ids as copies that do not change with the input buffer', () => {
    const bytes = encodeMessage(chat({ id: id(1) }));
    const decoded = decodeMessage(bytes);
    bytes.fill(0xee);
    expect(decoded).toMatchObject({ id: id(1) });
  });

  it('decodes from a view into a larger buffer', () => {
    const encoded = encodeMessage(chat());
    const larger = new Uint8Array(encoded.byteLength + 10).fill(0xff);
    larger.set(encoded, 5);
    expect(decodeMessage(larger.subarray(5, 5 + encoded.byteLength))).toEqual(chat());
  });
});

describe('codec encoding limits', () => {
  const rejected: Array<[string, PeerMessage]> = [
    ['a text one byte over the cap', chat({ text: 'x'.repeat(MAX_TEXT_BYTES + 1) })],
    ['a text over the cap only in bytes', chat({ text: '€'.repeat(MAX_TEXT_BYTES / 3 + 1) })],
    ['a short id', chat({ id: new Uint8Array(15) })],
    ['a short read id', { type: 'read', upTo: new Uint8Array(15) }],
    ['a long read id', { type: 'read', upTo: new Uint8Array(17) }],
    ['a fractional sentAt', chat({ sentAt: 1.5 })],
    ['a negative sentAt', chat({ sentAt: -1 })],
    ['a NaN sentAt', chat({ sentAt: Number.NaN })],
    ['a sentAt past the Date range', chat({ sentAt: MAX_TIMESTAMP_MS + 1 })],
    ['an empty ack', { type: 'ack', ids: [] }],
    ['an ack over the cap', { type: 'ack', ids: Array.from({ length: MAX_ACK_IDS + 1 }, () => id(0)) }],
    ['a nonce over 32 bits', { type: 'ping', nonce: 2 ** 32 }],
    ['a negative nonce', { type: 'pong', nonce: -1 }],
    ['an unknown bye code', { type: 'bye', code: 9 as never, reason: '' }],
    ['a bye reason over the cap', { type: 'bye', code: ByeReason.Quit, reason: 'r'.repeat(MAX_REASON_BYTES + 1) }],
    ['too many capabilities', hello({ capabilities: Array<string>(MAX_CAPABILITIES + 1).fill('c') })],
    ['a capability over the cap', hello({ capabilities: ['c'.repeat(MAX_CAPABILITY_BYTES + 1)] })],
    ['a name over the cap', hello({ name: 'n'.repeat(MAX_NAME_BYTES + 1) })],
    ['an app version over the cap', hello({ appVersion: 'v'.repeat(MAX_APP_VERSION_BYTES + 1) })],
    ['a listen port over 16 bits', hello({ listenPort: 65536 })],
    ['a protocol version over 16 bits', hello({ protocolVersion: 65536 })],
  ];

  it.each(rejected)('refuses to encode %s with a RangeError', (_, msg) => {
    expect(() => encodeMessage(msg)).toThrow(RangeError);
  });

  it('names the field and the cap in the error', () => {
    expect(() => encodeMessage(chat({ text: 'x'.repeat(MAX_TEXT_BYTES + 1) }))).toThrow(
      `chat text of ${MAX_TEXT_BYTES + 1} bytes exceeds the cap of ${MAX_TEXT_BYTES}`,
    );
  });
});

describe('codec decoding hostile input', () => {
  it('rejects empty input', () => {
    expectProtocolError(new Uint8Array(0), /empty/);
  });

  it('rejects a message larger than the cap without reading it', () => {
    const huge = new Uint8Array(MAX_MESSAGE_BYTES + 1);
    huge[0] = MessageType.Chat;
    expectProtocolError(huge, /exceeds the cap/);
  });

  it('rejects every truncation of every message type', () => {
    fc.assert(
      fc.property(anyMessage, (msg) => {
        const bytes = encodeMessage(msg);
        for (let length = 1; length < bytes.byteLength; length++) expectProtocolError(bytes.subarray(0, length));
      }),
      { numRuns: 200 },
    );
  });

  it('rejects trailing bytes after any message', () => {
    fc.assert(
      fc.property(anyMessage, fc.uint8Array({ minLength: 1, maxLength: 8 }), (msg, extra) => {
        const bytes = encodeMessage(msg);
        const padded = new Uint8Array(bytes.byteLength + extra.byteLength);
        padded.set(bytes);
        padded.set(extra, bytes.byteLength);
        expectProtocolError(padded, /trailing/);
      }),
      { numRuns: 200 },
    );
  });

  it('rejects a text length over the cap before looking for the text', () => {
    const bytes = encodeMessage(chat({ text: '' }));
    new DataView(bytes.buffer).setUint32(1 + MESSAGE_ID_BYTES + 8, MAX_TEXT_BYTES + 1, true);
    expectProtocolError(bytes, /chat text of 65537 bytes exceeds the cap/);
  });

  it('rejects invalid UTF-8, including encoded surrogates and overlong forms', () => {
    for (const invalid of [[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82]]) {
      const bytes = encodeMessage(chat({ text: 'x'.repeat(invalid.length) }));
      bytes.set(invalid, bytes.byteLength - invalid.length);
      expectProtocolError(bytes, /not valid UTF-8/);
    }
  });

  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a negative time', -1],
    ['a fraction', 0.5],
    ['a time past the Date range', MAX_TIMESTAMP_MS + 1],
  ])('rejects a sentAt of %s', (_, sentAt) => {
    expectProtocolError(chatWithRawSentAt(sentAt), /sentAt/);
  });

  it('rejects an ack of no ids or more than the cap', () => {
    expectProtocolError(Uint8Array.of(MessageType.Ack, 0, 0), /ack carries 0 ids/);
    const overCap = new Uint8Array(3 + (MAX_ACK_IDS + 1) * MESSAGE_ID_BYTES);
    overCap[0] = MessageType.Ack;
    new DataView(overCap.buffer).setUint16(1, MAX_ACK_IDS + 1, true);
    expectProtocolError(overCap, /ack carries 1025 ids/);
  });

  it('rejects a read receipt whose id is missing, short or long', () => {
    expectProtocolError(Uint8Array.of(MessageType.Read), /truncated read id: needs 16 bytes, 0 left/);
    expectProtocolError(Uint8Array.of(MessageType.Read, ...new Uint8Array(MESSAGE_ID_BYTES - 1)), /truncated read id: needs 16 bytes, 15 left/);
    expectProtocolError(Uint8Array.of(MessageType.Read, ...new Uint8Array(MESSAGE_ID_BYTES + 1)), /1 trailing bytes after a read message/);
  });

  it('returns a read receipt id as a copy', () => {
    const bytes = encodeMessage({ type: 'read', upTo: id(3) });
    const decoded = decodeMessage(bytes);
    bytes.fill(0xee);
    expect(decoded).toEqual({ type: 'read', upTo: id(3) });
  });

  it('rejects a typing flag other than 0 or 1', () => {
    expectProtocolError(Uint8Array.of(MessageType.Typing, 2), /typing flag/);
  });

  it('reads a bye code from a newer peer as Other: it is leaving all the same', () => {
    expect(decodeMessage(Uint8Array.of(MessageType.Bye, 200, 2, 0, 0x68, 0x69))).toEqual({ type: 'bye', code: ByeReason.Other, reason: 'hi' });
  });

  it('knows the bye of a person who disconnected on purpose', () => {
    const bytes = encodeMessage({ type: 'bye', code: ByeReason.UserClosed, reason: 'closed by the user' });
    expect(decodeMessage(bytes)).toEqual({ type: 'bye', code: ByeReason.UserClosed, reason: 'closed by the user' });
  });

  it('rejects a hello declaring more capabilities than the cap', () => {
    const bytes = encodeMessage(hello({ capabilities: [] }));
    bytes[bytes.byteLength - 1] = MAX_CAPABILITIES + 1;
    expectProtocolError(bytes, /capabilities/);
  });

  it('passes over an unknown type code as a newer peer message, whatever follows it', () => {
    expect(decodeMessage(Uint8Array.of(0))).toEqual({ type: 'unknown', typeCode: 0 });
    expect(decodeMessage(Uint8Array.of(200, 1, 2, 3))).toEqual({ type: 'unknown', typeCode: 200 });
  });

  it('random bytes throw only ProtocolError', () => {
    const knownTypeThenRandom = fc
      .tuple(fc.integer({ min: 1, max: MessageType.Read }), fc.uint8Array({ maxLength: 200 }))
      .map(([type, body]) => Uint8Array.of(type, ...body));
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), knownTypeThenRandom), (bytes) => {
        try {
          decodeMessage(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('byte helpers the codec relies on', () => {
  it('measures UTF-8 exactly as TextEncoder writes it, lone surrogates included', () => {
    const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit));
    fc.assert(
      fc.property(fc.oneof(text(50), fc.string({ unit: anyCodeUnit, maxLength: 50 })), (s) => {
        expect(utf8ByteLength(s)).toBe(new TextEncoder().encode(s).byteLength);
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips hex in either case and refuses odd or non-hex input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        const hex = toHex(bytes);
        expect(hex).toMatch(/^[0-9a-f]*$/);
        expect(fromHex(hex)).toEqual(bytes);
        expect(fromHex(hex.toUpperCase())).toEqual(bytes);
      }),
      { numRuns: 200 },
    );
    expect(() => fromHex('abc')).toThrow(RangeError);
    expect(() => fromHex('0g')).toThrow(RangeError);
    expect(() => fromHex('+1')).toThrow(RangeError);
  });

  it('compares bytes by value', () => {
    expect(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2))).toBe(true);
    expect(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 3))).toBe(false);
    expect(bytesEqual(Uint8Array.of(1), Uint8Array.of(1, 0))).toBe(false);
  });
});
