import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldText, highlightSpans, MAX_WORD_LENGTH, MAX_WORDS_PER_TEXT, queryWords, textWords, wordSpans } from '../../shared/words';

describe('search words (shared/words.ts)', () => {
  it('folds case, diacritics and compatibility forms; a word is a run of letters and digits', () => {
    expect(textWords('Hello, Wörld! Crème-brûlée ﬁne ²nd ΣΟΦΟΣ naïve café 42km')).toEqual([
      'hello',
      'world',
      'creme',
      'brulee',
      'fine',
      '2nd',
      'σοφοσ',
      'naive',
      'cafe',
      '42km',
    ]);
    expect(textWords('日本語のテキスト и кириллица')).toEqual(['日本語のテキスト', 'и', 'кириллица']);
    expect(textWords('...  !!')).toEqual([]);
    expect(foldText('İstanbul')).toBe('istanbul');
  });

  it('gives each word once, cuts long words and caps the count', () => {
    expect(textWords('echo echo ECHO')).toEqual(['echo']);
    const long = 'x'.repeat(MAX_WORD_LENGTH + 10);
    expect(textWords(long)).toEqual(['x'.repeat(MAX_WORD_LENGTH)]);
    // Gothic letters are astral (two UTF-16 units each): the cut never splits one.
    expect(textWords('a' + '𐌰'.repeat(20))).toEqual(['a' + '𐌰'.repeat(15)]);
    const many = Array.from({ length: MAX_WORDS_PER_TEXT + 50 }, (_, i) => `w${i}`).join(' ');
    expect(textWords(many)).toHaveLength(MAX_WORDS_PER_TEXT);
  });

  it('a query drops words that start another of its words', () => {
    expect(queryWords('hel hello world wo')).toEqual(['hello', 'world']);
    expect(queryWords('Été ete')).toEqual(['ete']);
  });

  it('wordSpans finds the same words as textWords, at their place in the original text', () => {
    const text = 'Crème  brûlée, ΣΟΦΟΣ!';
    expect(wordSpans(text)).toEqual([
      { start: 0, end: 5, word: 'creme' },
      { start: 7, end: 13, word: 'brulee' },
      { start: 15, end: 20, word: 'σοφοσ' },
    ]);
    const decomposed = 'cafe\u0301 ok'; // e + combining acute
    expect(wordSpans(decomposed)[0]).toEqual({ start: 0, end: 5, word: 'cafe' });
  });

  it('wordSpans agrees with textWords on any text (property)', () => {
    const pieces = fc.constantFrom('a', 'Z', 'é', 'E\u0301', 'ß', 'Σ', 'ς', 'ﬁ', '½', '²', 'İ', '日', '😀', '𝐀', ' ', ',', '-', '\u0301', 'ǅ', 'Å', 'ﬃ', '0', '\u00a0');
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 40 }), (parts) => {
        const text = parts.join('');
        const fromSpans = [...new Set(wordSpans(text).map((s) => s.word.slice(0, MAX_WORD_LENGTH)))].slice(0, MAX_WORDS_PER_TEXT);
        expect(fromSpans).toEqual(textWords(text));
      }),
      { numRuns: 500 },
    );
  });

  it('highlightSpans marks the start of each word that a query word begins, in the original text', () => {
    const text = 'Hello wörld, help me — helmets!';
    const marked = highlightSpans(text, 'hel WOR').map(({ start, end }) => text.slice(start, end));
    expect(marked).toEqual(['Hel', 'wör', 'hel', 'hel']);
    expect(highlightSpans('Crème brûlée', 'creme bru').map(({ start, end }) => 'Crème brûlée'.slice(start, end))).toEqual(['Crème', 'brû']);
    expect(highlightSpans('cafe\u0301s', 'cafe')).toEqual([{ start: 0, end: 5 }]);
    expect(highlightSpans('nothing here', 'zzz')).toEqual([]);
    expect(highlightSpans('anything', '  ')).toEqual([]);
  });
});
