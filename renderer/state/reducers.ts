/**
 * How backend answers and events change the state: pure functions from the current data to the changed part,
 * applied with `store.setState(state => reducer(state, …))`. Nothing here calls the backend.
 */
import type { Conversation, Message, MessageStatus, NodeStatus, Settings } from '../../shared/ipc/contract';
import type { AppData, ChatMessage, LinkState, PeerMessages } from './types';

type Change = Partial<AppData>;

/** How far a message has come; an event never moves a message back (a late "sent" after "delivered"). */
const STATUS_RANK: Record<MessageStatus, number> = { sending: 0, sent: 1, failed: 1, delivered: 2 };

export function laterStatus(current: MessageStatus | undefined, next: MessageStatus | undefined): MessageStatus | undefined {
  if (current === undefined) return next;
  if (next === undefined) return current;
  return STATUS_RANK[next] >= STATUS_RANK[current] ? next : current;
}

/** At most this many status changes for messages we have not seen yet are remembered. */
export const EARLY_STATUS_LIMIT = 256;

export const EMPTY_PEER_MESSAGES: PeerMessages = Object.freeze({ items: [], hasMore: false, loading: false, error: null }) as PeerMessages;

// ---- conversations -------------------------------------------------------------------------------------------

/** `conversation:list` answered: the backend's list replaces ours. */
export function conversationsLoaded(_state: AppData, list: readonly Conversation[]): Change {
  const conversations: Record<string, Conversation> = {};
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
  if (conversation === undefined) return {};
  if (conversation.lastMessage !== undefined && conversation.lastMessage.at > message.at) return {};
  const lastMessage = { text: message.text, at: message.at, fromMe: message.fromMe };
  return { conversations: { ...state.conversations, [message.peer]: { ...conversation, lastMessage } } };
}

// ---- messages -------------------------------------------------------------------------------------------------

/**
 * Merges messages into a list by id: a known id is updated (its status never moves back), a new one is placed
 * by time. Messages not yet stored (`pending`) stay at the end, in the order they were written.
 */
export function mergeMessages(existing: readonly ChatMessage[], incoming: readonly ChatMessage[]): ChatMessage[] {
  if (incoming.length === 0) return existing as ChatMessage[];
  const byId = new Map<string, number>();
  const result = existing.slice();
  result.forEach((message, index) => byId.set(message.id, index));
  let needsSort = false;
  for (const message of incoming) {
    const index = byId.get(message.id);
    if (index !== undefined) {
      const current = result[index]!;
      result[index] = { ...current, ...message, status: laterStatus(current.status, message.status) };
      continue;
    }
    const last = result.at(-1);
    if (last !== undefined && (last.pending || last.at > message.at)) needsSort = true;
    byId.set(message.id, result.length);
    result.push(message);
  }
  if (!needsSort) return result;
  const stored = result.filter((message) => !message.pending);
  const pending = result.filter((message) => message.pending);
  // Array.prototype.sort is stable: equal times keep their arrival order.
  stored.sort((a, b) => a.at - b.at);
  return [...stored, ...pending];
}

function updatePeerMessages(state: AppData, peer: string, update: (current: PeerMessages) => PeerMessages): Change {
  const current = state.messages[peer] ?? EMPTY_PEER_MESSAGES;
  return { messages: { ...state.messages, [peer]: update(current) } };
}

/** A page of `message:list` is being fetched. */
export function pageRequested(state: AppData, peer: string): Change {
  return updatePeerMessages(state, peer, (current) => ({ ...current, loading: true, error: null }));
}

/**
 * `message:list` answered. `older`: the page came from "Load earlier" (its `hasMore` tells about older
 * history); otherwise it is the newest page, whose `hasMore` counts only when nothing older is loaded yet.
 */
export function pageLoaded(state: AppData, peer: string, page: { messages: Message[]; hasMore: boolean }, older: boolean): Change {
  return updatePeerMessages(state, peer, (current) => {
    const items = mergeMessages(current.items, page.messages);
    const hasMore = older || current.items.length === 0 ? page.hasMore : current.hasMore || page.hasMore;
    return { items, hasMore, loading: false, error: null };
  });
}

export function pageFailed(state: AppData, peer: string, error: string): Change {
  return updatePeerMessages(state, peer, (current) => ({ ...current, loading: false, error }));
}

/** Loaded histories of other conversations may have missed events (the link dropped): load them again later. */
export function historiesForgotten(state: AppData, keep: string | null): Change {
  const messages: Record<string, PeerMessages> = {};
  if (keep !== null && state.messages[keep] !== undefined) messages[keep] = state.messages[keep];
  return { messages };
}

/** `message:received`: appended to a loaded history, and the conversation's preview follows. */
export function messageReceived(state: AppData, message: Message): Change {
  const change = withLastMessage(state, message);
  const loaded = state.messages[message.peer];
  if (loaded !== undefined) {
    change.messages = { ...state.messages, [message.peer]: { ...loaded, items: mergeMessages(loaded.items, [message]) } };
  }
  return change;
}

/** `message:status-changed`. A message we do not hold yet (its `message:send` has not answered) is remembered. */
export function messageStatusChanged(state: AppData, change: { peer: string; id: string; status: MessageStatus }): Change {
  const loaded = state.messages[change.peer];
  const index = loaded?.items.findIndex((message) => message.id === change.id) ?? -1;
  if (loaded === undefined || index === -1) {
    const earlyStatus = { ...state.earlyStatus, [change.id]: laterStatus(state.earlyStatus[change.id], change.status)! };
    const ids = Object.keys(earlyStatus);
    for (const id of ids.slice(0, Math.max(0, ids.length - EARLY_STATUS_LIMIT))) delete earlyStatus[id];
    return { earlyStatus };
  }
  const message = loaded.items[index]!;
  const status = laterStatus(message.status, change.status);
  if (status === message.status) return {};
  const items = loaded.items.slice();
  items[index] = { ...message, status };
  return { messages: { ...state.messages, [change.peer]: { ...loaded, items } } };
}

/** Our message is shown as "sending" until `message:send` answers. */
export function sendStarted(state: AppData, message: ChatMessage): Change {
  return updatePeerMessages(state, message.peer, (current) => ({ ...current, items: [...current.items, message] }));
}

/** `message:send` answered with the stored message: it takes the place of the local one. */
export function sendSucceeded(state: AppData, peer: string, localId: string, message: Message): Change {
  const early = state.earlyStatus[message.id];
  const stored: ChatMessage = { ...message, status: laterStatus(message.status, early) };
  const change = updatePeerMessages(state, peer, (current) => ({
    ...current,
    items: mergeMessages(
      current.items.filter((item) => item.id !== localId),
      [stored],
    ),
  }));
  if (early !== undefined) {
    const earlyStatus = { ...state.earlyStatus };
    delete earlyStatus[message.id];
    change.earlyStatus = earlyStatus;
  }
  return { ...change, ...withLastMessage({ ...state, ...change }, stored) };
}

/** `message:send` answered with an error: the local message stays, marked failed, with the reason. */
export function sendFailed(state: AppData, peer: string, localId: string, error: string): Change {
  return updatePeerMessages(state, peer, (current) => ({
    ...current,
    items: current.items.map((item) => (item.id === localId ? { ...item, status: 'failed' as const, error } : item)),
  }));
}

/** A failed local message is dropped (before a retry, or when the person discards it). */
export function localMessageRemoved(state: AppData, peer: string, localId: string): Change {
  const loaded = state.messages[peer];
  if (loaded === undefined) return {};
  return { messages: { ...state.messages, [peer]: { ...loaded, items: loaded.items.filter((item) => item.id !== localId) } } };
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
