import { createRequire } from 'node:module';
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { FrameGuard } from '../../shared/protocol/frame-guard';
import { ProtocolError } from '../../shared/protocol/codec';
import {
  MAX_ENCRYPTED_FRAME_BYTES,
  MAX_HANDSHAKE_FRAME_BYTES,
  MAX_MESSAGE_BYTES,
  SECRET_STREAM_FRAME_OVERHEAD_BYTES,
  SECRET_STREAM_HEADER_FRAME_BYTES,
} from '../../shared/protocol/limits';

/** The few members of the untyped CommonJS package this test touches. */
interface RawSecretStream {
  rawStream: { on(event: 'data', listener: (chunk: Uint8Array) => void): void; write(chunk: Uint8Array): void };
  on(event: 'data', listener: (data: Uint8Array) => void): void;
  write(data: Uint8Array): void;
  destroy(): void;
}
const SecretStream = createRequire(import.meta.url)('@hyperswarm/secret-stream') as new (
  isInitiator: boolean,
) => RawSecretStream;

const lengthPrefix = (length: number) => Uint8Array.of(length & 0xff, (length >>> 8) & 0xff, length >>> 16);
const frame = (length: number) => concat(lengthPrefix(length), new Uint8Array(length).fill(0xab));
const concat = (...parts: Uint8Array[]) => {
  const joined = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.byteLength;
  }
  return joined;
};

/** What a responder receives: Noise messages 1 and 3, the header, then data frames. */
const responderInbound = (...dataFrameLengths: number[]) =>
  concat(frame(32), frame(64), frame(SECRET_STREAM_HEADER_FRAME_BYTES), ...dataFrameLengths.map(frame));
/** What an initiator receives: Noise message 2, the header, then data frames. */
const initiatorInbound = (...dataFrameLengths: number[]) =>
  concat(frame(96), frame(SECRET_STREAM_HEADER_FRAME_BYTES), ...dataFrameLengths.map(frame));

function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.byteLength + 1)))].sort((a, b) => a - b);
  return [...points, bytes.byteLength].map((point, i, all) => bytes.subarray(i === 0 ? 0 : all[i - 1], point));
}

/** Feeds chunks and reports how far the guard got: frames passed, and the rejection if there was one. */
function run(isInitiator: boolean, chunks: Uint8Array[], maxFrameBytes?: number) {
  const guard = new FrameGuard({ isInitiator, maxFrameBytes });
  let bytesForwarded = 0;
  try {
    for (const chunk of chunks) {
      guard.inspect(chunk);
      bytesForwarded += chunk.byteLength;
    }
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    return { framesSeen: guard.framesSeen, bytesForwarded, rejection: (error as Error).message };
  }
  return { framesSeen: guard.framesSeen, bytesForwarded, rejection: null };
}

function rejectionOf(isInitiator: boolean, bytes: Uint8Array, maxFrameBytes?: number): string | null {
  return run(isInitiator, [bytes], maxFrameBytes).rejection;
}

describe('FrameGuard', () => {
  it('passes a well-formed stream on both sides, counting frames', () => {
    const maxData = MAX_ENCRYPTED_FRAME_BYTES;
    expect(run(false, [responderInbound(SECRET_STREAM_FRAME_OVERHEAD_BYTES, 100, maxData)]))
      .toMatchObject({ framesSeen: 6, rejection: null });
    expect(run(true, [initiatorInbound(SECRET_STREAM_FRAME_OVERHEAD_BYTES, maxData)]))
      .toMatchObject({ framesSeen: 4, rejection: null });
  });

  it('survives one-byte chunks', () => {
    const bytes = responderInbound(17, 18, 300);
    const oneByteChunks = [...bytes.keys()].map((i) => bytes.subarray(i, i + 1));
    expect(run(false, oneByteChunks)).toEqual({ framesSeen: 6, bytesForwarded: bytes.byteLength, rejection: null });
  });

  it('rejects a frame larger than the cap before its body arrives', () => {
    expect(rejectionOf(false, lengthPrefix(0xffffff))).toBe(
      `frame of ${0xffffff} bytes exceeds the cap of ${MAX_HANDSHAKE_FRAME_BYTES} during the handshake`,
    );
    const afterHandshake = responderInbound().byteLength;
    const bytes = concat(responderInbound(), lengthPrefix(MAX_ENCRYPTED_FRAME_BYTES + 1));
    expect(run(false, [bytes.subarray(0, afterHandshake), bytes.subarray(afterHandshake)])).toEqual({
      framesSeen: 3,
      bytesForwarded: afterHandshake,
      rejection: `frame of ${MAX_ENCRYPTED_FRAME_BYTES + 1} bytes exceeds the cap of ${MAX_ENCRYPTED_FRAME_BYTES}`,
    });
  });

  it('rejects at the third length byte when the length arrives one byte at a time', () => {
    const guard = new FrameGuard({ isInitiator: true });
    guard.inspect(Uint8Array.of(0x00));
    guard.inspect(Uint8Array.of(0x00));
    expect(() => guard.inspect(Uint8Array.of(0x01))).toThrow(ProtocolError);
  });

  it('allows a handshake frame of exactly the cap and not one byte more', () => {
    expect(rejectionOf(true, frame(MAX_HANDSHAKE_FRAME_BYTES))).toBeNull();
    expect(rejectionOf(true, lengthPrefix(MAX_HANDSHAKE_FRAME_BYTES + 1))).toMatch(/during the handshake/);
  });

  it('rejects an empty handshake frame', () => {
    expect(rejectionOf(false, lengthPrefix(0))).toMatch(/empty frame during the handshake/);
  });

  it('expects exactly one handshake frame as initiator and two as responder', () => {
    // A second Noise-sized frame where the initiator expects the header.
    expect(rejectionOf(true, concat(frame(96), lengthPrefix(64)))).toBe(
      `header frame of 64 bytes, expected exactly ${SECRET_STREAM_HEADER_FRAME_BYTES}`,
    );
    expect(rejectionOf(false, concat(frame(32), frame(64), frame(64)))).toMatch(/header frame of 64 bytes/);
  });

  it.each([SECRET_STREAM_HEADER_FRAME_BYTES - 1, SECRET_STREAM_HEADER_FRAME_BYTES + 1])(
    'rejects a header frame of %i bytes',
    (length) => {
      expect(rejectionOf(true, concat(frame(96), lengthPrefix(length)))).toMatch(/header frame/);
    },
  );

  it('rejects a data frame shorter than the encryption overhead', () => {
    const bytes = concat(initiatorInbound(), lengthPrefix(SECRET_STREAM_FRAME_OVERHEAD_BYTES - 1));
    expect(rejectionOf(true, bytes)).toMatch(/shorter than the 17-byte encryption overhead/);
  });

  it('applies a smaller cap for data frames when asked', () => {
    expect(rejectionOf(true, initiatorInbound(1000), 1000)).toBeNull();
    expect(rejectionOf(true, concat(initiatorInbound(), lengthPrefix(1001)), 1000))
      .toBe('frame of 1001 bytes exceeds the cap of 1000');
  });

  it('refuses a cap that is not a possible frame length', () => {
    for (const maxFrameBytes of [0, SECRET_STREAM_FRAME_OVERHEAD_BYTES - 1, 0x1000000, 1.5, Number.NaN]) {
      expect(() => new FrameGuard({ isInitiator: true, maxFrameBytes })).toThrow(RangeError);
    }
  });

  it('stays rejected once it has thrown', () => {
    const guard = new FrameGuard({ isInitiator: false });
    expect(() => guard.inspect(lengthPrefix(0xffffff))).toThrow(ProtocolError);
    expect(() => guard.inspect(new Uint8Array(0))).toThrow(/exceeds the cap/);
    expect(() => guard.inspect(frame(32))).toThrow(/exceeds the cap/);
  });

  it('reaches the same verdict however the bytes are split', () => {
    const cutPoints = fc.array(fc.nat(), { maxLength: 20 });
    const dataFrame = fc.oneof(
      fc.integer({ min: SECRET_STREAM_FRAME_OVERHEAD_BYTES, max: 200 }),
      fc.integer({ min: 0, max: 0xffffff }), // mostly hostile
    );
    fc.assert(
      fc.property(fc.boolean(), fc.array(dataFrame, { maxLength: 5 }), cutPoints, (isInitiator, lengths, cuts) => {
        // Hostile lengths arrive as a bare prefix: the guard must decide before any body.
        const bodies = lengths.map((length) => (length <= 200 ? frame(length) : lengthPrefix(length)));
        const bytes = concat(isInitiator ? initiatorInbound() : responderInbound(), ...bodies);
        const whole = run(isInitiator, [bytes]);
        const pieces = run(isInitiator, split(bytes, cuts));
        expect([pieces.framesSeen, pieces.rejection]).toEqual([whole.framesSeen, whole.rejection]);
        expect(run(isInitiator, split(bytes, [...bytes.keys()])).rejection).toBe(whole.rejection);
      }),
      { numRuns: 300 },
    );
  });

  it('random bytes throw only ProtocolError', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 10 }), (initiator, chunks) => {
        run(initiator, chunks); // `run` asserts the class of anything thrown
      }),
      { numRuns: 500 },
    );
  });

  it('passes a real secret-stream session, largest message included, in one-byte chunks too', async () => {
    const initiator = new SecretStream(true);
    const responder = new SecretStream(false);
    const toResponder: Uint8Array[] = [];
    const toInitiator: Uint8Array[] = [];
    const responderGuard = new FrameGuard({ isInitiator: false });
    const initiatorGuard = new FrameGuard({ isInitiator: true });
    initiator.rawStream.on('data', (chunk) => {
      responderGuard.inspect(chunk);
      toResponder.push(chunk.slice());
      responder.rawStream.write(chunk);
    });
    responder.rawStream.on('data', (chunk) => {
      initiatorGuard.inspect(chunk);
      toInitiator.push(chunk.slice());
      initiator.rawStream.write(chunk);
    });
    const received: number[] = [];
    const allArrived = new Promise<void>((resolve) => {
      responder.on('data', (data) => {
        received.push(data.byteLength);
        if (received.length === 3) resolve();
      });
    });
    initiator.write(new Uint8Array(1));
    initiator.write(new Uint8Array(MAX_MESSAGE_BYTES));
    initiator.write(new Uint8Array(5));
    responder.write(new Uint8Array(3));
    await allArrived;
    initiator.destroy();
    responder.destroy();

    expect(received).toEqual([1, MAX_MESSAGE_BYTES, 5]);
    expect(responderGuard.framesSeen).toBe(2 + 1 + 3);
    const replayToResponder = concat(...toResponder);
    const oneByteChunks = [...replayToResponder.keys()].map((i) => replayToResponder.subarray(i, i + 1));
    expect(run(false, oneByteChunks)).toMatchObject({ framesSeen: 6, rejection: null });
    expect(run(true, [concat(...toInitiator)]).rejection).toBeNull();
  });
});

describe('a stream whose handshake ran elsewhere (HyperDHT)', () => {
  it('starts at the header frame and caps data frames from the first byte', () => {
    const guard = new FrameGuard({ isInitiator: true, handshakeDone: true, maxFrameBytes: 1000 });
    expect(() => guard.inspect(frame(56))).not.toThrow();
    expect(() => guard.inspect(frame(1000))).not.toThrow();
    expect(() => guard.inspect(lengthPrefix(1001))).toThrow(/exceeds the cap of 1000/);
  });

  it('refuses a first frame that is not the 56-byte header', () => {
    expect(() => new FrameGuard({ isInitiator: false, handshakeDone: true }).inspect(lengthPrefix(96))).toThrow(/header frame of 96 bytes/);
  });
});
