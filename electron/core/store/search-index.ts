/**
 * Message search over the inverted word index (`w\0<word>\0<seq>` → `<conv>`, see layout.ts), written in the
 * same batch as the message it indexes.
 *
 * A query matches a message when every query word is the start of some word of the message (words as
 * shared/words.ts folds them). Results come newest first across all conversations:
 *  1. each query word is expanded to the distinct index words it starts ("hel" → hello, help, helmet), found by
 *     seeking from word to word over the index (MAX_PREFIX_WORDS at most);
 *  2. one query word drives: the one whose index entries take the least room on disk (LevelDB's approximate
 *     size of its range), among those with few enough expansions;
 *  3. the driver's words are read as reverse range scans (newest first), merged by sequence number;
 *  4. the candidate messages are fetched in groups and checked against every query word;
 *  5. this stops at `limit + 1` matches (so `more` is known), when the candidates run out, or after
 *     MAX_CANDIDATES candidates (then `more` is true: there may be more that were not looked at).
 * When every query word is too short to use the index (more than MAX_PREFIX_WORDS expansions, e.g. "a"),
 * the newest messages of all conversations are scanned instead, at most MAX_SCANNED_MESSAGES of them.
 */
import { matchesAll, queryWords, textWords } from '../../../shared/words';
import type { Batch } from './group-commit';
import {
  afterWord,
  conversationRange,
  decodeMessage,
  messageKey,
  prefixRange,
  seqHexOfKey,
  seqOfKey,
  wordKey,
  wordOfKey,
  wordRange,
  type Db,
} from './layout';
import type { SearchHit, StoredMessage } from './types';
import type { ConversationId } from '../../../shared/ids';

/** Query words used to pick a driver; any further ones are only checked on candidates. */
export const MAX_QUERY_WORDS = 8;
/** Index words one query word may stand for and still drive: each costs a range scan (~20 µs) per search. */
export const MAX_PREFIX_WORDS = 200;
/** Candidates fetched and checked per search at most: bounds a query of common words that rarely meet (~5 µs each). */
export const MAX_CANDIDATES = 5_000;
/** Messages scanned per search at most when no query word can use the index (one letter, say). */
export const MAX_SCANNED_MESSAGES = 20_000;
/** The first read from one range returns this many entries; each next read twice as many, up to MAX_READ. */
const FIRST_READ = 16;
const MAX_READ = 1_024;
/** Candidates checked per group after the first (the first is `limit + 1`: for one word they all match). */
const MAX_GROUP = 1_024;

/** Index entries for a new message: one per distinct word of its text. */
export function indexMessage(batch: Batch, text: string, seq: string, conv: string): void {
  for (const word of textWords(text)) batch.put(wordKey(word, seq), conv);
}

/** Deletes the index entries `indexMessage` wrote for the same text. */
export function unindexMessage(batch: Batch, text: string, seq: string): void {
  for (const word of textWords(text)) batch.del(wordKey(word, seq));
}

/** What search needs of the store. */
export interface SearchContext {
  db: Db;
  /** A key's pending value (see GroupCommit.read). */
  pending(key: string): string | null | undefined;
  /** The id of a live conversation number; undefined for a removed one. */
  idOf(conv: string): ConversationId | undefined;
  /** Every live conversation number. */
  conversations(): Iterable<string>;
}

interface Candidate {
  seq: number;
  conv: string;
  /** The message key. */
  key: string;
  /** The message value when the source read it already. */
  raw?: string;
}

type Entry = [string, string];
type RangeIterator = { nextv(size: number): Promise<Entry[]>; close(): Promise<void> };

/** One reverse range scan, read in growing chunks. */
class Cursor {
  private buffer: Entry[] = [];
  private at = 0;
  private size = FIRST_READ;
  private ended = false;
  head: Candidate | null = null;

  constructor(
    private readonly iterator: RangeIterator,
    private readonly toCandidate: (entry: Entry) => Candidate,
  ) {}

  async advance(): Promise<void> {
    if (this.at >= this.buffer.length && !this.ended) {
      this.buffer = await this.iterator.nextv(this.size);
      this.at = 0;
      this.size = Math.min(this.size * 2, MAX_READ);
      if (this.buffer.length === 0) this.ended = true;
    }
    this.head = this.at < this.buffer.length ? this.toCandidate(this.buffer[this.at++]) : null;
  }

  close(): Promise<void> {
    return this.iterator.close();
  }
}

/** Several cursors merged by sequence number, newest first, each sequence once. */
class Merged {
  private started = false;
  private last = -1;

  constructor(private readonly cursors: Cursor[]) {}

  async next(): Promise<Candidate | null> {
    if (!this.started) {
      this.started = true;
      await Promise.all(this.cursors.map((cursor) => cursor.advance()));
    }
    for (;;) {
      let best: Cursor | null = null;
      for (const cursor of this.cursors) if (cursor.head !== null && (best === null || cursor.head.seq > best.head!.seq)) best = cursor;
      if (best === null) return null;
      const candidate = best.head!;
      await best.advance();
      if (candidate.seq === this.last) continue; // two words of one message both start with the query word
      this.last = candidate.seq;
      return candidate;
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.cursors.map((cursor) => cursor.close()));
  }
}

/** The distinct index words that start with `prefix`, in order, at most `max`. */
export async function wordsWithPrefix(db: Db, prefix: string, max: number): Promise<string[]> {
  const iterator = db.keys(prefixRange(prefix));
  const words: string[] = [];
  try {
    while (words.length < max) {
      const key = await iterator.next();
      if (key === undefined) break;
      const word = wordOfKey(key);
      words.push(word);
      iterator.seek(afterWord(word));
    }
  } finally {
    await iterator.close();
  }
  return words;
}

function postingCursor(db: Db, word: string): Cursor {
  return new Cursor(db.iterator({ ...wordRange(word), reverse: true }), ([key, conv]) => ({
    seq: seqOfKey(key),
    conv,
    key: messageKey(conv, seqHexOfKey(key)),
  }));
}

function messageCursor(db: Db, conv: string): Cursor {
  return new Cursor(db.iterator({ ...conversationRange('m', conv), reverse: true }), ([key, raw]) => ({ seq: seqOfKey(key), conv, key, raw }));
}

interface Plan {
  source: Merged;
  cap: number;
}

/** Picks how to find candidates, or null when some query word starts no indexed word (nothing can match). */
async function plan(ctx: SearchContext, terms: readonly string[]): Promise<Plan | null> {
  const considered = terms.slice(0, MAX_QUERY_WORDS);
  const expansions = await Promise.all(considered.map((term) => wordsWithPrefix(ctx.db, term, MAX_PREFIX_WORDS + 1)));
  if (expansions.some((words) => words.length === 0)) return null;
  const usable = considered.map((term, i) => ({ term, words: expansions[i] })).filter((t) => t.words.length <= MAX_PREFIX_WORDS);
  if (usable.length === 0) {
    return { source: new Merged([...ctx.conversations()].map((conv) => messageCursor(ctx.db, conv))), cap: MAX_SCANNED_MESSAGES };
  }
  let driver = usable[0];
  if (usable.length > 1) {
    const sizes = await Promise.all(usable.map(({ term }) => ctx.db.approximateSize(prefixRange(term).gte, prefixRange(term).lt)));
    const rank = (i: number) => [sizes[i], usable[i].words.length, -usable[i].term.length];
    let best = 0;
    for (let i = 1; i < usable.length; i++) {
      const [a, b] = [rank(i), rank(best)];
      const better = a[0] !== b[0] ? a[0] < b[0] : a[1] !== b[1] ? a[1] < b[1] : a[2] < b[2];
      if (better) best = i;
    }
    driver = usable[best];
  }
  return { source: new Merged(driver.words.map((word) => postingCursor(ctx.db, word))), cap: MAX_CANDIDATES };
}

/** Fills in the values of `group` not read yet: pending writes first, then one getMany. */
async function fetchValues(ctx: SearchContext, group: Candidate[]): Promise<Array<string | undefined>> {
  const values: Array<string | undefined> = new Array(group.length);
  const missing: number[] = [];
  group.forEach((candidate, i) => {
    const pending = ctx.pending(candidate.key);
    if (pending !== undefined) values[i] = pending ?? undefined;
    else if (candidate.raw !== undefined) values[i] = candidate.raw;
    else missing.push(i);
  });
  if (missing.length > 0) {
    const read = await ctx.db.getMany(missing.map((i) => group[i].key));
    missing.forEach((i, j) => (values[i] = read[j]));
  }
  return values;
}

/** See the file comment. `limit` ≥ 1. */
export async function searchMessages(ctx: SearchContext, query: string, limit: number): Promise<{ hits: SearchHit[]; more: boolean }> {
  const terms = queryWords(query);
  if (terms.length === 0) return { hits: [], more: false };
  const chosen = await plan(ctx, terms);
  if (chosen === null) return { hits: [], more: false };
  const { source, cap } = chosen;
  const hits: SearchHit[] = [];
  let examined = 0;
  let exhausted = false;
  let groupSize = limit + 1;
  try {
    while (hits.length <= limit && !exhausted && examined < cap) {
      const group: Candidate[] = [];
      while (group.length < groupSize && examined + group.length < cap) {
        const candidate = await source.next();
        if (candidate === null) {
          exhausted = true;
          break;
        }
        group.push(candidate);
      }
      examined += group.length;
      groupSize = Math.min(groupSize * 2, MAX_GROUP);
      const values = await fetchValues(ctx, group);
      for (let i = 0; i < group.length && hits.length <= limit; i++) {
        const conversation = ctx.idOf(group[i].conv);
        const raw = values[i];
        if (conversation === undefined || raw === undefined) continue;
        const message: StoredMessage = decodeMessage(raw, conversation);
        if (message.kind === 'chat' && matchesAll(textWords(message.text), terms)) hits.push({ conversation, message });
      }
    }
  } finally {
    await source.close();
  }
  return { hits: hits.slice(0, limit), more: hits.length > limit || (!exhausted && examined >= cap) };
}
