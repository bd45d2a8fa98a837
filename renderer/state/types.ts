import type { LinkState } from '../api/link';
import type { Conversation, Identity, Message, MessageStatus, NodeStatus, SearchResult, Settings } from '../../shared/ipc/contract';

/**
 * Our message that `message:send` has not answered yet: shown at the end of the conversation as "sending", and
 * kept with the reason when `message:send` refused it. Its `id` is local (`local-N`), not a message id.
 */
export interface LocalMessage {
  local: true;
  id: string;
  peer: string;
  fromMe: true;
  kind: 'chat';
  text: string;
  at: number;
  /** Why `message:send` refused it; absent while it is on its way. */
  error?: string;
}

/** What the history shows: a stored message, or a local one. */
export type ShownMessage = Message | LocalMessage;

export function isLocal(message: ShownMessage): message is LocalMessage {
  return 'local' in message;
}

/** How a page of `message:list` was asked for. */
export type PageKind = 'newest' | 'older' | 'newer' | 'around';

/**
 * The loaded window of one conversation's history: a contiguous run of stored messages, at most a bounded number
 * of them (`HISTORY_CAP`). Paging back beyond the cap drops the newest end (`hasNewer`), paging forward drops the
 * oldest end (`hasMore`). Absent from `messages` until first loaded.
 */
export interface PeerMessages {
  /** Stored messages, oldest first, without gaps. */
  items: Message[];
  /** Ours, not yet answered by `message:send`; they belong after the newest message and show only with it. */
  pending: LocalMessage[];
  /** Older messages exist on the backend before `items[0]`. */
  hasMore: boolean;
  /** Newer messages exist on the backend after the last item: the window is not at the newest. */
  hasNewer: boolean;
  /** The page being fetched, or null. */
  loading: PageKind | null;
  /** Names the request in flight; an answer to any other (overtaken by a jump) is dropped. */
  request: number;
  /** The page that failed to load last, and why (for `around`, the message it was asked around). */
  error: { kind: PageKind; message: string; around?: string } | null;
  /**
   * Where the view should go after the window was replaced: the newest end, or a message (a search result),
   * which is then highlighted. `seq` changes with every such request.
   */
  jump: { seq: number; to: 'newest' } | { seq: number; to: 'message'; id: string } | null;
  /**
   * What events brought while a page was loading or one of ours was on its way (null otherwise): replayed onto
   * the page when it comes (it may have been read before them), and onto our message when `message:send` answers.
   */
  arrived: Arrived | null;
  /** Loaded before the link dropped, and kept only for ours not yet stored: opening the conversation loads it afresh. */
  stale: boolean;
}

/** A status an event brought; null: the message was removed. */
export type ArrivedStatus = { status: MessageStatus; failure?: string } | null;

/** Events buffered for a window (see `PeerMessages.arrived`). */
export interface Arrived {
  /** New messages (received, or ours stored), oldest first. */
  messages: Message[];
  /** The latest status (or removal) by message id, in the order they first came. */
  statuses: Record<string, ArrivedStatus>;
}

export type { LinkState };

export type Dialog =
  | { kind: 'connect' }
  | { kind: 'settings' }
  | { kind: 'open-link'; href: string }
  | { kind: 'contact'; peer: string }
  | { kind: 'remove-contact'; peer: string };

export type ThemePreference = 'system' | 'light' | 'dark';

export interface Toast {
  id: number;
  tone: 'error' | 'info';
  text: string;
}

export type BootState = { phase: 'loading' } | { phase: 'ready' } | { phase: 'failed'; error: string } | { phase: 'no-token' };

/** Message search across all conversations. */
export interface SearchState {
  /** The query the results answer (or are being fetched for); '' when not searching. */
  query: string;
  loading: boolean;
  results: SearchResult[];
  /** More matches exist than were returned. */
  more: boolean;
  error: string | null;
}

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
  search: SearchState;
}

export interface UiSlice {
  boot: BootState;
  selectedPeer: string | null;
  dialog: Dialog | null;
  theme: ThemePreference;
  toasts: Toast[];
  /** Unsent composer text per peer, kept when switching conversations. */
  drafts: Record<string, string>;
  /** Start-up notices (`node.notices`) the person put away. */
  dismissedNotices: string[];
  selectPeer(peer: string | null): void;
  openDialog(dialog: Dialog): void;
  closeDialog(): void;
  setTheme(theme: ThemePreference): void;
  pushToast(tone: Toast['tone'], text: string): number;
  dismissToast(id: number): void;
  setDraft(peer: string, text: string): void;
  dismissNotices(notices: readonly string[]): void;
}

export type AppState = IdentitySlice & NodeSlice & ConversationsSlice & MessagesSlice & UiSlice;

/** The data part of the state (what reducers read and write), without the UI setters. */
export type AppData = Omit<
  AppState,
  'selectPeer' | 'openDialog' | 'closeDialog' | 'setTheme' | 'pushToast' | 'dismissToast' | 'setDraft' | 'dismissNotices'
>;
