/**
 * Which URLs belong to the app, which may open in the system browser, and the Content-Security-Policy. Pure
 * functions (no `electron` at run time), so Vitest reaches them directly.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the window's page comes from: the built `index.html` (packaged, `npm start`) or the Vite dev server. */
export type AppLocation = { readonly kind: 'file'; readonly indexHtml: string } | { readonly kind: 'dev'; readonly origin: string };

/**
 * Is `url` our own page? For a file, exactly our `index.html` (any query or fragment: the router may use them),
 * never another file on disk. For the dev server, its origin (scheme, host and port).
 */
export function appUrlMatcher(location: AppLocation, platform: NodeJS.Platform = process.platform): (url: string) => boolean {
  if (location.kind === 'dev') {
    const origin = new URL(location.origin).origin;
    return (url) => parse(url)?.origin === origin;
  }
  const fold = (p: string) => (platform === 'win32' || platform === 'darwin' ? p.toLowerCase() : p);
  const expected = fold(path.resolve(location.indexHtml));
  return (url) => {
    const parsed = parse(url);
    if (parsed?.protocol !== 'file:' || (parsed.host !== '' && parsed.host !== 'localhost')) return false;
    try {
      return fold(path.resolve(fileURLToPath(parsed))) === expected;
    } catch {
      return false; // an encoded slash, or a path that is not absolute on this platform
    }
  };
}

/** Links the person may open in their browser (after the renderer asked them): parsed `http:` and `https:` only. */
export function isAllowedExternalUrl(url: string): boolean {
  const parsed = parse(url);
  return (parsed?.protocol === 'https:' || parsed?.protocol === 'http:') && parsed.hostname !== '';
}

/**
 * The dev server named by `VITE_DEV_SERVER_URL`, only when the app is not packaged and the URL is plain http on
 * loopback: a variable in the environment must not point a window with our preload at a remote page.
 */
export function devServerUrl(env: NodeJS.ProcessEnv, isPackaged: boolean): string | undefined {
  const raw = env.VITE_DEV_SERVER_URL;
  if (isPackaged || raw === undefined || raw === '') return undefined;
  const parsed = parse(raw);
  const loopback = parsed !== undefined && ['localhost', '127.0.0.1', '[::1]'].includes(parsed.hostname);
  if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || !loopback) {
    throw new Error(`VITE_DEV_SERVER_URL must be an http URL on localhost, not ${JSON.stringify(raw)}.`);
  }
  return parsed.href;
}

/**
 * The policy for our page. Packaged: scripts, styles, fonts and images from the app itself only; no network
 * (IPC needs none), no plugins, no frames, no forms, no `<base>`. In dev, Vite needs more: React Refresh's inline
 * preamble, injected `<style>` tags and its HMR WebSocket, so those are allowed for the dev origin only.
 */
export function contentSecurityPolicy(devOrigin?: string): string {
  const dev = devOrigin === undefined ? undefined : new URL(devOrigin);
  const ws = dev === undefined ? undefined : `${dev.protocol === 'https:' ? 'wss:' : 'ws:'}//${dev.host}`;
  const directives: [string, ...string[]][] = [
    ['default-src', "'none'"],
    ['script-src', "'self'", ...(dev ? ["'unsafe-inline'"] : [])],
    ['style-src', "'self'", ...(dev ? ["'unsafe-inline'"] : [])],
    ['img-src', "'self'", 'data:'],
    ['font-src', "'self'"],
    ['connect-src', ...(dev && ws ? ["'self'", ws] : ["'none'"])],
    ['object-src', "'none'"],
    ['frame-src', "'none'"],
    ['worker-src', "'none'"],
    ['base-uri', "'none'"],
    ['form-action', "'none'"],
    ['frame-ancestors', "'none'"],
  ];
  return directives.map((d) => d.join(' ')).join('; ');
}

function parse(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}
