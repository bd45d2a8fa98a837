/**
 * Names people can tell apart, the same in the core, the window and the command line: a peer's name loses what
 * cannot be seen (zero-width characters, bidi controls, other format and control characters, blank fillers),
 * falls back to its key's start when nothing is left, and names that still read alike get a short fingerprint.
 */

/**
 * Characters that show nothing or reorder what follows: controls (Cc), format characters (Cf: zero-width space
 * and joiners, bidi marks, embeddings, overrides and isolates, the BOM, soft hyphen, tags), private use and
 * unassigned code points, line and paragraph separators, variation selectors, the combining grapheme joiner and
 * the fillers that render blank (Hangul fillers, Khmer inherent vowels, the Mongolian selectors, braille blank).
 */
const INVISIBLE =
  /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}\u034F\u115F\u1160\u17B4\u17B5\u180B-\u180F\u2800\u3164\uFE00-\uFE0F\uFFA0\u{E0100}-\u{E01EF}]/gu;

/** How many characters of a key stand for a peer whose name is empty. */
export const KEY_PREFIX_CHARS = 8;

/** A peer's name with nothing invisible in it and its blanks collapsed; the key's start if nothing is left. */
export function cleanName(name: string, key: string): string {
  // Blanks first (a line break, a tab: one space, so a name is always one line), then what shows nothing.
  const cleaned = name.replace(/\s+/gu, ' ').replace(INVISIBLE, '').replace(/ +/g, ' ').trim();
  return cleaned === '' ? key.slice(0, KEY_PREFIX_CHARS) : cleaned;
}

/** What makes two names read alike: compatibility forms (full-width letters) and case do not tell them apart. */
function likeness(name: string): string {
  return name.normalize('NFKC').toLowerCase();
}

export interface Named {
  peer: string;
  name: string;
  /** `XXXX XXXX …`, for secure contacts. */
  fingerprint?: string;
}

/** The first two groups of a fingerprint (40 bits: not found by trying keys), or the id's start. */
export function shortFingerprint(entry: Named): string {
  return entry.fingerprint !== undefined ? entry.fingerprint.split(' ').slice(0, 2).join(' ') : entry.peer.slice(0, KEY_PREFIX_CHARS);
}

/**
 * Each entry's name as shown beside the others: cleaned, and where two or more read alike, every one of them
 * with its short fingerprint (`B (PZUJ TL3N)`), so that none passes for the others.
 */
export function distinctNames(entries: readonly Named[]): Map<string, string> {
  const counts = new Map<string, number>();
  const cleaned = entries.map((entry) => ({ entry, name: cleanName(entry.name, entry.peer) }));
  for (const { name } of cleaned) counts.set(likeness(name), (counts.get(likeness(name)) ?? 0) + 1);
  return new Map(cleaned.map(({ entry, name }) => [entry.peer, counts.get(likeness(name))! > 1 ? `${name} (${shortFingerprint(entry)})` : name]));
}
