/**
 * Values derived from the state, named, so that components read them instead of working them out inline. Those
 * that build a new array keep returning the same one while their inputs are the same objects: a selector given
 * to `useStore` must not hand out a fresh value on every call.
 */
import type { Conversation, Message } from '../../shared/ipc/contract';
import { distinctNames } from '../../shared/names';
import type { AppState, LocalMessage, ShownMessage } from './types';

/** Messages unread across all conversations ("(3) Peerline"). */
export function selectUnreadTotal(state: AppState): number {
  let total = 0;
  for (const conversation of Object.values(state.conversations)) total += conversation.unread;
  return total;
}

export function selectHasConversations(state: AppState): boolean {
  return Object.keys(state.conversations).length > 0;
}

/** What a message request has stored, while the conversation is one (not accepted yet); null otherwise. */
export function selectRequest(state: AppState, peer: string): NonNullable<Conversation['request']> | null {
  return state.conversations[peer]?.request ?? null;
}

/** The conversation open, while it exists (one removed meanwhile is not shown). */
export function selectSelectedConversation(state: AppState): Conversation | null {
  return state.selectedPeer === null ? null : (state.conversations[state.selectedPeer] ?? null);
}

/** The list order: latest activity first (a message, or the peer coming online here), then by name. */
export function sortConversations(conversations: Record<string, Conversation>, touchedAt: Record<string, number>): Conversation[] {
  const activity = (c: Conversation) => Math.max(c.lastMessage?.at ?? 0, touchedAt[c.peer] ?? 0);
  return Object.values(conversations).sort((a, b) => activity(b) - activity(a) || a.name.localeCompare(b.name) || (a.peer < b.peer ? -1 : 1));
}

/** Remembers the last answer of `compute`, given again while both inputs are the same. */
function lastAnswer<A, B, R>(compute: (a: A, b: B) => R): (a: A, b: B) => R {
  let last: { a: A; b: B; answer: R } | null = null;
  return (a, b) => {
    if (last === null || last.a !== a || last.b !== b) last = { a, b, answer: compute(a, b) };
    return last.answer;
  };
}

const sortedConversations = lastAnswer(sortConversations);

/** The conversations in list order (see `sortConversations`). */
export function selectSortedConversations(state: AppState): Conversation[] {
  return sortedConversations(state.conversations, state.touchedAt);
}

const shownNames = lastAnswer((conversations: Record<string, Conversation>, _unused: null) => distinctNames(Object.values(conversations)));

/**
 * The contact's name as the window shows it: names that read alike (`B`, `B` with a zero-width space) each get
 * a short fingerprint, the same rule as the command line's (shared/names.ts).
 */
export function selectShownName(state: AppState, peer: string): string {
  return shownNames(state.conversations, null).get(peer) ?? state.conversations[peer]?.name ?? '';
}

const NO_NOTICES: readonly string[] = Object.freeze([]);

const shownNotices = lastAnswer((notices: readonly string[], dismissed: readonly string[]) => {
  const shown = notices.filter((notice) => !dismissed.includes(notice));
  return shown.length === 0 ? NO_NOTICES : shown;
});

/** The start-up notices the person has not put away. */
export function selectShownNotices(state: AppState): readonly string[] {
  return shownNotices(state.node?.notices ?? NO_NOTICES, state.dismissedNotices);
}

const NO_MESSAGES: readonly ShownMessage[] = Object.freeze([]);

/** The last list shown for a window's stored messages, with the pending list it was joined with. */
const shownWithPending = new WeakMap<readonly Message[], { pending: readonly LocalMessage[]; shown: ShownMessage[] }>();

/**
 * What a conversation's history shows: its stored messages, then ours not yet stored. Those belong after the
 * newest message, so they show only while the window reaches it.
 */
export function selectShownMessages(state: AppState, peer: string): readonly ShownMessage[] {
  const window = state.messages[peer];
  if (window === undefined) return NO_MESSAGES;
  const { items, pending, hasNewer } = window;
  if (hasNewer || pending.length === 0) return items;
  const cached = shownWithPending.get(items);
  if (cached !== undefined && cached.pending === pending) return cached.shown;
  const shown = [...items, ...pending];
  shownWithPending.set(items, { pending, shown });
  return shown;
}

/**
 * The unread count that seeing the view would clear: the conversation's, while its window is loaded at the
 * newest (not loading, not further back); 0 otherwise. The backend owns unread counts.
 */
export function selectUnreadToMark(state: AppState, peer: string): number {
  const window = state.messages[peer];
  if (window === undefined || window.loading !== null || window.items.length === 0 || window.hasNewer) return 0;
  return state.conversations[peer]?.unread ?? 0;
}

/** The peer is typing, shown only while it is online (an offline peer's last indicator is stale). */
export function selectPeerTyping(state: AppState, peer: string): boolean {
  const conversation = state.conversations[peer];
  return conversation?.typing === true && conversation.state === 'online';
}

/** Our typing reaches the peer: it is online over an encrypted channel (a plain-text peer has no indicator). */
export function selectTypingReachesPeer(state: AppState, peer: string): boolean {
  const conversation = state.conversations[peer];
  return conversation?.state === 'online' && conversation.mode === 'secure';
}
