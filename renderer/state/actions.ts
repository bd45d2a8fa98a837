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
import {
  conversationsLoaded,
  conversationUpserted,
  historiesForgotten,
  localMessageRemoved,
  markedRead,
  nodeUpdated,
  pageFailed,
  pageLoaded,
  pageRequested,
  sendFailed,
  sendStarted,
  sendSucceeded,
  settingsLoaded,
} from './reducers';
import type { AppStore } from './store';

/** Messages per page of history. */
export const PAGE_SIZE = 100;

export interface ConnectRequest {
  host: string;
  port: number;
  mode: 'secure' | 'plain';
}

export interface Actions {
  /** identity, node status, conversations and settings; the app is ready when all four have answered. */
  loadInitial(): Promise<void>;
  /** After the link came back: everything again, and the open conversation's newest page. */
  refresh(): Promise<void>;
  retryLink(): void;
  selectConversation(peer: string | null): void;
  loadNewest(peer: string): Promise<void>;
  loadEarlier(peer: string): Promise<void>;
  markRead(peer: string): Promise<void>;
  sendMessage(peer: string, text: string): Promise<void>;
  retryMessage(peer: string, localId: string): Promise<void>;
  discardMessage(peer: string, localId: string): void;
  setTyping(peer: string, active: boolean): void;
  connect(request: ConnectRequest, attempt: string): Promise<Result<Conversation>>;
  cancelConnect(attempt: string): Promise<void>;
  /** Dials a conversation's peer again at its last address. */
  reconnect(peer: string, attempt: string): Promise<Result<Conversation>>;
  disconnect(peer: string): Promise<Result<null>>;
  chooseName(name: string): Promise<Result<Identity>>;
  saveSettings(changes: RequestOf<'settings:set'>): Promise<Result<Settings>>;
  newAttemptId(): string;
}

export function createActions(api: Api, link: LinkSource, store: AppStore, now: () => number = Date.now): Actions {
  const { getState, setState } = store;
  const markingRead = new Set<string>();
  let localIds = 0;
  let loadingInitial: Promise<void> | null = null;

  async function loadInitial(): Promise<void> {
    loadingInitial ??= (async () => {
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
        ...conversationsLoaded(state, conversations.value),
      }));
      const firstLoad = getState().boot.phase !== 'ready';
      setState((state) => ({ ...settingsLoaded(state, settings.value), boot: { phase: 'ready' } }));
      if (firstLoad) for (const notice of node.value.notices) getState().pushToast('error', notice);
      const selected = getState().selectedPeer;
      if (selected !== null && getState().conversations[selected] === undefined) setState({ selectedPeer: null });
    })().finally(() => {
      loadingInitial = null;
    });
    return loadingInitial;
  }

  async function loadNewest(peer: string): Promise<void> {
    setState((state) => pageRequested(state, peer));
    const result = await api.message.list({ peer, limit: PAGE_SIZE });
    if (result.ok) setState((state) => pageLoaded(state, peer, result.value, false));
    else setState((state) => pageFailed(state, peer, result.error.message));
  }

  async function sendMessage(peer: string, text: string): Promise<void> {
    const localId = `local-${++localIds}`;
    setState((state) => sendStarted(state, { id: localId, peer, fromMe: true, text, at: now(), status: 'sending', pending: true }));
    const result = await api.message.send({ peer, text });
    if (result.ok) setState((state) => sendSucceeded(state, peer, localId, result.value));
    else setState((state) => sendFailed(state, peer, localId, result.error.message));
  }

  function afterConnect(result: Result<Conversation>): Result<Conversation> {
    if (result.ok) {
      setState((state) => conversationUpserted(state, result.value, now()));
      actions.selectConversation(result.value.peer);
    }
    return result;
  }

  const actions: Actions = {
    loadInitial,

    async refresh() {
      const selected = getState().selectedPeer;
      setState((state) => historiesForgotten(state, selected));
      await loadInitial();
      const stillSelected = getState().selectedPeer;
      if (stillSelected !== null) await loadNewest(stillSelected);
    },

    retryLink() {
      link.retryNow();
      if (link.get().status === 'open') void loadInitial();
    },

    selectConversation(peer) {
      getState().selectPeer(peer);
      if (peer === null) return;
      const loaded = getState().messages[peer];
      if (loaded === undefined || (loaded.error !== null && !loaded.loading)) void loadNewest(peer);
    },

    loadNewest,

    async loadEarlier(peer) {
      const loaded = getState().messages[peer];
      if (loaded === undefined || loaded.loading || !loaded.hasMore) return;
      const oldest = loaded.items.find((message) => !message.pending);
      if (oldest === undefined) return loadNewest(peer);
      setState((state) => pageRequested(state, peer));
      const result = await api.message.list({ peer, before: oldest.id, limit: PAGE_SIZE });
      if (result.ok) setState((state) => pageLoaded(state, peer, result.value, true));
      else setState((state) => pageFailed(state, peer, result.error.message));
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

    async retryMessage(peer, localId) {
      const message = getState().messages[peer]?.items.find((item) => item.id === localId);
      if (message === undefined) return;
      setState((state) => localMessageRemoved(state, peer, localId));
      await sendMessage(peer, message.text);
    },

    discardMessage(peer, localId) {
      setState((state) => localMessageRemoved(state, peer, localId));
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

    async disconnect(peer) {
      const result = await api.peer.disconnect({ peer });
      if (!result.ok) getState().pushToast('error', result.error.message);
      return result;
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
