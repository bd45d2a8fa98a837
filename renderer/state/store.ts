/**
 * The one zustand store, built from slices. Components read it with single-value selectors
 * (`useStore(s => s.selectedPeer)`); backend events are written in by `events.ts`, backend calls go through
 * `actions.ts`. The slices below hold the data and the UI-only setters.
 */
import { useStore as useZustandStore } from 'zustand';
import { createStore, type StateCreator, type StoreApi } from 'zustand/vanilla';
import type { AppState, ConversationsSlice, IdentitySlice, MessagesSlice, NodeSlice, ThemePreference, UiSlice } from './types';

type Slice<T> = StateCreator<AppState, [], [], T>;

const identitySlice: Slice<IdentitySlice> = () => ({ identity: null });

const nodeSlice: Slice<NodeSlice> = () => ({
  node: null,
  settings: null,
  link: { status: 'connecting', failures: 0, everOpened: false },
});

const conversationsSlice: Slice<ConversationsSlice> = () => ({ conversations: {}, touchedAt: {} });

export const NO_SEARCH = Object.freeze({ query: '', loading: false, results: [], more: false, error: null }) as MessagesSlice['search'];

const messagesSlice: Slice<MessagesSlice> = () => ({ messages: {}, search: NO_SEARCH });

/** At most this many toasts at once; the oldest goes first. */
const TOAST_LIMIT = 4;

function uiSlice(initialTheme: ThemePreference): Slice<UiSlice> {
  let nextToastId = 1;
  return (set) => ({
    boot: { phase: 'loading' },
    selectedPeer: null,
    dialog: null,
    theme: initialTheme,
    toasts: [],
    drafts: {},
    dismissedNotices: [],
    selectPeer: (peer) => set({ selectedPeer: peer }),
    openDialog: (dialog) => set({ dialog }),
    closeDialog: () => set({ dialog: null }),
    setTheme: (theme) => set({ theme }),
    pushToast: (tone, text) => {
      const id = nextToastId++;
      set((state) => ({ toasts: [...state.toasts.slice(-(TOAST_LIMIT - 1)), { id, tone, text }] }));
      return id;
    },
    dismissToast: (id) => set((state) => ({ toasts: state.toasts.filter((toast) => toast.id !== id) })),
    setDraft: (peer, text) =>
      set((state) => {
        if ((state.drafts[peer] ?? '') === text) return {};
        const drafts = { ...state.drafts };
        if (text === '') delete drafts[peer];
        else drafts[peer] = text;
        return { drafts };
      }),
    dismissNotices: (notices) => set((state) => ({ dismissedNotices: [...new Set([...state.dismissedNotices, ...notices])] })),
  });
}

export type AppStore = StoreApi<AppState>;

export function createAppStore(options: { theme?: ThemePreference } = {}): AppStore {
  return createStore<AppState>()((...args) => ({
    ...identitySlice(...args),
    ...nodeSlice(...args),
    ...conversationsSlice(...args),
    ...messagesSlice(...args),
    ...uiSlice(options.theme ?? 'system')(...args),
  }));
}

let appStore: AppStore | null = null;

/** The store of the running app; `main.tsx` creates it once at startup. */
export function initAppStore(store: AppStore): AppStore {
  appStore = store;
  return store;
}

export function getAppStore(): AppStore {
  if (appStore === null) throw new Error('The app store is not initialised.');
  return appStore;
}

/** Reads one value from the app store; the component re-renders when that value changes. */
export function useStore<T>(selector: (state: AppState) => T): T {
  return useZustandStore(getAppStore(), selector);
}
