/**
 * What the UI asks of the backend. Each action calls the contract's client and writes the answer into the store
 * through a reducer. Errors come back as Result errors whose messages are sentences for the person at the screen.
 */
import { parsePeerAddress } from '../../shared/address';
import type { Api } from '../../shared/ipc/client';
import type { Conversation, Identity, RequestOf, Settings } from '../../shared/ipc/contract';
import type { Result } from '../../shared/ipc/result';
import type { LinkSource } from '../api/link';
import { randomId } from '../lib/random';
import { HISTORY_CAP } from './history';
import {
  conversationRemoved,
  conversationsLoaded,
  conversationUpserted,
  historiesForgotten,
  historyShrunk,
  jumpRequested,
  localMessageRemoved,
  markedRead,
  messageRemoved,
  messageStatusSet,
  nodeUpdated,
  pageFailed,
  pageLoaded,
  pageRequested,
  retryAnswered,
  searchAnswered,
  searchCleared,
  searchFailed,
  searchStarted,
  sendFailed,
  sendStarted,
  sendSucceeded,
  settingsLoaded,
} from './reducers';
import type { AppStore } from './store';
import type { PageKind } from './types';

/** Messages per page of history. */
export const PAGE_SIZE = 100;
/** Search results asked for at once. */
export const SEARCH_LIMIT = 50;

export interface ConnectRequest {
  host: string;
  port: number;
  mode: 'secure' | 'plain';
}

export interface ActionOptions {
  now?: () => number;
  /** At most this many stored messages held per conversation (`HISTORY_CAP`). */
  cap?: number;
  pageSize?: number;
}

export interface Actions {
  /** identity, node status, conversations and settings; the app is ready when all four have answered. */
  loadInitial(): Promise<void>;
  /** After the link came back: everything again, and the open conversation's newest page. */
  refresh(): Promise<void>;
  retryLink(): void;
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
  markRead(peer: string): Promise<void>;
  sendMessage(peer: string, text: string): Promise<void>;
  /** Our message that `message:send` refused: send its text again. */
  resendLocal(peer: string, localId: string): Promise<void>;
  discardLocal(peer: string, localId: string): void;
  /** A stored message that failed: `message:retry`. */
  retryMessage(peer: string, id: string): Promise<void>;
  /** A stored message that is queued or failed: `message:cancel` withdraws it. */
  cancelMessage(peer: string, id: string): Promise<void>;
  setTyping(peer: string, active: boolean): void;
  connect(request: ConnectRequest, attempt: string): Promise<Result<Conversation>>;
  cancelConnect(attempt: string): Promise<void>;
  /** Dials a conversation's peer again at its last address. */
  reconnect(peer: string, attempt: string): Promise<Result<Conversation>>;
  /** An offline contact that is dialed again by itself: now, instead of at its next retry. */
  reconnectNow(peer: string): Promise<Result<null>>;
  disconnect(peer: string): Promise<Result<null>>;
  verifyContact(peer: string, verified: boolean): Promise<Result<Conversation>>;
  approveKey(peer: string): Promise<Result<Conversation>>;
  dismissKeyChange(peer: string): Promise<Result<Conversation>>;
  /** A local name for the contact; '' (or only spaces) goes back to the name it gives itself. */
  renameContact(peer: string, name: string): Promise<Result<Conversation>>;
  removeContact(peer: string): Promise<Result<null>>;
  /** `message:search`; an empty query clears the results. An answer to an older query is dropped. */
  search(query: string): Promise<void>;
  clearSearch(): void;
  chooseName(name: string): Promise<Result<Identity>>;
  saveSettings(changes: RequestOf<'settings:set'>): Promise<Result<Settings>>;
  newAttemptId(): string;
}

export function createActions(api: Api, link: LinkSource, store: AppStore, options: ActionOptions = {}): Actions {
  const { getState, setState } = store;
  const { now = Date.now, cap = HISTORY_CAP, pageSize = PAGE_SIZE } = options;
  const markingRead = new Set<string>();
  let localIds = 0;
  /** Names each page request; a window drops answers to any but its latest. */
  let requests = 0;
  /** Numbers the jumps the view is asked to make. */
  let jumps = 0;
  let loadingInitial: Promise<void> | null = null;

  const toastError = (result: Result<unknown>) => {
    if (!result.ok) getState().pushToast('error', result.error.message);
  };

  async function loadInitial(): Promise<void> {
    loadingInitial ??= (async () => {
      // Known before asking: a contact first seen (peer:updated) while the list is on its way is not a removed one.
      const before = Object.keys(getState().conversations);
      const [identity, node, conversations, settings] = await Promise.all([
        api.identity.get(),
        api.node.status(),
        api.conversation.list(),
        api.settings.get(),
      ]);
      for (const result of [identity, node, conversations, settings]) {
        if (!result.ok) {
          if (getState().boot.phase !== 'ready') setState({ boot: { phase: 'failed', error: result.error.message } });
          else getState().pushToast('error', result.error.message);
          return;
        }
      }
      if (!identity.ok || !node.ok || !conversations.ok || !settings.ok) return;
      setState((state) => ({
        identity: identity.value,
        node: node.value,
        ...conversationsLoaded(state, conversations.value, before),
      }));
      // Contacts removed while the link was down.
      for (const peer of before) if (getState().conversations[peer] === undefined) setState((state) => conversationRemoved(state, peer));
      setState((state) => ({ ...settingsLoaded(state, settings.value), boot: { phase: 'ready' } }));
      const selected = getState().selectedPeer;
      if (selected !== null && getState().conversations[selected] === undefined) setState({ selectedPeer: null });
    })().finally(() => {
      loadingInitial = null;
    });
    return loadingInitial;
  }

  async function loadPage(peer: string, kind: PageKind, cursor: { before?: string; after?: string; around?: string } = {}): Promise<void> {
    const request = ++requests;
    setState((state) => pageRequested(state, peer, kind, request));
    const result = await api.message.list({ peer, limit: pageSize, ...cursor });
    if (result.ok) setState((state) => pageLoaded(state, peer, request, kind, result.value, { cap, seq: ++jumps, ...cursor }));
    else setState((state) => pageFailed(state, peer, request, result.error.message, cursor.around));
  }

  const loadNewest = (peer: string) => loadPage(peer, 'newest');

  /** Selects `peer`; the conversation left keeps only its newest page. */
  function switchTo(peer: string | null): void {
    const previous = getState().selectedPeer;
    if (previous !== null && previous !== peer) setState((state) => historyShrunk(state, previous, pageSize));
    getState().selectPeer(peer);
  }

  async function sendMessage(peer: string, text: string): Promise<void> {
    // The person reads further back: what they send shows at the newest, so the view goes there.
    if (getState().messages[peer]?.hasNewer === true) void loadNewest(peer);
    const localId = `local-${++localIds}`;
    setState((state) => sendStarted(state, { local: true, id: localId, peer, fromMe: true, kind: 'chat', text, at: now() }));
    const result = await api.message.send({ peer, text });
    if (result.ok) setState((state) => sendSucceeded(state, peer, localId, result.value, cap));
    else setState((state) => sendFailed(state, peer, localId, result.error.message));
  }

  function afterConnect(result: Result<Conversation>): Result<Conversation> {
    if (result.ok) {
      setState((state) => conversationUpserted(state, result.value, now()));
      actions.selectConversation(result.value.peer);
    }
    return result;
  }

  function upsertAnswer(result: Result<Conversation>): Result<Conversation> {
    if (result.ok) setState((state) => conversationUpserted(state, result.value, now()));
    return result;
  }

  let searches = 0;

  const actions: Actions = {
    loadInitial,

    async refresh() {
      const selected = getState().selectedPeer;
      setState((state) => historiesForgotten(state, selected));
      await loadInitial();
      const stillSelected = getState().selectedPeer;
      // A window further back keeps its place; the newest page is merged into one at the newest.
      if (stillSelected !== null && getState().messages[stillSelected]?.hasNewer !== true) await loadNewest(stillSelected);
    },

    retryLink() {
      link.retryNow();
      if (link.get().status === 'open') void loadInitial();
    },

    selectConversation(peer) {
      switchTo(peer);
      if (peer === null) return;
      const loaded = getState().messages[peer];
      if (loaded === undefined || loaded.hasNewer || loaded.stale || (loaded.error !== null && loaded.loading === null)) void loadNewest(peer);
    },

    loadNewest,

    async loadEarlier(peer) {
      const loaded = getState().messages[peer];
      if (loaded === undefined || loaded.loading !== null || !loaded.hasMore) return;
      const oldest = loaded.items[0];
      if (oldest === undefined) return loadNewest(peer);
      await loadPage(peer, 'older', { before: oldest.id });
    },

    async loadLater(peer) {
      const loaded = getState().messages[peer];
      if (loaded === undefined || loaded.loading !== null || !loaded.hasNewer) return;
      const newest = loaded.items.at(-1);
      if (newest === undefined) return loadNewest(peer);
      await loadPage(peer, 'newer', { after: newest.id });
    },

    async openMessage(peer, id) {
      if (getState().conversations[peer] === undefined) return;
      switchTo(peer);
      const loaded = getState().messages[peer];
      if (loaded !== undefined && !loaded.stale && loaded.items.some((message) => message.id === id)) {
        setState((state) => jumpRequested(state, peer, id, ++jumps));
        return;
      }
      await loadPage(peer, 'around', { around: id });
    },

    async markRead(peer) {
      if (markingRead.has(peer)) return;
      markingRead.add(peer);
      try {
        const result = await api.conversation.markRead({ peer });
        if (result.ok) setState((state) => markedRead(state, peer));
      } finally {
        markingRead.delete(peer);
      }
    },

    sendMessage,

    async resendLocal(peer, localId) {
      const message = getState().messages[peer]?.pending.find((item) => item.id === localId);
      if (message === undefined) return;
      setState((state) => localMessageRemoved(state, peer, localId));
      await sendMessage(peer, message.text);
    },

    discardLocal(peer, localId) {
      setState((state) => localMessageRemoved(state, peer, localId));
    },

    async retryMessage(peer, id) {
      const held = getState().messages[peer]?.items.find((item) => item.id === id);
      if (held === undefined) return;
      setState((state) => messageStatusSet(state, peer, id, 'queued'));
      const result = await api.message.retry({ peer, id });
      if (result.ok) {
        setState((state) => retryAnswered(state, result.value));
        return;
      }
      setState((state) => messageStatusSet(state, peer, id, held.status ?? 'failed', held.failure));
      toastError(result);
    },

    async cancelMessage(peer, id) {
      const result = await api.message.cancel({ peer, id });
      if (result.ok) setState((state) => messageRemoved(state, { peer, id }));
      else toastError(result);
    },

    setTyping(peer, active) {
      // Best effort: an offline peer or a plain-text one simply does not see it.
      void api.message.typing({ peer, active });
    },

    async connect(request, attempt) {
      return afterConnect(await api.peer.connect({ ...request, attempt }));
    },

    async cancelConnect(attempt) {
      await api.peer.cancelConnect({ attempt });
    },

    async reconnect(peer, attempt) {
      const conversation = getState().conversations[peer];
      if (conversation === undefined) return { ok: false, error: { code: 'unknown-peer', message: 'This conversation is gone.' } };
      const address = parsePeerAddress(conversation.address);
      if (!address.ok) return { ok: false, error: { code: 'invalid-request', message: address.error } };
      return afterConnect(await api.peer.connect({ host: address.host, port: address.port, mode: conversation.mode, attempt }));
    },

    async reconnectNow(peer) {
      const result = await api.contact.reconnect({ peer });
      toastError(result);
      return result;
    },

    async disconnect(peer) {
      const result = await api.peer.disconnect({ peer });
      toastError(result);
      return result;
    },

    async verifyContact(peer, verified) {
      return upsertAnswer(await api.contact.verify({ peer, verified }));
    },

    async approveKey(peer) {
      return upsertAnswer(await api.contact.approveKey({ peer }));
    },

    async dismissKeyChange(peer) {
      return upsertAnswer(await api.contact.dismissKeyChange({ peer }));
    },

    async renameContact(peer, name) {
      const trimmed = name.trim();
      return upsertAnswer(await api.contact.rename({ peer, name: trimmed === '' ? null : trimmed }));
    },

    async removeContact(peer) {
      const result = await api.contact.remove({ peer });
      if (result.ok) setState((state) => conversationRemoved(state, peer));
      return result;
    },

    async search(query) {
      const trimmed = query.trim();
      const mine = ++searches;
      if (trimmed === '') {
        setState(searchCleared);
        return;
      }
      setState((state) => searchStarted(state, trimmed));
      const result = await api.message.search({ query: trimmed, limit: SEARCH_LIMIT });
      if (mine !== searches) return; // a newer query was typed meanwhile
      if (result.ok) setState((state) => searchAnswered(state, trimmed, result.value));
      else setState((state) => searchFailed(state, trimmed, result.error.message));
    },

    clearSearch() {
      searches++;
      setState(searchCleared);
    },

    async chooseName(name) {
      const result = await api.identity.setName({ name });
      if (result.ok) {
        setState((state) => ({
          identity: result.value,
          settings: state.settings === null ? null : { ...state.settings, displayName: result.value.name },
        }));
      }
      return result;
    },

    async saveSettings(changes) {
      const result = await api.settings.set(changes);
      if (!result.ok) return result;
      setState((state) => settingsLoaded(state, result.value));
      // A new port rebinds the listener; node:updated should follow, but ask so the real port shows at once.
      const node = await api.node.status();
      if (node.ok) setState((state) => nodeUpdated(state, node.value));
      return result;
    },

    newAttemptId: () => randomId(),
  };
  return actions;
}
