/**
 * The renderer's one way to the backend: the contract's typed client over whichever transport carries it.
 * In Electron the preload exposes `window.peerline`, which is a Transport; in a browser opened by
 * `peerline --ui` it is the WebSocket transport back to the server that served the page.
 */
import { createApi, type Api, type Transport } from '../../shared/ipc/client';
import type { Transfer } from '../../shared/ipc/contract';
import { fail, type Result } from '../../shared/ipc/result';
import type { Upload } from '../state/files';
import { ALWAYS_OPEN, type LinkSource } from './link';
import { apiSocketUrl, takeUiToken } from './ui-token';
import { createWebSocketTransport, type SocketFactory } from './websocket-transport';

export type { Api } from '../../shared/ipc/client';

/**
 * `desktop`: the Electron app (its main process shows notifications, and owns the tray and login settings);
 * `upload`: a browser page's way to hand files to its local Peerline.
 */
export type Backend = { kind: 'ready'; api: Api; link: LinkSource; desktop: boolean; upload?: Upload } | { kind: 'no-token' };

/** The page's files go to its own local Peerline (`peerline --ui`), which offers them onward (electron/cli/ui-upload.ts). */
function uploadTo(token: string): Upload {
  return async (peer, file) => {
    try {
      const response = await fetch(`/upload?${new URLSearchParams({ peer, name: file.name })}`, { method: 'POST', headers: { 'x-peerline-token': token }, body: file });
      if (!response.ok) return fail('internal', `Peerline refused the upload (${response.status}).`);
      return (await response.json()) as Result<Transfer>;
    } catch (err) {
      return fail('internal', `The file could not reach Peerline: ${(err as Error).message}`);
    }
  };
}

const browserSocket: SocketFactory = (url, handlers) => {
  const socket = new WebSocket(url);
  socket.addEventListener('open', () => handlers.open());
  socket.addEventListener('message', (event) => handlers.message(event.data));
  // An error is always followed by close; `close` alone is the one signal.
  socket.addEventListener('close', () => handlers.close());
  return socket;
};

function isTransport(value: unknown): value is Transport {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Transport).invoke === 'function' &&
    typeof (value as Transport).subscribe === 'function'
  );
}

export function connectBackend(): Backend {
  const preload = window.peerline;
  if (isTransport(preload)) return { kind: 'ready', api: createApi(preload), link: ALWAYS_OPEN, desktop: true };

  const token = takeUiToken({
    href: location.href,
    storage: safeSessionStorage(),
    replaceUrl: (url) => history.replaceState(history.state, '', url),
  });
  if (token === null) return { kind: 'no-token' };
  const transport = createWebSocketTransport({ url: apiSocketUrl(location.href, token), createSocket: browserSocket });
  const link: LinkSource = {
    get: () => transport.link(),
    subscribe: (listener) => transport.onLink(listener),
    retryNow: () => transport.reconnectNow(),
  };
  // A laptop waking up or a network coming back: try at once rather than at the next backoff step.
  window.addEventListener('online', () => transport.reconnectNow());
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') transport.reconnectNow();
  });
  return { kind: 'ready', api: createApi(transport), link, desktop: false, upload: uploadTo(token) };
}

function safeSessionStorage(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}
