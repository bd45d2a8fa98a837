/**
 * How the store lays its records out in LevelDB: the keys, the value encodings, the layout version and the
 * migrations from older layouts.
 *
 * Keys are UTF-8 strings made of a one-letter namespace, then fields separated by NUL ("\x00"). Numbers are
 * fixed-width lower-case hex, so byte order is numeric order. A field that may hold any text (an id such as
 * `plain:HOST:PORT`, a message id) is always the last field of its key, so no separator inside it can make two
 * keys collide or one range contain another's keys. Words never contain NUL (they are letters and digits).
 *
 * | key                                  | value                                     |
 * | ------------------------------------ | ----------------------------------------- |
 * | `M\0layout`                          | the layout version, a decimal number      |
 * | `M\0counters`                        | `{"seq":n,"conv":n}`: the next sequence and conversation numbers |
 * | `S\0settings`                        | StoredSettings, JSON                      |
 * | `K\0<contact id>`                    | ContactRecord, JSON                       |
 * | `C\0<conversation id>`               | ConversationRecord, JSON                  |
 * | `P\0<conversation id>`               | the conversation's number, hex            |
 * | `D\0<conv>`                          | "" : a removed conversation whose records are still being deleted |
 * | `m\0<conv>\0<seq>`                   | a message (see encodeMessage)             |
 * | `i\0<conv>\0<id>`                    | the message's `<seq>`: dedupe, status updates, paging anchors |
 * | `o\0<conv>\0<seq>`                   | "" : our message waits in the outbox      |
 * | `w\0<word>\0<seq>`                   | `<conv>`: the search index, one entry per distinct word of a message |
 *
 * `<conv>` is a conversation number (8 hex digits) given to a conversation when its first message is stored: short keys
 * for every message and index entry instead of a 64-digit key. `<seq>` (12 hex digits) is one sequence over all
 * conversations, increasing with every message stored, so a conversation's messages are in order under its
 * `m` range and search can merge conversations newest first. The distinct words of the index are found by
 * seeking over the `w` range (no separate vocabulary to keep in step).
 *
 * A direct conversation's id is its contact's id, so its `K`, `C` and `P` keys end in the same id. Layout 1 had
 * no `C` records: the conversation state was part of the contact record (see migrations.ts).
 */
import type { ClassicLevel } from 'classic-level';
import type { MessageKind, MessageStatus } from '../../../shared/ipc/contract';
import type { ConversationId } from '../../../shared/ids';
import type { StoredMessage } from './types';

/** The layout this code writes. A store with a higher one is refused (StoreError 'too-new'). */
export const LAYOUT_VERSION = 2;

export type Db = ClassicLevel<string, string>;

const SEQ_DIGITS = 12;
const CONV_DIGITS = 8;
/** Largest sequence number, 2^48 - 1: 12 hex digits. */
export const MAX_SEQ = 2 ** 48 - 1;

export const LAYOUT_KEY = 'M\x00layout';
export const COUNTERS_KEY = 'M\x00counters';
export const SETTINGS_KEY = 'S\x00settings';

export function seqHex(seq: number): string {
  return seq.toString(16).padStart(SEQ_DIGITS, '0');
}

export function convHex(conv: number): string {
  return conv.toString(16).padStart(CONV_DIGITS, '0');
}

/** The sequence number at the end of a `m`, `o` or `w` key, as in keys. */
export function seqHexOfKey(key: string): string {
  return key.slice(key.length - SEQ_DIGITS);
}

/** The sequence number at the end of a `m`, `o` or `w` key. */
export function seqOfKey(key: string): number {
  return parseInt(seqHexOfKey(key), 16);
}

export const contactKey = (id: string) => `K\x00${id}`;
export const conversationKey = (id: string) => `C\x00${id}`;
export const numberKey = (id: string) => `P\x00${id}`;
export const removalKey = (conv: string) => `D\x00${conv}`;
export const messageKey = (conv: string, seq: string) => `m\x00${conv}\x00${seq}`;
export const idKey = (conv: string, id: string) => `i\x00${conv}\x00${id}`;
export const outboxKey = (conv: string, seq: string) => `o\x00${conv}\x00${seq}`;
export const wordKey = (word: string, seq: string) => `w\x00${word}\x00${seq}`;

/** Bounds of every key of one namespace, or of one namespace and conversation: `gt` / `lt` for an iterator. */
export interface Range {
  gt: string;
  lt: string;
}

export function namespaceRange(ns: 'S' | 'K' | 'C' | 'P' | 'D' | 'm' | 'i' | 'o'): Range {
  return { gt: `${ns}\x00`, lt: `${ns}\x01` };
}

export function conversationRange(ns: 'm' | 'i' | 'o', conv: string): Range {
  return { gt: `${ns}\x00${conv}\x00`, lt: `${ns}\x00${conv}\x01` };
}

/** The index entries of exactly one word. */
export function wordRange(word: string): Range {
  return { gt: `w\x00${word}\x00`, lt: `w\x00${word}\x01` };
}

/** The index entries of every word that starts with `prefix` (U+10FFFF is the largest code point: no letter). */
export function prefixRange(prefix: string): { gte: string; lt: string } {
  return { gte: `w\x00${prefix}`, lt: `w\x00${prefix}\u{10ffff}` };
}

/** The word of a `w` key. */
export function wordOfKey(key: string): string {
  return key.slice(2, key.length - SEQ_DIGITS - 1);
}

/** The key to seek to for the next word after `word` in the `w` range. */
export function afterWord(word: string): string {
  return `w\x00${word}\x01`;
}

/** The id at the end of a `K`, `C` or `P` key. */
export const idOfKey = (key: string) => key.slice(2);
export const convOfKey = (key: string) => key.slice(2, 2 + CONV_DIGITS);

/**
 * A message value: a JSON array `[id, fromMe, at, sentAt, kind, text, status, failure]` (absent ones as null).
 * An array parses and stringifies faster than an object and repeats no field names; the conversation is the key's.
 */
/** The ninth element, present only when true: received from a key that awaited the person's approval. */
type EncodedMessage = [string, boolean, number, number, MessageKind, string, MessageStatus | null, string | null, true?];

export function encodeMessage(m: StoredMessage): string {
  const value: EncodedMessage = [m.id, m.fromMe, m.at, m.sentAt, m.kind, m.text, m.status ?? null, m.failure ?? null];
  if (m.unapprovedKey === true) value.push(true);
  return JSON.stringify(value);
}

export function decodeMessage(raw: string, conversation: ConversationId): StoredMessage {
  const [id, fromMe, at, sentAt, kind, text, status, failure, unapprovedKey] = JSON.parse(raw) as EncodedMessage;
  const message: StoredMessage = { id, conversation, fromMe, text, at, sentAt, kind };
  if (status !== null) message.status = status;
  if (failure !== null) message.failure = failure;
  if (unapprovedKey === true) message.unapprovedKey = true;
  return message;
}

export interface Counters {
  seq: number;
  conv: number;
}
