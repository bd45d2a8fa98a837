/**
 * One conversation's loaded history as a bounded window over the backend's (which may hold 200,000 messages):
 * pure functions from a `PeerMessages` and an answer or event to the next one. The window is contiguous (no gaps,
 * no repeats) and never holds more than `cap` stored messages: paging back beyond it drops the newest end,
 * paging forward drops the oldest end, and the flags `hasMore` / `hasNewer` say which way more is to be had.
 */
import type { Message, MessageStatus } from '../../shared/ipc/contract';
import { statusAfter } from '../../shared/status';
import type { Arrived, ArrivedStatus, LocalMessage, PageKind, PeerMessages } from './types';

/** At most this many stored messages of one conversation are held at once. */
export const HISTORY_CAP = 1000;

export const EMPTY_PEER_MESSAGES: PeerMessages = Object.freeze({
  items: [],
  pending: [],
  hasMore: false,
  hasNewer: false,
  loading: null,
  request: 0,
  error: null,
  jump: null,
  arrived: null,
  stale: false,
}) as unknown as PeerMessages;

/** At most this many statuses are buffered for one window (see `PeerMessages.arrived`). */
export const ARRIVED_STATUS_LIMIT = 256;

const NOTHING_ARRIVED: Arrived = Object.freeze({ messages: [], statuses: {} }) as unknown as Arrived;

export interface Page {
  messages: Message[];
  hasMore: boolean;
  hasNewer: boolean;
}

// ---- statuses --------------------------------------------------------------------------------------------------

/** How far a message has come. Failed stands level with sent: a retry or a failure may follow either way. */
const STATUS_RANK: Record<MessageStatus, number> = { queued: 0, sent: 1, failed: 1, delivered: 2, read: 3 };

/**
 * The status to show when the answer to `message:retry` meets the status held meanwhile (queued at once by the
 * person's action, or moved on by events): the answer may have been taken before the events, so the furthest
 * wins (a tie: the newer).
 */
export function laterStatus(current: MessageStatus | undefined, next: MessageStatus | undefined): MessageStatus | undefined {
  if (current === undefined) return next;
  if (next === undefined) return current;
  return STATUS_RANK[next] >= STATUS_RANK[current] ? next : current;
}

/**
 * The status after `message:status-changed`, or after what was known before (a page, an answer to
 * `message:send`) meets a status an event brought meanwhile: events arrive in order and are the latest word, so
 * the new one wins (failed after sent, queued again after a retry), except that a message the peer has stored
 * (delivered, read) never goes back.
 */
export function statusAfterEvent(current: MessageStatus | undefined, next: MessageStatus | undefined): MessageStatus | undefined {
  return next === undefined ? current : statusAfter(current, next);
}

/** A message with a new status; the failure reason stays only while it is failed. */
export function withStatus(message: Message, status: MessageStatus | undefined, failure: string | undefined): Message {
  const reason = status === 'failed' ? failure : undefined;
  if (status === message.status && reason === message.failure) return message;
  const next: Message = { ...message };
  if (status === undefined) delete next.status;
  else next.status = status;
  if (reason === undefined) delete next.failure;
  else next.failure = reason;
  return next;
}

/** A message moved on by a status event; a failed one keeps its reason unless the event gives a new one. */
function withEventStatus(message: Message, status: MessageStatus, failure: string | undefined): Message {
  const next = statusAfterEvent(message.status, status);
  return withStatus(message, next, next === 'failed' ? (failure ?? (message.status === 'failed' ? message.failure : undefined)) : undefined);
}

// ---- events that came while a page was loading ------------------------------------------------------------------

/**
 * Whether the window keeps what events bring: while a page is loading (it may have been read before them) or
 * one of ours is on its way (a status may name it before `message:send` answers).
 */
function buffering(current: PeerMessages): boolean {
  return current.loading !== null || current.pending.some((message) => message.error === undefined);
}

/** The window with its buffer changed by `update` while it buffers; without one once nothing needs it. */
function withArrived(current: PeerMessages, update: (arrived: Arrived) => Arrived): PeerMessages {
  if (!buffering(current)) return current.arrived === null ? current : { ...current, arrived: null };
  return { ...current, arrived: update(current.arrived ?? NOTHING_ARRIVED) };
}

/** A page came or failed: what was buffered for it goes; statuses stay only for ours still on their way. */
function arrivedSettled(current: PeerMessages): PeerMessages {
  return withArrived(current, (arrived) => (arrived.messages.length === 0 ? arrived : { ...arrived, messages: [] }));
}

/** Remembers the latest status (or the removal, null) of `id`, as an event would set it. */
function rememberStatus(arrived: Arrived, id: string, next: ArrivedStatus): Arrived {
  const previous = arrived.statuses[id];
  let value: ArrivedStatus = next;
  if (previous === null || next === null) value = null; // removed stays removed
  else if (previous !== undefined) {
    const status = statusAfterEvent(previous.status, next.status)!;
    const failure = status === 'failed' ? (next.failure ?? previous.failure) : undefined;
    value = failure === undefined ? { status } : { status, failure };
  }
  const statuses = { ...arrived.statuses, [id]: value };
  const ids = Object.keys(statuses);
  for (const old of ids.slice(0, Math.max(0, ids.length - ARRIVED_STATUS_LIMIT))) delete statuses[old];
  return { ...arrived, statuses };
}

/** `message` as the events buffered since it was read have moved it on; null when one removed it. */
export function replayedMessage(message: Message, arrived: Arrived | null): Message | null {
  const event = arrived?.statuses[message.id];
  if (event === undefined) return message;
  if (event === null) return null;
  return withEventStatus(message, event.status, event.failure);
}

/**
 * A page just joined or replaced the window: what events brought while it was loading goes onto it. New
 * messages join when the window reaches the newest; statuses and removals apply to what it holds.
 */
function replayed(window: PeerMessages, arrived: Arrived | null, cap: number): PeerMessages {
  if (arrived === null) return window;
  let { items, hasMore } = window;
  if (!window.hasNewer) {
    const fresh = newOnly(items, arrived.messages);
    if (fresh.length > 0) {
      const [kept, dropped] = keepNewest(mergeMessages(items, fresh), cap);
      items = kept;
      hasMore ||= dropped;
    }
  }
  if (Object.keys(arrived.statuses).length > 0) {
    const moved: Message[] = [];
    for (const message of items) {
      const next = replayedMessage(message, arrived);
      if (next !== null) moved.push(next);
    }
    if (moved.length !== items.length || moved.some((message, index) => message !== items[index])) items = moved;
  }
  return items === window.items ? window : { ...window, items, hasMore };
}

// ---- merging ---------------------------------------------------------------------------------------------------

/**
 * Merges messages into a list by id: a known id is updated (its status as an event would move it), a new one is
 * placed by time. Pages that extend the window at one end do not come through here: they are joined as the
 * backend ordered them.
 */
export function mergeMessages(existing: readonly Message[], incoming: readonly Message[]): Message[] {
  if (incoming.length === 0) return existing as Message[];
  const byId = new Map<string, number>();
  const result = existing.slice();
  result.forEach((message, index) => byId.set(message.id, index));
  let needsSort = false;
  for (const message of incoming) {
    const index = byId.get(message.id);
    if (index !== undefined) {
      const current = result[index]!;
      const status = statusAfterEvent(current.status, message.status);
      result[index] = withStatus({ ...current, ...message }, status, status === 'failed' ? (message.failure ?? current.failure) : undefined);
      continue;
    }
    const last = result.at(-1);
    if (last !== undefined && last.at > message.at) needsSort = true;
    byId.set(message.id, result.length);
    result.push(message);
  }
  // Array.prototype.sort is stable: equal times keep their arrival order.
  if (needsSort) result.sort((a, b) => a.at - b.at);
  return result;
}

function newOnly(known: readonly Message[], page: readonly Message[]): Message[] {
  const ids = new Set(known.map((message) => message.id));
  return page.filter((message) => !ids.has(message.id));
}

/** Keeps the newest `cap` items; says whether any were dropped. */
function keepNewest(items: Message[], cap: number): [Message[], boolean] {
  return items.length > cap ? [items.slice(items.length - cap), true] : [items, false];
}

/** Keeps the oldest `cap` items; says whether any were dropped. */
function keepOldest(items: Message[], cap: number): [Message[], boolean] {
  return items.length > cap ? [items.slice(0, cap), true] : [items, false];
}

// ---- pages -----------------------------------------------------------------------------------------------------

/**
 * A page was asked for; `request` names it, so that an answer overtaken by a later jump can be dropped. The page
 * is read after everything the window holds, so the buffer starts afresh (keeping statuses for ours on their way).
 */
export function windowRequested(current: PeerMessages, kind: PageKind, request: number): PeerMessages {
  const arrived = current.arrived === null ? NOTHING_ARRIVED : { messages: [], statuses: current.arrived.statuses };
  return { ...current, loading: kind, request, error: null, arrived };
}

export interface PageOptions {
  cap: number;
  /** For a jump (`newest` that replaces the window, `around`): the view's sequence number. */
  seq: number;
  /** `around`: the message the page was asked around. */
  around?: string;
  /** `older`: the first item the page was asked `before`; the answer is dropped when the window starts elsewhere now. */
  before?: string;
  /** `newer`: the last item the page was asked `after`; the answer is dropped when the window ends elsewhere now. */
  after?: string;
}

/**
 * `message:list` answered the request `request` (any other is dropped). What events brought while it was loading
 * is then replayed onto it (see `replayed`).
 * - `older` (`before` the first item): joined in front; beyond the cap the newest end goes. Dropped when the
 *   window no longer starts at its cursor (a new message pushed the oldest out): it would leave a gap.
 * - `newer` (`after` the last item): joined behind; beyond the cap the oldest end goes. Dropped likewise.
 * - `newest`: merged when it overlaps a window that is at the newest already (a reload after the link came back);
 *   otherwise it replaces the window, and the view is sent to the newest end.
 * - `around`: replaces the window, and the view is sent to that message.
 */
export function windowLoaded(current: PeerMessages, request: number, kind: PageKind, page: Page, options: PageOptions): PeerMessages {
  if (current.request !== request) return current;
  const settled: PeerMessages = arrivedSettled({ ...current, loading: null, error: null });
  const joined = joinPage(current, settled, kind, page, options);
  return joined === settled ? settled : replayed({ ...joined, stale: false }, current.arrived, options.cap);
}

function joinPage(current: PeerMessages, settled: PeerMessages, kind: PageKind, page: Page, options: PageOptions): PeerMessages {
  switch (kind) {
    case 'older': {
      if (options.before !== undefined && current.items[0]?.id !== options.before) return settled;
      const [items, dropped] = keepOldest([...newOnly(current.items, page.messages), ...current.items], options.cap);
      return { ...settled, items, hasMore: page.hasMore, hasNewer: current.hasNewer || dropped };
    }
    case 'newer': {
      if (options.after !== undefined && current.items.at(-1)?.id !== options.after) return settled;
      const [items, dropped] = keepNewest([...current.items, ...newOnly(current.items, page.messages)], options.cap);
      return { ...settled, items, hasMore: current.hasMore || dropped, hasNewer: page.hasNewer };
    }
    case 'newest': {
      const known = new Set(current.items.map((message) => message.id));
      const overlaps = !current.hasNewer && !current.stale && page.messages.some((message) => known.has(message.id));
      if (overlaps) {
        const startsInside = known.has(page.messages[0]!.id);
        const [items, dropped] = keepNewest(mergeMessages(current.items, page.messages), options.cap);
        return { ...settled, items, hasMore: (startsInside ? current.hasMore : page.hasMore) || dropped, hasNewer: page.hasNewer };
      }
      const [items, dropped] = keepNewest(page.messages, options.cap);
      return { ...settled, items, hasMore: page.hasMore || dropped, hasNewer: page.hasNewer, jump: { seq: options.seq, to: 'newest' } };
    }
    case 'around': {
      const [items] = keepNewest(page.messages, options.cap);
      const jump = options.around !== undefined ? { seq: options.seq, to: 'message' as const, id: options.around } : current.jump;
      return { ...settled, items, hasMore: page.hasMore || items.length < page.messages.length, hasNewer: page.hasNewer, jump };
    }
  }
}

export function windowFailed(current: PeerMessages, request: number, error: string, around?: string): PeerMessages {
  if (current.request !== request) return current;
  const kind = current.loading ?? 'newest';
  const failed = kind === 'around' && around !== undefined ? { kind, message: error, around } : { kind, message: error };
  return arrivedSettled({ ...current, loading: null, error: failed });
}

// ---- events ----------------------------------------------------------------------------------------------------

/**
 * A new message (received, or ours stored): appended when the window is at the newest, the oldest end giving way
 * beyond the cap. A window further back leaves it to the page that will reach it. While a page loads, the
 * message is kept for it too (the page may have been read before it was stored).
 */
export function windowWithMessage(current: PeerMessages, message: Message, cap: number): PeerMessages {
  let next = current;
  if (!current.hasNewer) {
    const [items, dropped] = keepNewest(mergeMessages(current.items, [message]), cap);
    next = { ...current, items, hasMore: current.hasMore || dropped };
  }
  if (current.loading === null) return next;
  return withArrived(next, (arrived) => ({ ...arrived, messages: [...arrived.messages.filter((m) => m.id !== message.id), message] }));
}

/**
 * `message:status-changed`: the message held moves on; while a page loads or ours is on its way, the status is
 * also kept for the page, or for `message:send`'s answer, that will bring the message.
 */
export function windowWithStatus(current: PeerMessages, id: string, status: MessageStatus, failure: string | undefined): PeerMessages {
  let next = current;
  const index = current.items.findIndex((message) => message.id === id);
  if (index !== -1) {
    const message = current.items[index]!;
    const updated = withEventStatus(message, status, failure);
    if (updated !== message) {
      const items = current.items.slice();
      items[index] = updated;
      next = { ...current, items };
    }
  }
  if (!buffering(current) || (index !== -1 && current.loading === null)) return next;
  return withArrived(next, (arrived) => rememberStatus(arrived, id, failure === undefined ? { status } : { status, failure }));
}

/** `message:removed`, or a cancel answered; a page loading meanwhile will not bring it back. */
export function windowWithout(current: PeerMessages, id: string): PeerMessages {
  const items = current.items.filter((message) => message.id !== id);
  const next = items.length === current.items.length ? current : { ...current, items };
  if (current.arrived === null) return next;
  return withArrived(next, (arrived) => {
    const messages = arrived.messages.filter((message) => message.id !== id);
    if (current.loading !== null) return rememberStatus({ ...arrived, messages }, id, null);
    const statuses = { ...arrived.statuses };
    delete statuses[id];
    return { messages, statuses };
  });
}

/**
 * Leaving a conversation: its window shrinks to the newest `keep` messages, or goes when it is further back or
 * loading. One holding ours that `message:send` has not answered stays as it is. Either way a jump is done with:
 * coming back opens at the newest, not at an old search result.
 */
export function windowShrunk(current: PeerMessages, keep: number): PeerMessages | null {
  if (current.pending.length > 0) return current.jump === null ? current : { ...current, jump: null };
  if (current.hasNewer || current.loading !== null) return null;
  if (current.items.length <= keep) return current.jump === null ? current : { ...current, jump: null };
  return { ...current, items: current.items.slice(current.items.length - keep), hasMore: true, jump: null };
}

// ---- our own messages before the backend stored them ----------------------------------------------------------

export function withPending(current: PeerMessages, message: LocalMessage): PeerMessages {
  return { ...current, pending: [...current.pending, message] };
}

export function withoutPending(current: PeerMessages, localId: string): PeerMessages {
  return withArrived({ ...current, pending: current.pending.filter((message) => message.id !== localId) }, (arrived) => arrived);
}

export function pendingFailed(current: PeerMessages, localId: string, error: string): PeerMessages {
  return withArrived({ ...current, pending: current.pending.map((message) => (message.id === localId ? { ...message, error } : message)) }, (arrived) => arrived);
}

/**
 * The link dropped: a window not on screen may have missed events. Only ours not yet stored are worth keeping;
 * the window stays for them, marked stale, and is loaded afresh when the conversation is opened.
 */
export function windowForgotten(current: PeerMessages): PeerMessages | null {
  if (current.pending.length === 0) return null;
  return { ...current, stale: true, jump: null };
}
