/**
 * The one zustand store, built from slices in the spirit of zustand's slices pattern: each slice file holds its
 * data, its actions (backend calls through the contract's client) and the reducers for the events it owns.
 * Components read it with single-value selectors (`useStore(s => s.selectedPeer)`, named ones from
 * `selectors.ts`); backend events are written in with `setState` by `events.ts`.
 */
import { useStore as useZustandStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Api } from '../../shared/ipc/client';
import type { LinkSource } from '../api/link';
import { connectionsSlice } from './connections';
import { conversationsSlice } from './conversations';
import { groupsSlice } from './groups';
import { filesSlice, type Upload } from './files';
import { HISTORY_CAP } from './history';
import { identitySlice } from './identity';
import { messagesSlice, PAGE_SIZE } from './messages';
import { nearbySlice } from './nearby';
import { nodeSlice } from './node';
import { requestsSlice } from './requests';
import { searchSlice } from './search';
import { sendingSlice } from './sending';
import { startupSlice } from './startup';
import type { AppState, StoreContext, ThemePreference } from './types';
import { uiSlice } from './ui';

export type AppStore = StoreApi<AppState>;

export interface StoreOptions {
  api: Api;
  link: LinkSource;
  theme?: ThemePreference;
  now?: () => number;
  /** At most this many stored messages held per conversation (`HISTORY_CAP`). */
  cap?: number;
  /** Messages per page of history (`PAGE_SIZE`). */
  pageSize?: number;
  /** The desktop app (settings for the tray and start at login show there only). */
  desktop?: boolean;
  /** A browser page's way to hand files to its local Peerline (files.ts); absent in the desktop app. */
  upload?: Upload;
}

export function createAppStore(options: StoreOptions): AppStore {
  const context: StoreContext = {
    api: options.api,
    link: options.link,
    now: options.now ?? Date.now,
    cap: options.cap ?? HISTORY_CAP,
    pageSize: options.pageSize ?? PAGE_SIZE,
  };
  return createStore<AppState>()((...args) => ({
    ...startupSlice(context)(...args),
    ...identitySlice(context)(...args),
    ...nodeSlice(context)(...args),
    ...conversationsSlice(context)(...args),
    ...requestsSlice(context)(...args),
    ...connectionsSlice(context)(...args),
    ...messagesSlice(context)(...args),
    ...sendingSlice(context)(...args),
    ...searchSlice(context)(...args),
    ...groupsSlice(context)(...args),
    ...nearbySlice(context)(...args),
    ...filesSlice(options.upload)(context)(...args),
    ...uiSlice(options.theme ?? 'system', options.desktop ?? false)(...args),
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
