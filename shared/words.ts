/**
 * Words as message search sees them, in one place so that the store's index, its queries and the renderer's
 * highlighting agree. Pure: no imports.
 *
 * Folding: compatibility decomposition (NFKD: "ﬁ" → "fi", "²" → "2", "é" → "e" + accent), every combining mark
 * removed (so diacritics do not matter), lower case, and the final sigma "ς" read as "σ" (lower-casing a whole
 * string turns a word-final "Σ" into "ς", lower-casing one letter does not). A word is a run of Unicode letters
 * and digits of the folded text. Search matches a query word against the start of a message's words.
 */

/** Longest indexed word, in UTF-16 code units: a longer word is cut (a query word is cut the same way, so it still matches). Keeps index keys short. */
export const MAX_WORD_LENGTH = 32;
/** Most distinct words indexed per message: a 64 KiB paste must not write thousands of index entries. The rest of the text is not searchable. */
export const MAX_WORDS_PER_TEXT = 200;

const WORD = /[\p{L}\p{N}]+/gu;
const WORD_CHAR = /^[\p{L}\p{N}]$/u;
const ASCII_WORD = /[a-z0-9]+/g;
const MARKS = /\p{M}+/gu;
const FINAL_SIGMA = /ς/g;
const ASCII_ONLY = /^[\x00-\x7f]*$/;

/** `text` folded for matching (see the file comment). */
export function foldText(text: string): string {
  if (ASCII_ONLY.test(text)) return text.toLowerCase();
  return text.normalize('NFKD').replace(MARKS, '').toLowerCase().replace(FINAL_SIGMA, 'σ');
}

/** Cuts a word to MAX_WORD_LENGTH code units without splitting a surrogate pair. */
function capWord(word: string): string {
  if (word.length <= MAX_WORD_LENGTH) return word;
  const code = word.charCodeAt(MAX_WORD_LENGTH - 1);
  return word.slice(0, code >= 0xd800 && code <= 0xdbff ? MAX_WORD_LENGTH - 1 : MAX_WORD_LENGTH);
}

/** The distinct words of `text` (folded, capped in length), in order of first appearance, at most `max` of them. */
export function textWords(text: string, max: number = MAX_WORDS_PER_TEXT): string[] {
  const folded = foldText(text);
  const matches = ASCII_ONLY.test(folded) ? folded.match(ASCII_WORD) : folded.match(WORD);
  if (matches === null) return [];
  const seen = new Set<string>();
  for (const match of matches) {
    seen.add(capWord(match));
    if (seen.size >= max) break;
  }
  return [...seen];
}

/**
 * The words of a search query: those of `textWords`, without one that is the start of another (every message
 * matching "hello" also matches "hel"), in the order given.
 */
export function queryWords(query: string, max: number = MAX_WORDS_PER_TEXT): string[] {
  const words = textWords(query, max);
  return words.filter((word, i) => !words.some((other, j) => j !== i && other.startsWith(word)));
}

/** True when every one of `terms` is the start of one of `words`. */
export function matchesAll(words: readonly string[], terms: readonly string[]): boolean {
  return terms.every((term) => words.some((word) => word.startsWith(term)));
}

/** A word of a text: its place in the original text (UTF-16 offsets, end exclusive) and its folded form. */
export interface WordSpan {
  start: number;
  end: number;
  word: string;
}

/** One code point folded on its own; the same as folding it inside a string (marks go, sigma is "σ"). */
function foldCodePoint(char: string): string {
  const code = char.charCodeAt(0);
  if (code < 0x80) return char.toLowerCase();
  return char.normalize('NFKD').replace(MARKS, '').toLowerCase().replace(FINAL_SIGMA, 'σ');
}

/**
 * Every word of `text` with where it stands in the original text, for highlighting. `word` is the whole folded
 * word (not cut to MAX_WORD_LENGTH); the words agree with `textWords` (tests/shared/store-words.test.ts).
 */
export function wordSpans(text: string): WordSpan[] {
  const spans: WordSpan[] = [];
  let current: WordSpan | null = null;
  let offset = 0;
  for (const char of text) {
    const folded = foldCodePoint(char);
    // A mark on its own (a combining accent) folds to nothing: it belongs to the letter before it.
    if (folded === '' && current !== null) current.end = offset + char.length;
    for (const part of folded) {
      if (WORD_CHAR.test(part)) {
        if (current === null) current = { start: offset, end: offset + char.length, word: '' };
        current.word += part;
        current.end = offset + char.length;
      } else if (current !== null) {
        spans.push(current);
        current = null;
      }
    }
    offset += char.length;
  }
  if (current !== null) spans.push(current);
  return spans;
}

/**
 * The parts of `text` to highlight for `query`: for each word of the text that starts with a query word, the
 * span of the original text that the matched start covers. Ordered, not overlapping.
 */
export function highlightSpans(text: string, query: string): Array<{ start: number; end: number }> {
  const terms = queryWords(query);
  if (terms.length === 0) return [];
  const out: Array<{ start: number; end: number }> = [];
  for (const span of wordSpans(text)) {
    const capped = capWord(span.word);
    const term = terms.filter((t) => capped.startsWith(t)).reduce<string | null>((a, t) => (a === null || t.length > a.length ? t : a), null);
    if (term === null) continue;
    // Walk the word's code points until their folded letters cover the term.
    let covered = 0;
    let end = span.start;
    for (const char of text.slice(span.start, span.end)) {
      const folded = foldCodePoint(char);
      if (covered >= term.length && folded !== '') break; // marks after the last letter still belong to it
      for (const part of folded) if (WORD_CHAR.test(part)) covered += part.length;
      end += char.length;
    }
    out.push({ start: span.start, end });
  }
  return out;
}
