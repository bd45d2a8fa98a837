/**
 * The message store under load (section 6 of `npm run bench`; alone: `node out/bench/bench.js store`), in a
 * temporary directory removed afterwards:
 *  - insert 1,000,000 messages through the Store API, many in flight (so the group commit gathers them), across
 *    100 conversations, one of which gets 200,000; time, peak RSS and heap growth. Baseline: the same messages
 *    written as bare classic-level chained batches of the same size, synced, with no id index, search index or
 *    contact updates;
 *  - mark our messages (a fifth) delivered: status updates per second;
 *  - close and reopen; the newest page (100) of the 200,000-message conversation, then 50 pages back. Baseline:
 *    bare reverse iterators over the same keys of the same store directory;
 *  - search for a common word, a rare word, a prefix and two words across everything. Baseline: a bare reverse
 *    scan of the word's index entries plus one getMany of the messages (the least work an index answer takes).
 * Every read figure is the first call after opening and the median of the repeats after it.
 */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ClassicLevel } from 'classic-level';
import { conversationRange, convHex, messageKey, seqHex, seqHexOfKey, wordRange, type Db } from '../../electron/core/store/layout';
import { Store } from '../../electron/core/store/store';
import type { ContactRecord } from '../../electron/core/store/types';
import { int, ms, ratio, renderTable, writeJson, type Row } from './report';
import { seededRandom } from '../helpers/random';
import { nowMs, summarize, withPeakRss } from './stats';
import { contactId, conversationId, sessionKey } from '../../shared/ids';

export interface StoreBenchConfig {
  messages: number;
  conversations: number;
  /** Messages of the one big conversation. */
  big: number;
  /** Writes in flight at once. */
  window: number;
  pageLimit: number;
  pagesBack: number;
  /** Repeats of each read after the first. */
  repeats: number;
  searchLimit: number;
}

export const STORE_CONFIG: StoreBenchConfig = {
  messages: 1_000_000,
  conversations: 100,
  big: 200_000,
  window: 2_000,
  pageLimit: 100,
  pagesBack: 50,
  repeats: 9,
  searchLimit: 50,
};

export const STORE_TARGETS = { lastPageMs: 50, searchMs: 200 };

const COMMON_WORD = 'meeting';
/** One message in RARE_EVERY has the rare word. */
const RARE_WORD = 'zanzibar';
const RARE_EVERY = 40_000;
/** One message in COMMON_EVERY has the common word (besides the vocabulary's own frequent words). */
const COMMON_EVERY = 10;
/** One message in OURS_EVERY is ours (addOutgoing); the rest come from the peer. */
const OURS_EVERY = 5;

/** ~4,000 made-up words of 2 to 4 syllables; a skewed choice makes a few of them very frequent, as in real text. */
function vocabulary(): string[] {
  const syllables = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'to', 'vi', 'ze', 'po', 'da', 'fe', 'gu', 'hi'];
  const words = new Set<string>();
  const next = seededRandom(7);
  while (words.size < 4_000) {
    const n = 2 + Math.floor(next() * 3);
    let word = '';
    for (let i = 0; i < n; i++) word += syllables[Math.floor(next() * syllables.length)];
    words.add(word);
  }
  return [...words];
}

interface Plan {
  peers: string[];
  /** Conversation of message i. */
  owner: Uint16Array;
  text(i: number): string;
}

function plan(config: StoreBenchConfig): Plan {
  const peers = Array.from({ length: config.conversations }, (_, i) => i.toString(16).padStart(64, 'c'));
  const owner = new Uint16Array(config.messages);
  const next = seededRandom(11);
  // Conversation 0 gets `big` messages spread over the whole run; the others share the rest evenly at random.
  const bigShare = config.big / config.messages;
  for (let i = 0; i < config.messages; i++) owner[i] = next() < bigShare ? 0 : 1 + Math.floor(next() * (config.conversations - 1));
  const words = vocabulary();
  const text = (i: number) => {
    const pick = seededRandom(i * 2_654_435_761); // the same text for message i every time
    const count = 5 + Math.floor(pick() * 8);
    const parts: string[] = [];
    for (let k = 0; k < count; k++) parts.push(words[Math.floor(words.length * pick() ** 2)]);
    if (i % COMMON_EVERY === 3) parts.splice(Math.floor(pick() * parts.length), 0, COMMON_WORD);
    if (i % RARE_EVERY === 17) parts.push(RARE_WORD);
    parts[0] = parts[0][0].toUpperCase() + parts[0].slice(1);
    return parts.join(' ') + (i % 3 === 0 ? '?' : '.');
  };
  return { peers, owner, text };
}

const messageId = (i: number) => i.toString(16).padStart(32, '0');

/** Runs `count` tasks with at most `window` in flight. */
async function pump(count: number, window: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let issued = 0;
  let failed: unknown = null;
  await new Promise<void>((resolve, reject) => {
    let active = 0;
    const more = () => {
      if (failed !== null) return;
      if (issued === count && active === 0) return resolve();
      while (active < window && issued < count) {
        const i = issued++;
        active++;
        task(i).then(
          () => {
            active--;
            more();
          },
          (err: unknown) => {
            failed = err;
            reject(err);
          },
        );
      }
    };
    more();
  });
}

/** Forces a full garbage collection (gc() exposed at run time), so heap figures are live data only. */
const gc: () => void = (() => {
  v8.setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

function heapMB(): number {
  gc();
  return process.memoryUsage().heapUsed / 1e6;
}

async function dirMB(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir)) total += (await stat(path.join(dir, name))).size;
  return total / 1e6;
}

/** The first call, then the median of `repeats` more. */
async function firstAndMedian(repeats: number, run: () => Promise<unknown>): Promise<{ first: number; median: number }> {
  let start = nowMs();
  await run();
  const first = nowMs() - start;
  const samples: number[] = [];
  for (let i = 0; i < repeats; i++) {
    start = nowMs();
    await run();
    samples.push(nowMs() - start);
  }
  return { first, median: summarize(samples).p50 };
}

function contactFor(peer: string): ContactRecord {
  return { id: contactId(peer), mode: 'secure', peerName: `bench ${peer.slice(-4)}`, addresses: ['127.0.0.1:8000'], firstSeen: 0, verified: false, keyHistory: [{ key: sessionKey(peer), since: 0 }] };
}

/** The bare baseline of the inserts: the same messages as chained batches of `window` messages, synced. */
async function bareInsert(dir: string, config: StoreBenchConfig, p: Plan): Promise<number> {
  const db: Db = new ClassicLevel<string, string>(dir);
  await db.open();
  const start = nowMs();
  for (let from = 0; from < config.messages; from += config.window) {
    const batch = db.batch();
    const to = Math.min(config.messages, from + config.window);
    for (let i = from; i < to; i++) {
      const conv = convHex(p.owner[i]);
      const value = JSON.stringify([messageId(i), i % OURS_EVERY === 0, i, i, 'chat', p.text(i), i % OURS_EVERY === 0 ? 'queued' : null, null]);
      batch.put(messageKey(conv, seqHex(i)), value);
    }
    await batch.write({ sync: true });
  }
  const elapsed = nowMs() - start;
  await db.close();
  return elapsed;
}

interface BareReads {
  openMs: number;
  lastPage: { first: number; median: number };
  pagesBackMs: number;
  search: Record<'common' | 'rare', { first: number; median: number }>;
}

/** Bare reads over the store's own directory (closed store): reverse iterators and one index scan + getMany. */
async function bareReads(dir: string, bigPeer: string, config: StoreBenchConfig): Promise<BareReads> {
  let start = nowMs();
  const db: Db = new ClassicLevel<string, string>(dir);
  await db.open();
  const openMs = nowMs() - start;
  const conv = (await db.get(`P\x00${bigPeer}`))!;
  const range = conversationRange('m', conv);
  const lastPage = await firstAndMedian(config.repeats, () => db.iterator({ ...range, reverse: true, limit: config.pageLimit + 1 }).all());
  start = nowMs();
  let lt = range.lt;
  for (let i = 0; i < config.pagesBack; i++) {
    const entries = await db.iterator({ gt: range.gt, lt, reverse: true, limit: config.pageLimit + 1 }).all();
    lt = entries[config.pageLimit - 1][0];
  }
  const pagesBackMs = nowMs() - start;
  const lookUp = async (word: string) => {
    const postings = await db.iterator({ ...wordRange(word), reverse: true, limit: config.searchLimit + 1 }).all();
    await db.getMany(postings.map(([key, c]) => messageKey(c, seqHexOfKey(key))));
  };
  const search = {
    common: await firstAndMedian(config.repeats, () => lookUp(COMMON_WORD)),
    rare: await firstAndMedian(config.repeats, () => lookUp(RARE_WORD)),
  };
  await db.close();
  return { openMs, lastPage, pagesBackMs, search };
}

export interface StoreBenchResult {
  rows: Row[];
  json: Record<string, unknown>;
}

/** Runs section 6; `progress` reports each step as it ends. */
export async function runStoreBench(config: StoreBenchConfig, progress: (text: string) => void): Promise<StoreBenchResult> {
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'peerline-store-bench-'));
  try {
    const p = plan(config);
    const step = async <T>(label: string, run: () => Promise<T>): Promise<T> => {
      const start = nowMs();
      const result = await run();
      progress(`${label} (${((nowMs() - start) / 1000).toFixed(1)} s)`);
      return result;
    };

    const bareInsertMs = await step(`store baseline: ${int(config.messages)} messages as bare classic-level batches`, () => bareInsert(path.join(workDir, 'bare'), config, p));
    await rm(path.join(workDir, 'bare'), { recursive: true, force: true });

    const dataDir = path.join(workDir, 'data');
    const { store } = await Store.open(dataDir);
    for (const peer of p.peers) await store.saveContact(contactFor(peer));
    const heapBefore = heapMB();
    const rssBefore = process.memoryUsage().rss / 1e6;
    const ours: number[] = [];
    const insert = await step(`store: insert ${int(config.messages)} messages through the Store API, ≤ ${int(config.window)} in flight`, () =>
      withPeakRss(async () => {
        const start = nowMs();
        await pump(config.messages, config.window, (i) => {
          const peer = p.peers[p.owner[i]];
          if (i % OURS_EVERY === 0) {
            ours.push(i);
            return store.addOutgoing(conversationId(peer), { id: messageId(i), text: p.text(i), at: i });
          }
          return store.addIncoming(conversationId(peer), { id: messageId(i), text: p.text(i), sentAt: i, at: i });
        });
        return nowMs() - start;
      }),
    );
    const heapAfter = heapMB();
    const commits = store.commitStats;
    const acksMs = await step(`store: ${int(ours.length)} of our messages marked delivered`, async () => {
      const start = nowMs();
      await pump(ours.length, config.window, (k) => store.setStatus(conversationId(p.peers[p.owner[ours[k]]]), messageId(ours[k]), 'delivered'));
      return nowMs() - start;
    });
    const closeStart = nowMs();
    await store.close();
    const closeMs = nowMs() - closeStart;
    const storeDir = path.join(dataDir, 'store');
    const diskMB = await dirMB(storeDir);

    const bigPeer = p.peers[0];
    const bare = await step('store baseline: bare reads over the same directory', () => bareReads(storeDir, bigPeer, config));

    let start = nowMs();
    const { store: reopened } = await Store.open(dataDir);
    const reopenMs = nowMs() - start;
    const lastPage = await step(`store: newest page of the ${int(config.big)}-message conversation`, () =>
      firstAndMedian(config.repeats, () => reopened.page(conversationId(bigPeer), { limit: config.pageLimit })),
    );
    start = nowMs();
    let page = await reopened.page(conversationId(bigPeer), { limit: config.pageLimit });
    for (let i = 0; i < config.pagesBack; i++) page = await reopened.page(conversationId(bigPeer), { before: page.messages[0].id, limit: config.pageLimit });
    const pagesBackMs = nowMs() - start;
    progress(`store: ${config.pagesBack} pages back (${(pagesBackMs / 1000).toFixed(1)} s)`);
    const queries = { common: COMMON_WORD, rare: RARE_WORD, prefix: 'kalo', twoWords: `${COMMON_WORD} kalo` } as const;
    const searches: Record<string, { first: number; median: number; hits: number; more: boolean }> = {};
    for (const [name, query] of Object.entries(queries)) {
      const result = await reopened.search(query, config.searchLimit);
      const timing = await step(`store: search "${query}"`, () => firstAndMedian(config.repeats, () => reopened.search(query, config.searchLimit)));
      searches[name] = { ...timing, hits: result.hits.length, more: result.more };
    }
    await reopened.close();

    const section = `6. Message store — ${int(config.messages)} messages in ${config.conversations} conversations (one of ${int(config.big)}), in a temporary directory; reads: first call after opening / median of ${config.repeats} more`;
    const insertMs = insert.result;
    const rate = (count: number, elapsed: number) => count / (elapsed / 1000);
    const firstMedian = (t: { first: number; median: number }) => `${ms(t.first)} / ${ms(t.median)}`;
    const searchRow = (name: keyof typeof queries, label: string, target: boolean): Row => {
      const s = searches[name];
      const baseline = name === 'common' || name === 'rare' ? bare.search[name] : undefined;
      return {
        section,
        label,
        figure: firstMedian(s),
        baseline: baseline ? `bare ${ms(baseline.median)}` : undefined,
        ratio: baseline ? ratio(s.median / baseline.median) : undefined,
        target: target ? { text: `≤ ${STORE_TARGETS.searchMs} ms`, met: Math.max(s.first, s.median) <= STORE_TARGETS.searchMs } : undefined,
        note: `${s.hits} hits of limit ${config.searchLimit}, more: ${s.more}`,
      };
    };
    const rows: Row[] = [
      {
        section,
        label: `insert through the Store API (≤ ${int(config.window)} in flight)`,
        figure: `${int(rate(config.messages, insertMs))} msg/s`,
        baseline: `bare ${int(rate(config.messages, bareInsertMs))} msg/s`,
        ratio: ratio(bareInsertMs / insertMs),
        note:
          `${(insertMs / 1000).toFixed(1)} s (bare batches without indexes: ${(bareInsertMs / 1000).toFixed(1)} s); ` +
          `RSS peak +${int(insert.peakRssMB - rssBefore)} MB (${int(insert.peakRssMB)} MB), heap after GC +${int(heapAfter - heapBefore)} MB; ` +
          `${int(commits.batches)} synced batches, ${int(config.messages / Math.max(1, commits.batches))} messages and ${int(commits.ops / Math.max(1, commits.batches))} operations each; store on disk ${int(diskMB)} MB`,
      },
      {
        section,
        label: `our messages marked delivered (setStatus)`,
        figure: `${int(rate(ours.length, acksMs))} /s`,
        note: `${int(ours.length)} updates, ≤ ${int(config.window)} in flight; then close took ${ms(closeMs)}`,
      },
      { section, label: 'reopen (open LevelDB, load contacts, outbox, counters)', figure: ms(reopenMs), baseline: `bare open ${ms(bare.openMs)}`, ratio: ratio(reopenMs / bare.openMs) },
      {
        section,
        label: `newest page (${config.pageLimit}) of the ${int(config.big)}-message conversation`,
        figure: firstMedian(lastPage),
        baseline: `bare ${ms(bare.lastPage.median)}`,
        ratio: ratio(lastPage.median / bare.lastPage.median),
        target: { text: `≤ ${STORE_TARGETS.lastPageMs} ms`, met: Math.max(lastPage.first, lastPage.median) <= STORE_TARGETS.lastPageMs },
      },
      {
        section,
        label: `${config.pagesBack} pages back from there (before: …)`,
        figure: `${ms(pagesBackMs)} (${ms(pagesBackMs / config.pagesBack)} a page)`,
        baseline: `bare ${ms(bare.pagesBackMs)}`,
        ratio: ratio(pagesBackMs / bare.pagesBackMs),
      },
      searchRow('common', `search a common word ("${COMMON_WORD}", in ~${Math.round(100 / COMMON_EVERY)}% of messages)`, true),
      searchRow('rare', `search a rare word ("${RARE_WORD}", ${int(Math.ceil(config.messages / RARE_EVERY))} messages)`, true),
      searchRow('prefix', `search a prefix ("${queries.prefix}": several words)`, false),
      searchRow('twoWords', `search two words ("${queries.twoWords}")`, false),
    ];
    return {
      rows,
      json: {
        config,
        targets: STORE_TARGETS,
        insert: { ms: insertMs, bareMs: bareInsertMs, peakRssMB: insert.peakRssMB, rssBeforeMB: rssBefore, heapDeltaMB: heapAfter - heapBefore, commits, diskMB },
        acks: { count: ours.length, ms: acksMs },
        closeMs,
        reopenMs,
        lastPage,
        pagesBackMs,
        searches,
        bare,
      },
    };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/** Whole-section deadline: the full-size run takes about a minute or two on a 2-core machine. */
const STORE_WATCHDOG_MS = 420_000;

/** Runs section 6 at full size (or a tenth with `quick`), prints its table and writes `outFile`. */
export async function runStoreSection(opts: { quick: boolean; progress: (text: string) => void; outFile: string }): Promise<void> {
  const watchdog = setTimeout(() => {
    console.error(`\nThe store bench did not finish within ${STORE_WATCHDOG_MS / 1000} s: stopped (its temporary directory peerline-store-bench-* may be left in ${os.tmpdir()}).`);
    process.exit(1);
  }, STORE_WATCHDOG_MS);
  watchdog.unref();
  const tenth = (n: number) => Math.round(n / 10);
  const config = opts.quick ? { ...STORE_CONFIG, messages: tenth(STORE_CONFIG.messages), big: tenth(STORE_CONFIG.big) } : STORE_CONFIG;
  const start = nowMs();
  const { rows, json } = await runStoreBench(config, opts.progress);
  clearTimeout(watchdog);
  console.log('');
  console.log(renderTable(rows));
  console.log('');
  console.log('Store setup: one Store in this thread, LevelDB on this machine\'s temporary folder; every write synced (group commit).');
  console.log('Baselines run in the same process on the same data: bare classic-level batches (no indexes), bare reverse iterators');
  console.log('and a bare index scan + getMany over the store\'s own directory. Targets are informational (✓ met, ✗ not met).');
  await writeJson(opts.outFile, { date: new Date().toISOString(), quick: opts.quick, durationSeconds: (nowMs() - start) / 1000, ...json, rows });
  console.log(`Store results: ${opts.outFile}`);
}
