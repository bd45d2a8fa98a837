import { link, open, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { partPathOf, putInPlace } from '../../electron/core/features/files/disk';
import type { OfferPart } from '../../electron/core/features/files/messages';
import { addOfferPart } from '../../electron/core/features/files/offer-rules';
import { cleanUp, tempDir } from '../helpers/peers';

afterEach(cleanUp);

async function partWith(dir: string, name: string, text: string) {
  const finalPath = path.join(dir, name);
  const partPath = partPathOf(finalPath);
  await writeFile(partPath, text);
  return { finalPath, partPath, handle: await open(partPath, 'r+') };
}

const noSync = async () => {};

describe('putting a finished file in place', () => {
  it('takes the name when it is free, records it, and removes the part file', async () => {
    const dir = await tempDir();
    const { finalPath, partPath, handle } = await partWith(dir, 'a.txt', 'new');
    const recorded: string[] = [];
    expect(await putInPlace(handle, partPath, finalPath, noSync, async (file) => void recorded.push(file))).toBe(finalPath);
    expect(recorded).toEqual([finalPath]);
    expect(await readdir(dir)).toEqual(['a.txt']);
  });

  it('never overwrites: the next free numbered name', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'a.txt'), 'mine');
    await writeFile(path.join(dir, 'a (1).txt'), 'mine too');
    const { finalPath, partPath, handle } = await partWith(dir, 'a.txt', 'new');
    const placed = await putInPlace(handle, partPath, finalPath, noSync, noSync);
    expect(placed).toBe(path.join(dir, 'a (2).txt'));
    expect(await readFile(path.join(dir, 'a.txt'), 'utf8')).toBe('mine');
    expect(await readFile(placed, 'utf8')).toBe('new');
  });

  it('after a crash between the link and its record, the name that is already this very file is taken, not a copy', async () => {
    const dir = await tempDir();
    const { finalPath, partPath, handle } = await partWith(dir, 'a.txt', 'new');
    await link(partPath, finalPath); // the earlier run got this far
    expect(await putInPlace(handle, partPath, finalPath, noSync, noSync)).toBe(finalPath);
    expect(await readdir(dir)).toEqual(['a.txt']);
  });
});

describe('an offer in parts', () => {
  const part = (first: number, count: number, last: boolean, extra: Partial<OfferPart> = {}): OfferPart => ({
    type: 'offer',
    transfer: new Uint8Array(16),
    algorithm: 'sha256-blocks',
    blockBytes: 1024,
    itemCount: 5,
    totalBytes: 5,
    first,
    last,
    items: Array.from({ length: count }, (_, i) => ({ path: `d/${first + i}`, size: 1, kind: 0 })),
    ...extra,
  });

  it('parts back to back make one offer, with no answer between them', () => {
    const one = addOfferPart(undefined, part(0, 2, false));
    expect(one.kind).toBe('more');
    const two = addOfferPart(one.kind === 'more' ? one.assembly : undefined, part(2, 3, true));
    expect(two.kind === 'complete' && two.assembly.items.map((i) => i.path)).toEqual(['d/0', 'd/1', 'd/2', 'd/3', 'd/4']);
  });

  it.each([
    ['a part out of order', [part(0, 2, false), part(3, 2, true)], /file 4 came where file 3 was due/],
    ['parts that disagree', [part(0, 2, false), part(2, 3, true, { totalBytes: 9 })], /do not agree/],
    ['more files than announced', [part(0, 2, false), part(2, 4, true)], /announced 5 files and sent more/],
    ['fewer files than announced', [part(0, 2, false), part(2, 1, true)], /announced 5 files and sent 3/],
  ])('%s is refused', (_what, parts, reason) => {
    let assembly;
    let verdict;
    for (const p of parts) {
      verdict = addOfferPart(assembly, p);
      if (verdict.kind === 'more') assembly = verdict.assembly;
    }
    expect(verdict).toMatchObject({ kind: 'refuse', reason: expect.stringMatching(reason) });
  });
});
