import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { PREFACE_BYTES, PREFACE_MAGIC, PrefaceSniffer, encodePreface } from '../../shared/protocol/preface';
import type { SniffResult } from '../../shared/protocol/preface';
import { PROTOCOL_VERSION } from '../../shared/protocol/limits';

const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((part) => [...part]));
const text = (s: string) => new TextEncoder().encode(s);

/** Splits `bytes` at the given cut points (any numbers; reduced modulo the length). */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.byteLength + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const point of [...points, bytes.byteLength]) {
    chunks.push(bytes.subarray(start, point));
    start = point;
  }
  return chunks;
}

/** Feeds chunks until a verdict, then normalises it to "what the next layer gets": kind, version, all bytes. */
function sniff(chunks: Uint8Array[]): { kind: string; version?: number; bytes: Uint8Array } {
  const sniffer = new PrefaceSniffer();
  let index = 0;
  for (; index < chunks.length; index++) {
    const result: SniffResult = sniffer.push(chunks[index]);
    if (result.kind === 'need-more') continue;
    const following = chunks.slice(index + 1);
    if (result.kind === 'peerline') {
      return { kind: 'peerline', version: result.version, bytes: concat(result.rest, ...following) };
    }
    return { kind: 'foreign', bytes: concat(result.received, ...following) };
  }
  return { kind: 'need-more', bytes: new Uint8Array(sniffer.buffered) };
}

describe('preface', () => {
  it('is the magic, starting with NUL, then the version little-endian', () => {
    expect([...PREFACE_MAGIC]).toEqual([0x00, 0x50, 0x4c, 0x4e, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(PREFACE_BYTES).toBe(10);
    expect([...encodePreface(0x0102).subarray(8)]).toEqual([0x02, 0x01]);
    expect([...encodePreface().subarray(8)]).toEqual([PROTOCOL_VERSION, 0]);
  });

  it('refuses a version that does not fit 16 bits', () => {
    expect(() => encodePreface(0x10000)).toThrow(RangeError);
    expect(() => encodePreface(-1)).toThrow(RangeError);
  });
});

describe('PrefaceSniffer', () => {
  it('recognises a Peerline preface and hands over the bytes after it', () => {
    const result = new PrefaceSniffer().push(concat(encodePreface(7), Uint8Array.of(1, 2, 3)));
    expect(result).toEqual({ kind: 'peerline', version: 7, rest: Uint8Array.of(1, 2, 3) });
  });

  it('survives one-byte chunks', () => {
    const sniffer = new PrefaceSniffer();
    const preface = encodePreface(0xbeef);
    for (let i = 0; i < PREFACE_BYTES - 1; i++) {
      expect(sniffer.push(preface.subarray(i, i + 1))).toEqual({ kind: 'need-more' });
      expect(sniffer.buffered).toBe(i + 1);
    }
    expect(sniffer.push(preface.subarray(PREFACE_BYTES - 1)))
      .toEqual({ kind: 'peerline', version: 0xbeef, rest: new Uint8Array(0) });
  });

  it('calls a text peer foreign at its first byte and returns that chunk whole', () => {
    const hello = text('hello there\n');
    const result = new PrefaceSniffer().push(hello);
    expect(result).toEqual({ kind: 'foreign', received: hello });
  });

  it('calls foreign at the first byte that differs, returning the matched magic bytes too', () => {
    const sniffer = new PrefaceSniffer();
    expect(sniffer.push(PREFACE_MAGIC.subarray(0, 3))).toEqual({ kind: 'need-more' });
    expect(sniffer.push(Uint8Array.of(0x4e, 0x0a, 0x99)))
      .toEqual({ kind: 'foreign', received: Uint8Array.of(0x00, 0x50, 0x4c, 0x4e, 0x0a, 0x99) });
    expect(new PrefaceSniffer().push(Uint8Array.of(0x00, 0x50, 0x0a)))
      .toEqual({ kind: 'foreign', received: Uint8Array.of(0x00, 0x50, 0x0a) });
  });

  it('waits on an empty chunk', () => {
    const sniffer = new PrefaceSniffer();
    expect(sniffer.push(new Uint8Array(0))).toEqual({ kind: 'need-more' });
    expect(sniffer.buffered).toBe(0);
  });

  it('throws when pushed after its verdict', () => {
    const sniffer = new PrefaceSniffer();
    sniffer.push(text('x'));
    expect(() => sniffer.push(text('y'))).toThrow(/after the verdict/);
  });

  it('gives the same verdict and bytes however the input is split', () => {
    const prefaced = fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ maxLength: 40 }))
      .map(([version, rest]) => concat(encodePreface(version), rest));
    // Mostly a prefix of the magic followed by anything, so the mismatch lands at every position.
    const nearMiss = fc
      .tuple(fc.integer({ min: 0, max: PREFACE_BYTES }), fc.uint8Array({ minLength: 1, maxLength: 20 }))
      .map(([matched, tail]) => concat(encodePreface().subarray(0, matched), tail));
    const input = fc.oneof(prefaced, nearMiss, fc.uint8Array({ maxLength: 30 }));
    fc.assert(
      fc.property(input, fc.array(fc.nat(), { maxLength: 12 }), (bytes, cuts) => {
        const whole = sniff([bytes]);
        expect(sniff(split(bytes, cuts))).toEqual(whole);
        expect(sniff(split(bytes, [...bytes.keys()]))).toEqual(whole); // one byte at a time
        if (whole.kind === 'peerline') expect(whole.bytes).toEqual(bytes.subarray(PREFACE_BYTES));
        if (whole.kind === 'foreign') expect(whole.bytes).toEqual(bytes);
      }),
      { numRuns: 500 },
    );
  });

  it('random bytes never throw', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 16 }), { maxLength: 8 }), (chunks) => {
        expect(() => sniff(chunks)).not.toThrow();
      }),
      { numRuns: 500 },
    );
  });
});
