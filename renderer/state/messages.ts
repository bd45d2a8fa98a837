/**
 * The loaded history of each conversation (a bounded window, see `history.ts`), the conversation open, and
 * paging: newest, earlier, later, around a message. `message:received`, `message:status-changed` and
 * `message:removed` land here. Every page request is numbered, so an answer overtaken by a later jump is dropped.
 */
import type { Message, MessageStatus } from '../../shared/ipc/contract';
import { withLastMessage } from './conversations';
import {
  EMPTY_PEER_MESSAGES,
  HISTORY_CAP,
  windowFailed,
  windowForgotten,
  windowLoaded,
  windowRequested,
  windowShrunk,
  windowWithMessage,
  windowWithout,
  windowWithStatus,
  type Page,
  type PageOptions,
} from './history';
import type { AppState, Change, PageKind, PeerMessages, SliceCreator } from './types';

/** Messages per page of history. */
export const PAGE_SIZE = 100;

export interface MessagesSlice {
  /** By peer key; only conversations whose history has been loaded. */
  messages: Record<string, PeerMessages>;
  /** Opens a conversation on its newest page (the one left shrinks to its newest page). */
  selectConversation(peer: string | null): void;
  /** The newest page: merged into a window at the newest, or replacing one further back (the view follows). */
  loadNewest(peer: string): Promise<void>;
  /** The page before the window (scrolling up). */
  loadEarlier(peer: string): Promise<void>;
  /** The page after the window, when it is not at the newest (scrolling down). */
  loadLater(peer: string): Promise<void>;
  /** Opens a conversation at one message (a search result) and has the view show and highlight it. */
  openMessage(peer: string, id: string): Promise<void>;
  /**
   * The view is near an end of the window: the next page that way, unless one is loading, the last one failed
   * (the person retries it), or the window is empty. The older end goes first.
   */
  loadPageNearEdge(peer: string, near: { oldest: boolean; newest: boolean }): Promise<void>;
  /** The page that failed, asked again: a search result around its message, not the newest. */
  retryFailedPage(peer: string): Promise<void>;
}

export const messagesSlice: SliceCreator<MessagesSlice> = ({ api, cap, pageSize }) => (set, get) => {
  /** Names each page request; a window drops answers to any but its latest. */
  let requests = 0;
  /** Numbers the jumps the view is asked to make. */
  let jumps = 0;

  async function loadPage(peer: string, kind: PageKind, cursor: { before?: string; after?: string; around?: string } = {}): Promise<void> {
    const request = ++requests;
    set((state) => pageRequested(state, peer, kind, request));
    const result = await api.message.list({ peer, limit: pageSize, ...cursor });
    if (result.ok) set((state) => pageLoaded(state, peer, request, kind, result.value, { cap, seq: ++jumps, ...cursor }));
    else set((state) => pageFailed(state, peer, request, result.error.message, cursor.around));
  }

  /** Selects `peer`; the conversation left keeps only its newest page. */
  function switchTo(peer: string | null): void {
    const previous = get().selectedPeer;
    if (previous !== null && previous !== peer) set((state) => historyShrunk(state, previous, pageSize));
    get().selectPeer(peer);
  }

  const loadNewest = (peer: string) => loadPage(peer, 'newest');

  async function loadEarlier(peer: string): Promise<void> {
    const loaded = get().messages[peer];
    if (loaded === undefined || loaded.loading !== null || !loaded.hasMore) return;
    const oldest = loaded.items[0];
    if (oldest === undefined) return loadNewest(peer);
    await loadPage(peer, 'older', { before: oldest.id });
  }

  async function loadLater(peer: string): Promise<void> {
    const loaded = get().messages[peer];
    if (loaded === undefined || loaded.loading !== null || !loaded.hasNewer) return;
    const newest = loaded.items.at(-1);
    if (newest === undefined) return loadNewest(peer);
    await loadPage(peer, 'newer', { after: newest.id });
  }

  async function openMessage(peer: string, id: string): Promise<void> {
    if (get().conversations[peer] === undefined) return;
    switchTo(peer);
    const loaded = get().messages[peer];
    if (loaded !== undefined && !loaded.stale && loaded.items.some((message) => message.id === id)) {
      set((state) => jumpRequested(state, peer, id, ++jumps));
      return;
    }
    await loadPage(peer, 'around', { around: id });
  }

  return {
    messages: {},

    selectConversation(peer) {
      switchTo(peer);
      if (peer === null) return;
      const loaded = get().messages[peer];
      if (loaded === undefined || loaded.hasNewer || loaded.stale || (loaded.error !== null && loaded.loading === null)) void loadNewest(peer);
    },

    loadNewest,
    loadEarlier,
    loadLater,
    openMessage,

    async loadPageNearEdge(peer, near) {
      const current = get().messages[peer];
      if (current === undefined || current.loading !== null || current.error !== null || current.items.length === 0) return;
      if (current.hasMore && near.oldest) await loadEarlier(peer);
      else if (current.hasNewer && near.newest) await loadLater(peer);
    },

    async retryFailedPage(peer) {
      const failed = get().messages[peer]?.error;
      if (failed === null || failed === undefined) return;
      if (failed.kind === 'older') return loadEarlier(peer);
      if (failed.kind === 'newer') return loadLater(peer);
      if (failed.kind === 'around' && failed.around !== undefined) return openMessage(peer, failed.around);
      return loadNewest(peer);
    },
  };
};

/**
 * Changes a conversation's window. Only asking for a page and writing a message create one: an answer or an
 * event for a window that was let go (the conversation left or removed) changes nothing.
 */
export function updateWindow(state: AppState, peer: string, update: (current: PeerMessages) => PeerMessages | null, create = false): Change {
  const held = state.messages[peer];
  if (held === undefined && !create) return {};
  const current = held ?? EMPTY_PEER_MESSAGES;
  const next = update(current);
  if (next === null || next === current) return {};
  return { messages: { ...state.messages, [peer]: next } };
}

/** A page of `message:list` is being fetched (see `windowRequested`). */
export function pageRequested(state: AppState, peer: string, kind: PageKind, request: number): Change {
  return updateWindow(state, peer, (current) => windowRequested(current, kind, request), true);
}

/** `message:list` answered (see `windowLoaded`). */
export function pageLoaded(state: AppState, peer: string, request: number, kind: PageKind, page: Page, options: PageOptions): Change {
  return updateWindow(state, peer, (current) => windowLoaded(current, request, kind, page, options));
}

export function pageFailed(state: AppState, peer: string, request: number, error: string, around?: string): Change {
  return updateWindow(state, peer, (current) => windowFailed(current, request, error, around));
}

/** A search result is already in the window: the view goes to it without a page. */
export function jumpRequested(state: AppState, peer: string, id: string, seq: number): Change {
  return updateWindow(state, peer, (current) => ({ ...current, jump: { seq, to: 'message', id } }));
}

/** Leaving a conversation: its history shrinks to its newest page (or goes), so that memory stays bounded. */
export function historyShrunk(state: AppState, peer: string, keep: number): Change {
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
export function historiesForgotten(state: AppState, keep: string | null): Change {
  const messages: Record<string, PeerMessages> = {};
  for (const [peer, window] of Object.entries(state.messages)) {
    const kept = peer === keep ? window : windowForgotten(window);
    if (kept !== null) messages[peer] = kept;
  }
  return { messages };
}

/** `message:received`: into a loaded history at the newest, and the conversation's preview follows. */
export function messageReceived(state: AppState, message: Message, cap = HISTORY_CAP): Change {
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
export function messageStatusChanged(state: AppState, change: { peer: string; id: string; status: MessageStatus; failure?: string }): Change {
  return updateWindow(state, change.peer, (current) => windowWithStatus(current, change.id, change.status, change.failure));
}

/** `message:removed` (a cancelled message), or `message:cancel` answered. */
export function messageRemoved(state: AppState, change: { peer: string; id: string }): Change {
  return updateWindow(state, change.peer, (current) => windowWithout(current, change.id));
}
