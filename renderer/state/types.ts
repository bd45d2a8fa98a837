import type { LinkState } from '../api/link';
import type { Conversation, Identity, Message, MessageStatus, NodeStatus, Settings } from '../../shared/ipc/contract';

/** A message as the renderer holds it: the backend's Message, or our own one not yet stored (`pending`). */
export interface ChatMessage extends Message {
  /** Set on a message the backend has not stored yet: its `id` is local (`local-N`) and not a message id. */
  pending?: true;
  /** Why sending failed, when `message:send` answered with an error. */
  error?: string;
}

/** The loaded part of one conversation's history. Absent from `messages` until first loaded. */
export interface PeerMessages {
  /** Oldest first. */
  items: ChatMessage[];
  /** More, older messages exist on the backend. */
  hasMore: boolean;
  /** A page is being fetched. */
  loading: boolean;
  /** Why the last page failed to load. */
  error: string | null;
}

export type { LinkState };

export type Dialog = { kind: 'connect' } | { kind: 'settings' } | { kind: 'open-link'; href: string };

export type ThemePreference = 'system' | 'light' | 'dark';

export interface Toast {
  id: number;
  tone: 'error' | 'info';
  text: string;
}

export type BootState = { phase: 'loading' } | { phase: 'ready' } | { phase: 'failed'; error: string } | { phase: 'no-token' };

export interface IdentitySlice {
  identity: Identity | null;
}

export interface NodeSlice {
  node: NodeStatus | null;
  settings: Settings | null;
  link: LinkState;
}

export interface ConversationsSlice {
  /** By peer key. */
  conversations: Record<string, Conversation>;
  /** When each conversation last came to life here (connected, or a message), for ordering the list. */
  touchedAt: Record<string, number>;
}

export interface MessagesSlice {
  /** By peer key; only conversations whose history has been loaded. */
  messages: Record<string, PeerMessages>;
  /** Status changes that arrived before `message:send` answered with the message they name. */
  earlyStatus: Record<string, MessageStatus>;
}

export interface UiSlice {
  boot: BootState;
  selectedPeer: string | null;
  dialog: Dialog | null;
  theme: ThemePreference;
  toasts: Toast[];
  /** Unsent composer text per peer, kept when switching conversations. */
  drafts: Record<string, string>;
  selectPeer(peer: string | null): void;
  openDialog(dialog: Dialog): void;
  closeDialog(): void;
  setTheme(theme: ThemePreference): void;
  pushToast(tone: Toast['tone'], text: string): number;
  dismissToast(id: number): void;
  setDraft(peer: string, text: string): void;
}

export type AppState = IdentitySlice & NodeSlice & ConversationsSlice & MessagesSlice & UiSlice;

/** The data part of the state (what reducers read and write), without the UI setters. */
export type AppData = Omit<AppState, 'selectPeer' | 'openDialog' | 'closeDialog' | 'setTheme' | 'pushToast' | 'dismissToast' | 'setDraft'>;
