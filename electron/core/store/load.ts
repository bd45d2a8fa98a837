/**
 * Reading a store at open: its layout version (creating a new store, migrating an older one, refusing a newer
 * one), and the few records kept in memory: settings, contacts, conversations and their numbers, outboxes,
 * removals still under way, and the next sequence and conversation numbers.
 */
import { StoreError } from './errors';
import {
  conversationRange,
  convOfKey,
  COUNTERS_KEY,
  LAYOUT_KEY,
  idOfKey,
  LAYOUT_VERSION,
  namespaceRange,
  seqOfKey,
  SETTINGS_KEY,
  type Counters,
  type Db,
} from './layout';
import { migrate } from './migrations';
import { NotAStore } from './recover';
import { finishImport, parseSettings, readSettingsFile } from './settings';
import type { ContactRecord, ConversationRecord, StoredSettings } from './types';
import { conversationId, type ConversationId } from '../../../shared/ids';

export interface LoadedState {
  settings: StoredSettings;
  contacts: ContactRecord[];
  conversations: ConversationRecord[];
  /** [conversation id, conversation number in hex]. */
  numbers: Array<[ConversationId, string]>;
  /** Conversation number in hex → sequence numbers of its waiting messages. */
  outboxes: Map<string, Set<number>>;
  /** Conversations removed whose records are still to be deleted. */
  removals: string[];
  nextSeq: number;
  nextConv: number;
  notices: string[];
}

function parseJson(raw: string | undefined): unknown {
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

function isContact(value: unknown, id: string): value is ContactRecord {
  const c = value as Partial<ContactRecord> | undefined;
  return (
    typeof c === 'object' &&
    c !== null &&
    c.id === id &&
    (c.mode === 'secure' || c.mode === 'plain') &&
    typeof c.peerName === 'string' &&
    Array.isArray(c.addresses) &&
    Array.isArray(c.keyHistory)
  );
}

function isConversation(value: unknown, id: string): value is ConversationRecord {
  const c = value as Partial<ConversationRecord> | undefined;
  return (
    typeof c === 'object' &&
    c !== null &&
    c.id === id &&
    (c.kind === 'direct' || c.kind === 'group') &&
    Array.isArray(c.members) &&
    typeof c.unread === 'number' &&
    typeof c.lastActivity === 'number'
  );
}

async function readRecords<T>(db: Db, ns: 'K' | 'C', valid: (value: unknown, id: string) => value is T): Promise<T[]> {
  const records: T[] = [];
  for await (const [key, raw] of db.iterator(namespaceRange(ns))) {
    const value = parseJson(raw);
    if (valid(value, idOfKey(key))) records.push(value);
  }
  return records;
}

/** Whether any record of a Peerline store is there (after a repair that lost the layout key). */
async function hasStoreRecords(db: Db): Promise<boolean> {
  for (const ns of ['S', 'K', 'C', 'P', 'm'] as const) {
    if ((await db.keys({ ...namespaceRange(ns), limit: 1 }).all()).length > 0) return true;
  }
  return false;
}

/**
 * Makes sure the store has the current layout: writes the layout (and imported settings) into an empty one,
 * migrates an older one, refuses a newer one. Returns the notices of a settings import.
 */
async function settleLayout(db: Db, dataDir: string, now: () => number, repaired: boolean): Promise<string[]> {
  const layoutRaw = await db.get(LAYOUT_KEY);
  if (layoutRaw === undefined) {
    const empty = (await db.keys({ limit: 1 }).all()).length === 0;
    if (!empty && !(repaired && (await hasStoreRecords(db)))) throw new NotAStore('the directory holds records but no store layout');
    if (!empty) {
      // Repair kept records but lost the layout key: they can only be this layout's.
      await db.put(LAYOUT_KEY, String(LAYOUT_VERSION), { sync: true });
      return [];
    }
    const imported = await readSettingsFile(dataDir, now);
    const counters: Counters = { seq: 1, conv: 1 };
    await db.batch(
      [
        { type: 'put', key: LAYOUT_KEY, value: String(LAYOUT_VERSION) },
        { type: 'put', key: COUNTERS_KEY, value: JSON.stringify(counters) },
        { type: 'put', key: SETTINGS_KEY, value: JSON.stringify(imported.settings) },
      ],
      { sync: true },
    );
    if (imported.file !== undefined) await finishImport(imported.file);
    return imported.notice === undefined ? [] : [imported.notice];
  }
  const layout = Number(layoutRaw);
  if (!Number.isInteger(layout) || layout < 1) throw new NotAStore(`unreadable store layout ${JSON.stringify(layoutRaw)}`);
  if (layout > LAYOUT_VERSION) {
    throw new StoreError(
      'too-new',
      `The message store was written by a newer version of Peerline (store layout ${layout}; this version reads up to ${LAYOUT_VERSION}), so it was left untouched: please update Peerline to open it.`,
    );
  }
  if (layout < LAYOUT_VERSION) await migrate(db, layout);
  return [];
}

/** Reads everything the store keeps in memory; see the file comment. */
export async function loadState(db: Db, opts: { dataDir: string; now: () => number; repaired: boolean }): Promise<LoadedState> {
  const notices = await settleLayout(db, opts.dataDir, opts.now, opts.repaired);
  const settings = parseSettings(parseJson(await db.get(SETTINGS_KEY)) ?? {});
  const counters = parseJson(await db.get(COUNTERS_KEY)) as Partial<Counters> | undefined;

  const contacts = await readRecords(db, 'K', isContact);
  const conversations = await readRecords(db, 'C', isConversation);
  const numbers: Array<[ConversationId, string]> = [];
  for await (const [key, conv] of db.iterator(namespaceRange('P'))) numbers.push([conversationId(idOfKey(key)), conv]);
  const removals: string[] = [];
  for await (const key of db.keys(namespaceRange('D'))) removals.push(convOfKey(key));
  const outboxes = new Map<string, Set<number>>();
  for await (const key of db.keys(namespaceRange('o'))) {
    const conv = convOfKey(key);
    let seqs = outboxes.get(conv);
    if (seqs === undefined) outboxes.set(conv, (seqs = new Set()));
    seqs.add(seqOfKey(key));
  }

  const valid = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 1;
  let nextSeq = valid(counters?.seq) ? counters.seq : 1;
  let nextConv = valid(counters?.conv) ? counters.conv : 1;
  if (opts.repaired || !valid(counters?.seq) || !valid(counters?.conv)) {
    // The counters go to disk in the same batch as the records that use them, but a repair may have lost them:
    // never hand out a sequence number, or a conversation number, that records still use.
    for (const conv of [...numbers.map(([, c]) => c), ...removals]) {
      const [last] = await db.keys({ ...conversationRange('m', conv), reverse: true, limit: 1 }).all();
      if (last !== undefined) nextSeq = Math.max(nextSeq, seqOfKey(last) + 1);
    }
    for (const ns of ['m', 'i', 'o'] as const) {
      const [last] = await db.keys({ ...namespaceRange(ns), reverse: true, limit: 1 }).all();
      if (last !== undefined) nextConv = Math.max(nextConv, parseInt(convOfKey(last), 16) + 1);
    }
  }
  for (const conv of [...numbers.map(([, c]) => c), ...removals]) nextConv = Math.max(nextConv, parseInt(conv, 16) + 1);
  return { settings, contacts, conversations, numbers, outboxes, removals, nextSeq, nextConv, notices };
}
