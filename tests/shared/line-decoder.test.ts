import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { LineDecoder } from '../../shared/protocol/line-decoder';
import { ProtocolError } from '../../shared/protocol/codec';
import { MAX_PLAIN_LINE_BYTES } from '../../shared/protocol/limits';

const utf8 = (s: string) => new TextEncoder().encode(s);

function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.byteLength + 1)))].sort((a, b) => a - b);
  return [...points, bytes.byteLength].map((point, i, all) => bytes.subarray(i === 0 ? 0 : all[i - 1], point));
}

/** Every line the chunks produce, then what a flush returns. */
function decodeAll(chunks: Uint8Array[], maxLineBytes?: number): { lines: string[]; flushed: string | null } {
  const decoder = new LineDecoder(maxLineBytes);
  const lines = chunks.flatMap((chunk) => decoder.push(chunk));
  return { lines, flushed: decoder.flush() };
}

describe('LineDecoder', () => {
  it('splits lines at LF, strips a CR before it, and drops empty lines', () => {
    expect(decodeAll([utf8('one\ntwo\r\n\n\r\nthree')])).toEqual({ lines: ['one', 'two'], flushed: 'three' });
  });

  it('keeps other whitespace and a CR that does not end the line', () => {
    expect(decodeAll([utf8('  a\rb \t\n')]).lines).toEqual(['  a\rb \t']);
  });

  it('survives one-byte chunks', () => {
    const bytes = utf8('héllo wörld\r\n😀 in one\nrest');
    const decoder = new LineDecoder();
    const lines = [...bytes.keys()].flatMap((i) => decoder.push(bytes.subarray(i, i + 1)));
    expect(lines).toEqual(['héllo wörld', '😀 in one']);
    expect(decoder.pendingBytes).toBe(4);
    expect(decoder.flush()).toBe('rest');
  });

  it('decodes a UTF-8 character split across chunks', () => {
    const euro = utf8('€\n'); // E2 82 AC 0A
    const decoder = new LineDecoder();
    expect(decoder.push(euro.subarray(0, 1))).toEqual([]);
    expect(decoder.push(euro.subarray(1, 2))).toEqual([]);
    expect(decoder.push(euro.subarray(2))).toEqual(['€']);
  });

  it('replaces invalid UTF-8 instead of failing: plain peers are not held to the protocol', () => {
    expect(decodeAll([Uint8Array.of(0x61, 0xff, 0x62, 0x0a)]).lines).toEqual(['a\uFFFDb']);
  });

  it('gives the same lines however the bytes are split', () => {
    const piece = fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.constantFrom('\n', '\r\n', '\r', ''));
    const plainText = fc.array(piece, { maxLength: 20 });
    fc.assert(
      fc.property(plainText, fc.array(fc.nat(), { maxLength: 30 }), (parts, cuts) => {
        const bytes = utf8(parts.join(''));
        const whole = decodeAll([bytes]);
        expect(decodeAll(split(bytes, cuts))).toEqual(whole);
        expect(decodeAll(split(bytes, [...bytes.keys()]))).toEqual(whole);
        const expected = parts.join('').split('\n').map((line) => line.replace(/\r$/, '').replace(/^\uFEFF/, ''));
        const unfinished = expected.pop() ?? '';
        expect(whole.lines).toEqual(expected.filter((line) => line !== ''));
        expect(whole.flushed).toBe(unfinished === '' ? null : unfinished);
      }),
      { numRuns: 500 },
    );
  });

  it('returns the pending partial line once on flush, then null', () => {
    const decoder = new LineDecoder();
    expect(decoder.flush()).toBeNull();
    expect(decoder.push(utf8('hello from python'))).toEqual([]);
    expect(decoder.pendingBytes).toBe(17);
    expect(decoder.flush()).toBe('hello from python');
    expect(decoder.pendingBytes).toBe(0);
    expect(decoder.flush()).toBeNull();
  });

  it('treats a CR flushed before its LF as one line, not two', () => {
    const decoder = new LineDecoder();
    decoder.push(utf8('hi\r'));
    expect(decoder.flush()).toBe('hi');
    expect(decoder.push(utf8('\n'))).toEqual([]);
  });

  it('rejects a megabyte without a newline, before holding it', () => {
    const decoder = new LineDecoder();
    const chunk = new Uint8Array(64 * 1024).fill(0x61);
    let thrown: unknown = null;
    let chunksTaken = 0;
    try {
      for (; chunksTaken < 16; chunksTaken++) decoder.push(chunk);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ProtocolError);
    expect(chunksTaken).toBe(1); // the second 64 KiB would pass the cap
    expect(decoder.pendingBytes).toBe(0);
  });

  it('allows a line of exactly the cap and rejects one byte more, whole or in pieces', () => {
    const cap = 8;
    expect(decodeAll([utf8('12345678\n')], cap).lines).toEqual(['12345678']);
    expect(() => decodeAll([utf8('123456789\n')], cap)).toThrow(ProtocolError);
    expect(() => decodeAll([utf8('1234'), utf8('56789')], cap)).toThrow(ProtocolError);
    expect(MAX_PLAIN_LINE_BYTES).toBeGreaterThan(cap);
  });

  it('counts a CR before the newline toward the cap, so a split cannot change the verdict', () => {
    expect(() => decodeAll([utf8('12345678\r\n')], 8)).toThrow(ProtocolError);
    expect(() => decodeAll([utf8('12345678\r'), utf8('\n')], 8)).toThrow(ProtocolError);
  });

  it('stays rejected once it has thrown', () => {
    const decoder = new LineDecoder(4);
    expect(() => decoder.push(utf8('too long'))).toThrow(ProtocolError);
    expect(() => decoder.push(utf8('ok\n'))).toThrow(ProtocolError);
    expect(() => decoder.flush()).toThrow(ProtocolError);
  });

  it('does not depend on the caller keeping its buffer', () => {
    const decoder = new LineDecoder();
    const reused = utf8('abc');
    decoder.push(reused);
    reused.fill(0x7a);
    expect(decoder.push(utf8('\n'))).toEqual(['abc']);
  });

  it('random bytes throw only ProtocolError', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 10 }), (chunks) => {
        try {
          decodeAll(chunks, 32);
        } catch (error) {
          expect(error).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: 500 },
    );
  });
});
