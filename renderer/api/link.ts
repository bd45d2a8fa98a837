/** The link to the backend. Electron IPC is always `open`; the WebSocket of `peerline --ui` can drop. */
export interface LinkState {
  status: 'connecting' | 'open' | 'reconnecting';
  /** Consecutive failed attempts since the link was last open. */
  failures: number;
  /** The link was open at least once. */
  everOpened: boolean;
}

/** Where the app learns about the link; the Electron transport's never changes. */
export interface LinkSource {
  get(): LinkState;
  subscribe(listener: (link: LinkState) => void): () => void;
  /** Try again now instead of waiting for the next backoff step. */
  retryNow(): void;
}

export const ALWAYS_OPEN: LinkSource = {
  get: () => ({ status: 'open', failures: 0, everOpened: true }),
  subscribe: () => () => {},
  retryNow: () => {},
};
