/**
 * Links inside message text. Only a parsed `http:` or `https:` URL becomes a link; everything else
 * (`javascript:`, `data:`, `file:`, anything malformed) stays plain text. Text is never turned into HTML: the
 * parts are rendered by React as text nodes and, for links, an anchor whose click opens a confirmation first.
 */

export type TextPart = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

/** Candidates start with an explicit http(s) scheme at a word boundary and run to whitespace or a quote. */
const CANDIDATE = /\bhttps?:\/\/[^\s<>"'`]+/gi;
/** Punctuation that ends a sentence rather than the URL: "see https://example.com." */
const TRAILING_PUNCTUATION = /[.,;:!?*_~]$/;
const CLOSERS: Record<string, string> = { ')': '(', ']': '[', '}': '{' };

/** The URL `text` stands for, normalised by `new URL`, if it is a usable http(s) URL; otherwise null. */
export function safeHref(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.hostname === '') return null;
  return url.href;
}

/** Splits text into plain parts and http(s) links, in order; joining every part's `text` gives `text` back. */
export function splitLinks(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let plainStart = 0;
  CANDIDATE.lastIndex = 0;
  for (let match = CANDIDATE.exec(text); match !== null; match = CANDIDATE.exec(text)) {
    const candidate = trimTrailing(match[0]);
    const href = safeHref(candidate);
    if (href === null) continue;
    if (match.index > plainStart) parts.push({ kind: 'text', text: text.slice(plainStart, match.index) });
    parts.push({ kind: 'link', text: candidate, href });
    plainStart = match.index + candidate.length;
    CANDIDATE.lastIndex = plainStart;
  }
  if (plainStart < text.length) parts.push({ kind: 'text', text: text.slice(plainStart) });
  return parts;
}

/** Drops sentence punctuation and unbalanced closing brackets from the end of a candidate. */
function trimTrailing(candidate: string): string {
  let url = candidate;
  for (;;) {
    const last = url.at(-1) ?? '';
    if (TRAILING_PUNCTUATION.test(last)) {
      url = url.slice(0, -1);
      continue;
    }
    const opener = CLOSERS[last];
    if (opener !== undefined && count(url, opener) < count(url, last)) {
      url = url.slice(0, -1);
      continue;
    }
    return url;
  }
}

function count(text: string, char: string): number {
  let n = 0;
  for (const c of text) if (c === char) n++;
  return n;
}

export interface LinkDetails {
  href: string;
  /** Host (and port) as the browser will contact it, IDN in punycode so look-alike letters show. */
  host: string;
  /** `https://bank.example@evil.example` hides its real host behind a user name. */
  hasCredentials: boolean;
  secure: boolean;
}

/** What the confirmation shows about a link before it opens; null for anything that is not http(s). */
export function describeLink(href: string): LinkDetails | null {
  const safe = safeHref(href);
  if (safe === null) return null;
  const url = new URL(safe);
  return { href: safe, host: url.host, hasCredentials: url.username !== '' || url.password !== '', secure: url.protocol === 'https:' };
}
