/**
 * `peerline --ui` opens the page as `http://127.0.0.1:PORT/?token=TOKEN`. The token is read once, kept in
 * sessionStorage so that a reload works, and taken out of the address bar (and so out of history, bookmarks
 * and screenshots).
 */

export const TOKEN_STORAGE_KEY = 'peerline.ui-token';

export interface TokenEnvironment {
  /** `location.href`. */
  href: string;
  /** `sessionStorage`; null where storage is unavailable. */
  storage: Pick<Storage, 'getItem' | 'setItem'> | null;
  /** `history.replaceState(history.state, '', url)`. */
  replaceUrl(url: string): void;
}

interface Storage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export function takeUiToken(env: TokenEnvironment): string | null {
  const url = new URL(env.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl !== null) {
    url.searchParams.delete('token');
    env.replaceUrl(`${url.pathname}${url.search}${url.hash}`);
    if (fromUrl !== '') {
      try {
        env.storage?.setItem(TOKEN_STORAGE_KEY, fromUrl);
      } catch {
        // Storage can be disabled; the token still works until the page reloads.
      }
      return fromUrl;
    }
  }
  try {
    const stored = env.storage?.getItem(TOKEN_STORAGE_KEY) ?? null;
    return stored === '' ? null : stored;
  } catch {
    return null;
  }
}

/** The WebSocket address of the contract on the server that served this page. */
export function apiSocketUrl(pageUrl: string, token: string): string {
  const page = new URL(pageUrl);
  const scheme = page.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${page.host}/api?token=${encodeURIComponent(token)}`;
}
