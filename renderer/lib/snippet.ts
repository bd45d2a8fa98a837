/**
 * A search result's snippet: a short piece of the message around its first match, with the matching words
 * marked. The words and the matching rule are search's own (`shared/words.ts`), so what is marked is what matched.
 */
import { highlightSpans } from '../../shared/words';

export interface SnippetPart {
  text: string;
  match: boolean;
}

export interface SnippetOptions {
  /** Characters of context before the first match. */
  before?: number;
  /** Characters in the snippet at most (ellipses aside). */
  length?: number;
}

/** Moves `index` off the second half of a surrogate pair. */
function codePointBoundary(text: string, index: number): number {
  const code = text.charCodeAt(index);
  return code >= 0xdc00 && code <= 0xdfff ? index - 1 : index;
}

/** One line: runs of white space (new lines included) become one space. */
const oneLine = (text: string) => text.replace(/\s+/g, ' ');

export function searchSnippet(text: string, query: string, options: SnippetOptions = {}): SnippetPart[] {
  const before = options.before ?? 40;
  const length = options.length ?? 160;
  const spans = highlightSpans(text, query);
  const first = spans[0]?.start ?? 0;

  let start = first > before ? first - before : 0;
  if (start > 0) {
    // Start at a word's beginning when one is near.
    const space = text.slice(start, first).search(/\s/);
    if (space !== -1 && space < 16) start += space + 1;
    start = codePointBoundary(text, start);
  }
  const end = Math.max(start, codePointBoundary(text, Math.min(text.length, start + length)));

  const parts: SnippetPart[] = [];
  const push = (piece: string, match: boolean) => {
    if (piece === '') return;
    const last = parts.at(-1);
    if (last !== undefined && last.match === match) last.text += piece;
    else parts.push({ text: piece, match });
  };
  if (start > 0) push('…', false);
  let at = start;
  for (const span of spans) {
    if (span.end <= start) continue;
    if (span.start >= end) break;
    const from = Math.max(span.start, start);
    const to = Math.min(span.end, end);
    push(oneLine(text.slice(at, from)), false);
    push(text.slice(from, to), true);
    at = to;
  }
  push(oneLine(text.slice(at, end)), false);
  if (end < text.length) push('…', false);
  return parts;
}
