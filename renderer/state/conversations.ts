/**
 * The conversations by peer key, the person's contacts among them: their list and what the person does to them
 * (mark read, verify, approve a new key, rename, auto-accept files, remove). `peer:updated` and `conversation:removed` land here.
 */
import type { Conversation, Message } from '../../shared/ipc/contract';
import type { Result } from '../../shared/ipc/result';
import { selectUnreadToMark } from './selectors';
import type { AppState, Change, SliceCreator } from './types';

export interface ConversationsSlice {
  /** By peer key. */
  conversations: Record<string, Conversation>;
  /** When each conversation last came to life here (connected, or a message), for ordering the list. */
  touchedAt: Record<string, number>;
  markRead(peer: string): Promise<void>;
  /**
   * Marks the conversation read once the person has seen its newest messages: the page on screen, the view at
   * the newest (not sent elsewhere by a jump), the window loaded there. With read receipts on, the peer is told.
   */
  markReadIfSeen(peer: string, view: { pageVisible: boolean; atNewest: boolean }): Promise<void>;
  verifyContact(peer: string, verified: boolean): Promise<Result<Conversation>>;
  approveKey(peer: string): Promise<Result<Conversation>>;
  dismissKeyChange(peer: string): Promise<Result<Conversation>>;
  sendHeld(peer: string): Promise<Result<Conversation>>;
  /** A local name for the contact; '' (or only spaces) goes back to the name it gives itself. */
  renameContact(peer: string, name: string): Promise<Result<Conversation>>;
  /** Accepts the contact's file offers up to `bytes` without asking; null: always ask. */
  setAutoAccept(peer: string, bytes: number | null): Promise<Result<Conversation>>;
  removeContact(peer: string): Promise<Result<null>>;
}

export const conversationsSlice: SliceCreator<ConversationsSlice> = ({ api, now }) => (set, get) => {
  /** Peers whose `conversation:mark-read` is on its way: asked once at a time. */
  const markingRead = new Set<string>();

  function upsertAnswer(result: Result<Conversation>): Result<Conversation> {
    if (result.ok) set((state) => conversationUpserted(state, result.value, now()));
    return result;
  }

  return {
    conversations: {},
    touchedAt: {},

    async markRead(peer) {
      if (markingRead.has(peer)) return;
      markingRead.add(peer);
      try {
        const result = await api.conversation.markRead({ peer });
        if (result.ok) set((state) => markedRead(state, peer));
      } finally {
        markingRead.delete(peer);
      }
    },

    async markReadIfSeen(peer, view) {
      if (view.pageVisible && view.atNewest && selectUnreadToMark(get(), peer) > 0) await get().markRead(peer);
    },

    async verifyContact(peer, verified) {
      return upsertAnswer(await api.contact.verify({ peer, verified }));
    },

    async approveKey(peer) {
      return upsertAnswer(await api.contact.approveKey({ peer }));
    },

    async sendHeld(peer) {
      return upsertAnswer(await api.contact.sendHeld({ peer }));
    },
    async dismissKeyChange(peer) {
      return upsertAnswer(await api.contact.dismissKeyChange({ peer }));
    },

    async renameContact(peer, name) {
      const trimmed = name.trim();
      return upsertAnswer(await api.contact.rename({ peer, name: trimmed === '' ? null : trimmed }));
    },

    async setAutoAccept(peer, bytes) {
      return upsertAnswer(await api.contact.autoAccept({ peer, bytes }));
    },

    async removeContact(peer) {
      const result = await api.contact.remove({ peer });
      if (result.ok) set((state) => conversationRemoved(state, peer));
      return result;
    },
  };
};

/**
 * `conversation:list` answered: the backend's list replaces ours. With `before` (the peers known when it was
 * asked for), one first seen since (`peer:updated` while the list was on its way) stays: the list may predate it.
 */
export function conversationsLoaded(state: AppState, list: readonly Conversation[], before?: readonly string[]): Change {
  const conversations: Record<string, Conversation> = {};
  if (before !== undefined) {
    const known = new Set(before);
    for (const [peer, conversation] of Object.entries(state.conversations)) if (!known.has(peer)) conversations[peer] = conversation;
  }
  for (const conversation of list) conversations[conversation.peer] = conversation;
  return { conversations };
}

/** `peer:updated`, or `peer:connect` answered: insert or replace by peer key. */
export function conversationUpserted(state: AppState, conversation: Conversation, now: number): Change {
  const previous = state.conversations[conversation.peer];
  const cameAlive = conversation.state !== 'offline' && (previous === undefined || previous.state === 'offline');
  const change: Change = { conversations: { ...state.conversations, [conversation.peer]: conversation } };
  if (previous === undefined || cameAlive) change.touchedAt = { ...state.touchedAt, [conversation.peer]: now };
  return change;
}

/** `conversation:removed`, or `contact:remove` answered: the contact and everything of it goes. */
export function conversationRemoved(state: AppState, peer: string): Change {
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
export function markedRead(state: AppState, peer: string): Change {
  const conversation = state.conversations[peer];
  if (conversation === undefined || conversation.unread === 0) return {};
  return { conversations: { ...state.conversations, [peer]: { ...conversation, unread: 0 } } };
}

/** A new message (received, or ours stored): the conversation's preview follows it, unless a newer one is shown. */
export function withLastMessage(state: AppState, message: Message): Change {
  const conversation = state.conversations[message.peer];
  if (conversation === undefined || message.kind === 'notice') return {};
  if (conversation.lastMessage !== undefined && conversation.lastMessage.at > message.at) return {};
  const lastMessage = { text: message.text, at: message.at, fromMe: message.fromMe };
  return { conversations: { ...state.conversations, [message.peer]: { ...conversation, lastMessage } } };
}
