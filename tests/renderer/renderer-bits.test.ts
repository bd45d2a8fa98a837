/** Small renderer helpers and styles that the history view relies on. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { prunedSizeCache } from '../../renderer/lib/timeline';

describe('the history view', () => {
  it('lets go of measured sizes of rows long gone once there are many more of them than rows', () => {
    const rows = Array.from({ length: 100 }, (_, i) => ({ key: `m${i}` }));
    const cache = new Map<unknown, number>(rows.map((row) => [row.key, 52]));
    for (let i = 0; i < 300; i++) cache.set(`gone${i}`, 60);
    prunedSizeCache(cache, rows);
    expect(cache.size).toBe(400); // not yet much larger than the rows: kept
    for (let i = 300; i < 5_000; i++) cache.set(`gone${i}`, 60);
    prunedSizeCache(cache, rows);
    expect([...cache.keys()]).toEqual(rows.map((row) => row.key));
    expect(cache.get('m5')).toBe(52);
  });

  it('pads the scroller only sideways on narrow screens: the virtualizer places the rows vertically', () => {
    const css = readFileSync(new URL('../../renderer/styles/conversation.css', import.meta.url), 'utf8');
    const paddings = [...css.matchAll(/\.messages-scroller\s*\{[^}]*?padding:\s*([^;]+);/g)].map((match) => match[1]!.trim().split(/\s+/));
    expect(paddings.length).toBeGreaterThan(0);
    for (const padding of paddings) {
      expect(padding[0]).toBe('0');
      expect(padding.length === 2 || (padding.length === 4 && padding[2] === '0') || padding.length === 1).toBe(true);
    }
  });
});
