import { describe, expect, it } from 'vitest';
import { cleanName, distinctNames } from '../../shared/names';

const KEY = 'ab'.repeat(32);

describe('names people can tell apart', () => {
  it('strips zero-width characters, bidi controls and other invisible characters, and collapses blanks', () => {
    expect(cleanName('B\u200b', KEY)).toBe('B');
    expect(cleanName('\u202eecilA\u202c', KEY)).toBe('ecilA');
    expect(cleanName('Al\u00adi\u2066ce\u2069\ufeff', KEY)).toBe('Alice');
    expect(cleanName('  Bob \t\n Smith ', KEY)).toBe('Bob Smith');
    expect(cleanName('\u3164', KEY)).toBe(KEY.slice(0, 8));
  });

  it('an empty or blank name falls back to the key prefix', () => {
    for (const blank of ['', '   ', '\u200b\u200c\u200d', '\u2028', '\t']) expect(cleanName(blank, KEY)).toBe('abababab');
  });

  it('names that read alike each get a short fingerprint; others stay as they are', () => {
    const names = distinctNames([
      { peer: 'a', name: 'B', fingerprint: 'AAAA BBBB CCCC DDDD' },
      { peer: 'b', name: 'B\u200b', fingerprint: 'EEEE FFFF GGGG HHHH' },
      { peer: 'c', name: 'ｂ', fingerprint: 'IIII JJJJ KKKK LLLL' },
      { peer: 'd', name: 'Carol', fingerprint: 'MMMM NNNN OOOO PPPP' },
    ]);
    expect([...names.values()]).toEqual(['B (AAAA BBBB)', 'B (EEEE FFFF)', 'ｂ (IIII JJJJ)', 'Carol']);
  });
});
