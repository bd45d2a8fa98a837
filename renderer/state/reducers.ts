/**
 * How backend answers and events change the state: pure functions from the current data to the changed part,
 * applied with `store.setState(state => reducer(state, …))`. Nothing here calls the backend.
 */
import type { Conversation, Message, MessageStatus, NodeStatus, SearchResult, Settings } from '../../shared/ipc/contract';
import {
  EMPTY_PEER_MESSAGES,
  HISTORY_CAP,
  laterStatus,
  pendingFailed,
  replayedMessage,
  windowForgotten,
  windowFailed,
  windowLoaded,
  windowRequested,
  windowShrunk,
  windowWithMessage,
  windowWithout,
  windowWithStatus,
  withoutPending,
  withPending,
  withStatus,
  type Page,
  type PageOptions,
} from './history';
import { NO_SEARCH } from './store';
import type { AppData, LinkState, LocalMessage, PageKind, PeerMessages } from './types';

export { EMPTY_PEER_MESSAGES, HISTORY_CAP, laterStatus, mergeMessages, statusAfterEvent } from './history';

type Change = Partial<AppData>;

// ---- conversations -------------------------------------------------------------------------------------------

/**
 * `conversation:list` answered: the backend's list replaces ours. With `before` (the peers known when it was
 * asked for), one first seen since (`peer:updated` while the list was on its way) stays: the list may predate it.
 */
export function conversationsLoaded(state: AppData, list: readonly Conversation[], before?: readonly string[]): Change {
  const conversations: Record<string, Conversation> = {};
  if (before !== undefined) {
    const known = new Set(before);
    for (const [peer, conversation] of Object.entries(state.conversations)) if (!known.has(peer)) conversations[peer] = conversation;
  }
  for (const conversation of list) conversations[conversation.peer] = conversation;
  return { conversations };
}

/** `peer:updated`, or `peer:connect` answered: insert or replace by peer key. */
export function conversationUpserted(state: AppData, conversation: Conversation, now: number): Change {
  const previous = state.conversations[conversation.peer];
  const cameAlive = conversation.state !== 'offline' && (previous === undefined || previous.state === 'offline');
  const change: Change = { conversations: { ...state.conversations, [conversation.peer]: conversation } };
  if (previous === undefined || cameAlive) change.touchedAt = { ...state.touchedAt, [conversation.peer]: now };
  return change;
}

/** `conversation:removed`, or `contact:remove` answered: the contact and everything of it goes. */
export function conversationRemoved(state: AppData, peer: string): Change {
  const change: Change = {};
  const without = <T>(record: Record<string, T>): Record<string, T> => {
    const copy = { ...record };
    delete copy[peer];
    return copy;
  };
  if (state.conversations[peer] !== undefined) change.conversations = without(state.conversations);
  if (state.touchedAt[peer] !== undefined) change.touchedAt = without(state.touchedAt);
  if (state.messages[peer] !== undefined) change.messages = without(state.messages);
  if (state.drafts[peer] !== undefined) change.drafts = without(state.drafts);
  if (state.selectedPeer === peer) change.selectedPeer = null;
  if (state.dialog !== null && 'peer' in state.dialog && state.dialog.peer === peer) change.dialog = null;
  const results = state.search.results.filter((result) => result.peer !== peer);
  if (results.length !== state.search.results.length) change.search = { ...state.search, results };
  return change;
}

/** `conversation:mark-read` answered. */
export function markedRead(state: AppData, peer: string): Change {
  const conversation = state.conversations[peer];
  if (conversation === undefined || conversation.unread === 0) return {};
  return { conversations: { ...state.conversations, [peer]: { ...conversation, unread: 0 } } };
}

/** The list order: latest activity first (a message, or the peer coming online here), then by name. */
export function sortConversations(conversations: Record<string, Conversation>, touchedAt: Record<string, number>): Conversation[] {
  const activity = (c: Conversation) => Math.max(c.lastMessage?.at ?? 0, touchedAt[c.peer] ?? 0);
  return Object.values(conversations).sort((a, b) => activity(b) - activity(a) || a.name.localeCompare(b.name) || (a.peer < b.peer ? -1 : 1));
}

function withLastMessage(state: AppData, message: Message): Change {
  const conversation = state.conversations[message.peer];
  if (conversation === undefined || message.kind === 'notice') return {};
  if (conversation.lastMessage !== undefined && conversation.lastMessage.at > message.at) return {};
  const lastMessage = { text: message.text, at: message.at, fromMe: message.fromMe };
  return { conversations: { ...state.conversations, [message.peer]: { ...conversation, lastMessage } } };
}

// ---- messages -------------------------------------------------------------------------------------------------

/**
 * Changes a conversation's window. Only asking for a page and writing a message create one: an answer or an
 * event for a window that was let go (the conversation left or removed) changes nothing.
 */
function updateWindow(state: AppData, peer: string, update: (current: PeerMessages) => PeerMessages | null, create = false): Change {
  const held = state.messages[peer];
  if (held === undefined && !create) return {};
  const current = held ?? EMPTY_PEER_MESSAGES;
  const next = update(current);
  if (next === null || next === current) return {};
  return { messages: { ...state.messages, [peer]: next } };
}

/** A page of `message:list` is being fetched (see `windowRequested`). */
export function pageRequested(state: AppData, peer: string, kind: PageKind, request: number): Change {
  return updateWindow(state, peer, (current) => windowRequested(current, kind, request), true);
}

/** `message:list` answered (see `windowLoaded`). */
export function pageLoaded(state: AppData, peer: string, request: number, kind: PageKind, page: Page, options: PageOptions): Change {
  return updateWindow(state, peer, (current) => windowLoaded(current, request, kind, page, options));
}

export function pageFailed(state: AppData, peer: string, request: number, error: string, around?: string): Change {
  return updateWindow(state, peer, (current) => windowFailed(current, request, error, around));
}

/** A search result is already in the window: the view goes to it without a page. */
export function jumpRequested(state: AppData, peer: string, id: string, seq: number): Change {
  return updateWindow(state, peer, (current) => ({ ...current, jump: { seq, to: 'message', id } }));
}

/** Leaving a conversation: its history shrinks to its newest page (or goes), so that memory stays bounded. */
export function historyShrunk(state: AppData, peer: string, keep: number): Change {
  const current = state.messages[peer];
  if (current === undefined) return {};
  const next = windowShrunk(current, keep);
  if (next === current) return {};
  if (next !== null) return { messages: { ...state.messages, [peer]: next } };
  const messages = { ...state.messages };
  delete messages[peer];
  return { messages };
}

/**
 * Loaded histories of other conversations may have missed events (the link dropped): load them again later.
 * One holding ours not yet stored stays for them, marked stale (see `windowForgotten`).
 */
export function historiesForgotten(state: AppData, keep: string | null): Change {
  const messages: Record<string, PeerMessages> = {};
  for (const [peer, window] of Object.entries(state.messages)) {
    const kept = peer === keep ? window : windowForgotten(window);
    if (kept !== null) messages[peer] = kept;
  }
  return { messages };
}

/** `message:received`: into a loaded history at the newest, and the conversation's preview follows. */
export function messageReceived(state: AppData, message: Message, cap = HISTORY_CAP): Change {
  const change = withLastMessage(state, message);
  const loaded = state.messages[message.peer];
  if (loaded !== undefined) {
    const next = windowWithMessage(loaded, message, cap);
    if (next !== loaded) change.messages = { ...state.messages, [message.peer]: next };
  }
  return change;
}

/**
 * `message:status-changed`. A window loading a page, or waiting for `message:send` to answer, keeps it for the
 * message that the page or the answer will bring (see `windowWithStatus`).
 */
export function messageStatusChanged(state: AppData, change: { peer: string; id: string; status: MessageStatus; failure?: string }): Change {
  return updateWindow(state, change.peer, (current) => windowWithStatus(current, change.id, change.status, change.failure));
}

/** `message:removed` (a cancelled message), or `message:cancel` answered. */
export function messageRemoved(state: AppData, change: { peer: string; id: string }): Change {
  return updateWindow(state, change.peer, (current) => windowWithout(current, change.id));
}

/** Our message is shown as "sending" until `message:send` answers. */
export function sendStarted(state: AppData, message: LocalMessage): Change {
  return updateWindow(state, message.peer, (current) => withPending(current, message), true);
}

/**
 * `message:send` answered with the stored message: it takes the place of the local one, moved on by any status
 * an event brought before the answer (or left out when an event removed it meanwhile).
 */
export function sendSucceeded(state: AppData, peer: string, localId: string, message: Message, cap = HISTORY_CAP): Change {
  const change = updateWindow(state, peer, (current) => {
    const stored = replayedMessage(message, current.arrived);
    const without = withoutPending(current, localId);
    return stored === null ? without : windowWithMessage(without, stored, cap);
  });
  return { ...change, ...withLastMessage({ ...state, ...change }, message) };
}

/** `message:send` answered with an error: the local message stays, marked failed, with the reason. */
export function sendFailed(state: AppData, peer: string, localId: string, error: string): Change {
  return updateWindow(state, peer, (current) => pendingFailed(current, localId, error));
}

/** A local message that `message:send` refused goes (before it is sent again, or when the person cancels it). */
export function localMessageRemoved(state: AppData, peer: string, localId: string): Change {
  return updateWindow(state, peer, (current) => withoutPending(current, localId));
}

/** A stored message's status, set by the person's own action (a retry starts it queued again; a failed retry puts back what was). */
export function messageStatusSet(state: AppData, peer: string, id: string, status: MessageStatus, failure?: string): Change {
  return updateWindow(state, peer, (current) => {
    const index = current.items.findIndex((message) => message.id === id);
    if (index === -1) return null;
    const items = current.items.slice();
    items[index] = withStatus(items[index]!, status, failure);
    return { ...current, items };
  });
}

/** `message:retry` answered: the message as stored again; events may have taken it further meanwhile. */
export function retryAnswered(state: AppData, message: Message): Change {
  return updateWindow(state, message.peer, (current) => {
    const index = current.items.findIndex((item) => item.id === message.id);
    if (index === -1) return null;
    const held = current.items[index]!;
    const items = current.items.slice();
    const status = laterStatus(message.status, held.status);
    // When what is held wins (a failure came before the answer), so does its reason.
    const failure = status === held.status ? (held.failure ?? message.failure) : message.failure;
    items[index] = withStatus({ ...held, ...message }, status, failure);
    return { ...current, items };
  });
}

// ---- search ---------------------------------------------------------------------------------------------------

export function searchStarted(state: AppData, query: string): Change {
  return { search: { ...state.search, query, loading: true, error: null } };
}

export function searchAnswered(state: AppData, query: string, answer: { results: SearchResult[]; more: boolean }): Change {
  if (state.search.query !== query) return {};
  return { search: { query, loading: false, results: answer.results, more: answer.more, error: null } };
}

export function searchFailed(state: AppData, query: string, error: string): Change {
  if (state.search.query !== query) return {};
  return { search: { ...state.search, loading: false, results: [], more: false, error } };
}

export function searchCleared(_state: AppData): Change {
  return { search: NO_SEARCH };
}

// ---- node, settings, link ---------------------------------------------------------------------------------------

export function nodeUpdated(_state: AppData, node: NodeStatus): Change {
  return { node };
}

/** `settings:get` or `settings:set` answered; the display name is the identity's name too. */
export function settingsLoaded(state: AppData, settings: Settings): Change {
  const change: Change = { settings };
  if (state.identity !== null && state.identity.name !== settings.displayName && settings.displayName !== '') {
    change.identity = { ...state.identity, name: settings.displayName };
  }
  if (state.node !== null && state.node.allowPlain !== settings.allowPlain) change.node = { ...state.node, allowPlain: settings.allowPlain };
  return change;
}

export function linkChanged(_state: AppData, link: LinkState): Change {
  return { link };
}
