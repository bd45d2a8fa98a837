/** This node: whether and where it listens, its settings, and the link from this window to the backend. */
import type { DialBack, DoctorReport, NodeStatus, RequestOf, Settings } from '../../shared/ipc/contract';
import type { Result } from '../../shared/ipc/result';
import type { AppState, Change, LinkState, SliceCreator } from './types';

export interface NodeSlice {
  node: NodeStatus | null;
  settings: Settings | null;
  link: LinkState;
  saveSettings(changes: RequestOf<'settings:set'>): Promise<Result<Settings>>;
  /** The person asks to try the link now; when it is open already, the first load is tried again. */
  retryLink(): void;
  /** "My card" and "Check my connectivity": the invite link and what the DHT sees of us; null until loaded. */
  doctor: DoctorReport | null;
  loadDoctor(): Promise<void>;
  /** Asks a connected contact to try to reach us, at our TCP address or by our key. */
  dialBack(peer: string, via: 'tcp' | 'dht'): Promise<Result<DialBack>>;
}

export const nodeSlice: SliceCreator<NodeSlice> =
  ({ api, link }) =>
  (set, get) => ({
    node: null,
    settings: null,
    link: { status: 'connecting', failures: 0, everOpened: false },
    doctor: null,

    async saveSettings(changes) {
      const result = await api.settings.set(changes);
      if (!result.ok) return result;
      set((state) => settingsLoaded(state, result.value));
      // A new port rebinds the listener; node:updated should follow, but ask so the real port shows at once.
      const node = await api.node.status();
      if (node.ok) set((state) => nodeUpdated(state, node.value));
      // A new name, port or "reachable by key" changes the invite link.
      await get().loadDoctor();
      return result;
    },

    async loadDoctor() {
      const result = await api.node.doctor();
      if (result.ok) set({ doctor: result.value });
    },

    dialBack: (peer, via) => api.peer.dialBack({ peer, via }),

    retryLink() {
      link.retryNow();
      if (link.get().status === 'open') void get().loadInitial();
    },
  });

/** `node:updated`, or `node:status` answered. */
export function nodeUpdated(_state: AppState, node: NodeStatus): Change {
  return { node };
}

/** `settings:get` or `settings:set` answered; the display name is the identity's name too. */
export function settingsLoaded(state: AppState, settings: Settings): Change {
  const change: Change = { settings };
  if (state.identity !== null && state.identity.name !== settings.displayName && settings.displayName !== '') {
    change.identity = { ...state.identity, name: settings.displayName };
  }
  if (state.node !== null && state.node.allowPlain !== settings.allowPlain) change.node = { ...state.node, allowPlain: settings.allowPlain };
  return change;
}

export function linkChanged(_state: AppState, link: LinkState): Change {
  return { link };
}
