import type { StateCreator } from 'zustand/vanilla';
import type { Api } from '../../shared/ipc/client';
import type { Message, MessageStatus, SearchResult } from '../../shared/ipc/contract';
import type { LinkSource, LinkState } from '../api/link';
import type { ConnectionsSlice } from './connections';
import type { ConversationsSlice } from './conversations';
import type { GroupsSlice } from './groups';
import type { FilesSlice } from './files';
import type { IdentitySlice } from './identity';
import type { MessagesSlice } from './messages';
import type { NearbySlice } from './nearby';
import type { NodeSlice } from './node';
import type { RequestsSlice } from './requests';
import type { SearchSlice } from './search';
import type { SendingSlice } from './sending';
import type { StartupSlice } from './startup';
import type { UiSlice } from './ui';

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
  | { kind: 'remove-contact'; peer: string }
  | { kind: 'new-group' }
  | { kind: 'connectivity' };

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

/** What every slice is built with: the backend, the link to it, and the limits the tests turn down. */
export interface StoreContext {
  api: Api;
  link: LinkSource;
  now: () => number;
  /** At most this many stored messages held per conversation (`HISTORY_CAP`). */
  cap: number;
  /** Messages per page of history. */
  pageSize: number;
}

/** One slice of the store: its data and actions, built over the store context. */
export type SliceCreator<T> = (context: StoreContext) => StateCreator<AppState, [], [], T>;

/** The one store: every slice's data and actions. */
export type AppState = StartupSlice &
  IdentitySlice &
  NodeSlice &
  ConversationsSlice &
  RequestsSlice &
  ConnectionsSlice &
  MessagesSlice &
  SendingSlice &
  SearchSlice &
  GroupsSlice &
  NearbySlice &
  FilesSlice &
  UiSlice;

/** What a reducer returns: the changed part of the state. */
export type Change = Partial<AppState>;
