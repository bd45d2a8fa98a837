import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { readLines } from '../../electron/cli/json-mode';

/** Feeds `chunks` to readLines and collects what it hands on. */
async function linesOf(chunks: Array<string | Buffer>, maxBytes = 16): Promise<Array<string | null>> {
  const input = new PassThrough();
  const seen: Array<string | null> = [];
  const { closed } = readLines(input, maxBytes, (line) => seen.push(line));
  for (const chunk of chunks) input.write(chunk);
  input.end();
  await closed;
  return seen;
}

describe('readLines (the --json stdin reader)', () => {
  it('splits at newlines across chunks, drops a trailing CR, and hands on a last line without newline', async () => {
    expect(await linesOf(['{"a"', ':1}\n{"b":2}\r', '\n', 'last'])).toEqual(['{"a":1}', '{"b":2}', 'last']);
  });

  it('skips a line over the limit up to its newline, reports it once, and goes on', async () => {
    expect(await linesOf(['short\n', 'x'.repeat(10), 'y'.repeat(10), 'z'.repeat(100), '\nafter\n'])).toEqual(['short', null, 'after']);
    expect(await linesOf(['x'.repeat(40)])).toEqual([null]);
  });

  it('keeps multi-byte characters split between chunks whole', async () => {
    const text = Buffer.from('héllo 👋\n');
    expect(await linesOf([text.subarray(0, 2), text.subarray(2, 9), text.subarray(9)], 64)).toEqual(['héllo 👋']);
  });

  it('gives the same lines however the input is cut', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ maxLength: 12 }).filter((s) => !/[\r\n]/.test(s)), { maxLength: 8 }), fc.array(fc.nat(40), { maxLength: 6 }), async (lines, cuts) => {
        const whole = Buffer.from(lines.map((l) => l + '\n').join(''));
        const points = [...new Set(cuts.map((c) => c % (whole.length + 1)))].sort((a, b) => a - b);
        const chunks = [0, ...points].map((start, i, all) => whole.subarray(start, all[i + 1] ?? whole.length)).filter((c) => c.length > 0);
        expect(await linesOf(chunks, 1024)).toEqual(lines);
      }),
    );
  });
});
