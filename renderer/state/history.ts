/**
 * One conversation's loaded history as a bounded window over the backend's (which may hold 200,000 messages):
 * pure functions from a `PeerMessages` and an answer or event to the next one. The window is contiguous (no gaps,
 * no repeats) and never holds more than `cap` stored messages: paging back beyond it drops the newest end,
 * paging forward drops the oldest end, and the flags `hasMore` / `hasNewer` say which way more is to be had.
 */
import type { Message, MessageStatus } from '../../shared/ipc/contract';
import type { LocalMessage, PageKind, PeerMessages } from './types';

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
}) as unknown as PeerMessages;

export interface Page {
  messages: Message[];
  hasMore: boolean;
  hasNewer: boolean;
}

// ---- statuses --------------------------------------------------------------------------------------------------

/** How far a message has come. Failed stands level with sent: a retry or a failure may follow either way. */
const STATUS_RANK: Record<MessageStatus, number> = { queued: 0, sent: 1, failed: 1, delivered: 2, read: 3 };

/**
 * The status to show when an answer (`message:send`, `message:retry`) meets a status an event already brought:
 * the answer may have been taken before the event, so the furthest wins (a tie: the newer).
 */
export function laterStatus(current: MessageStatus | undefined, next: MessageStatus | undefined): MessageStatus | undefined {
  if (current === undefined) return next;
  if (next === undefined) return current;
  return STATUS_RANK[next] >= STATUS_RANK[current] ? next : current;
}

/**
 * The status after `message:status-changed` (or a fresh page): events arrive in order, so the new one wins
 * (failed after sent, queued again after a retry), except that a message the peer has stored never goes back.
 */
export function statusAfterEvent(current: MessageStatus | undefined, next: MessageStatus | undefined): MessageStatus | undefined {
  if (next === undefined || current === 'read') return current ?? next;
  if (current === 'delivered' && next !== 'read') return current;
  return next;
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

/** A page was asked for; `request` names it, so that an answer overtaken by a later jump can be dropped. */
export function windowRequested(current: PeerMessages, kind: PageKind, request: number): PeerMessages {
  return { ...current, loading: kind, request, error: null };
}

export interface PageOptions {
  cap: number;
  /** For a jump (`newest` that replaces the window, `around`): the view's sequence number. */
  seq: number;
  /** `around`: the message the page was asked around. */
  around?: string;
}

/**
 * `message:list` answered the request `request` (any other is dropped).
 * - `older` (`before` the first item): joined in front; beyond the cap the newest end goes.
 * - `newer` (`after` the last item): joined behind; beyond the cap the oldest end goes.
 * - `newest`: merged when it overlaps a window that is at the newest already (a reload after the link came back);
 *   otherwise it replaces the window, and the view is sent to the newest end.
 * - `around`: replaces the window, and the view is sent to that message.
 */
export function windowLoaded(current: PeerMessages, request: number, kind: PageKind, page: Page, options: PageOptions): PeerMessages {
  if (current.request !== request) return current;
  const settled = { ...current, loading: null, error: null };
  switch (kind) {
    case 'older': {
      const [items, dropped] = keepOldest([...newOnly(current.items, page.messages), ...current.items], options.cap);
      return { ...settled, items, hasMore: page.hasMore, hasNewer: current.hasNewer || dropped };
    }
    case 'newer': {
      const [items, dropped] = keepNewest([...current.items, ...newOnly(current.items, page.messages)], options.cap);
      return { ...settled, items, hasMore: current.hasMore || dropped, hasNewer: page.hasNewer };
    }
    case 'newest': {
      const known = new Set(current.items.map((message) => message.id));
      const overlaps = !current.hasNewer && page.messages.some((message) => known.has(message.id));
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

export function windowFailed(current: PeerMessages, request: number, error: string): PeerMessages {
  if (current.request !== request) return current;
  return { ...current, loading: null, error: { kind: current.loading ?? 'newest', message: error } };
}

// ---- events ----------------------------------------------------------------------------------------------------

/**
 * A new message (received, or ours stored): appended when the window is at the newest, the oldest end giving way
 * beyond the cap. A window further back leaves it to the page that will reach it.
 */
export function windowWithMessage(current: PeerMessages, message: Message, cap: number): PeerMessages {
  if (current.hasNewer) return current;
  const merged = mergeMessages(current.items, [message]);
  if (merged === current.items) return current;
  const [items, dropped] = keepNewest(merged, cap);
  return { ...current, items, hasMore: current.hasMore || dropped };
}

/** `message:status-changed`; null when the window does not hold that message. */
export function windowWithStatus(current: PeerMessages, id: string, status: MessageStatus, failure: string | undefined): PeerMessages | null {
  const index = current.items.findIndex((message) => message.id === id);
  if (index === -1) return null;
  const message = current.items[index]!;
  const next = statusAfterEvent(message.status, status);
  const updated = withStatus(message, next, next === 'failed' ? (failure ?? (message.status === 'failed' ? message.failure : undefined)) : undefined);
  if (updated === message) return current;
  const items = current.items.slice();
  items[index] = updated;
  return { ...current, items };
}

/** `message:removed`, or a cancel answered. */
export function windowWithout(current: PeerMessages, id: string): PeerMessages {
  const items = current.items.filter((message) => message.id !== id);
  return items.length === current.items.length ? current : { ...current, items };
}

/**
 * Leaving a conversation: its window shrinks to the newest `keep` messages, or goes when it is further back or
 * loading. One holding ours that `message:send` has not answered stays as it is.
 */
export function windowShrunk(current: PeerMessages, keep: number): PeerMessages | null {
  if (current.pending.length > 0) return current;
  if (current.hasNewer || current.loading !== null) return null;
  if (current.items.length <= keep) return current.jump === null ? current : { ...current, jump: null };
  return { ...current, items: current.items.slice(current.items.length - keep), hasMore: true, jump: null };
}

// ---- our own messages before the backend stored them ----------------------------------------------------------

export function withPending(current: PeerMessages, message: LocalMessage): PeerMessages {
  return { ...current, pending: [...current.pending, message] };
}

export function withoutPending(current: PeerMessages, localId: string): PeerMessages {
  return { ...current, pending: current.pending.filter((message) => message.id !== localId) };
}

export function pendingFailed(current: PeerMessages, localId: string, error: string): PeerMessages {
  return { ...current, pending: current.pending.map((message) => (message.id === localId ? { ...message, error } : message)) };
}
