/**
 * The hardened window (electron/main/window.ts) and the URL rules behind it (electron/main/urls.ts): options
 * that keep Node out of the page, and wiring that denies navigation, new windows, webviews and permissions.
 * Stand-ins replace Electron's objects; no `electron` here.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { appUrlMatcher, contentSecurityPolicy, devServerUrl, isAllowedExternalUrl } from '../../electron/main/urls';
import { hardenWindow, windowOptions, type HardenOptions, type HardenTarget } from '../../electron/main/window';

const PRELOAD = path.resolve('/opt/Peerline/resources/app.asar/out/preload/preload.cjs');
const INDEX_HTML = path.resolve('/opt/Peerline/resources/app.asar/out/renderer/index.html');
const APP_URL = pathToFileURL(INDEX_HTML).href;

describe('windowOptions', () => {
  const prefs = windowOptions(PRELOAD).webPreferences!;

  it('isolates the page: context isolation, sandbox, no Node anywhere, web security on', () => {
    expect(prefs.contextIsolation).toBe(true);
    expect(prefs.sandbox).toBe(true);
    expect(prefs.nodeIntegration).toBe(false);
    expect(prefs.nodeIntegrationInWorker).toBe(false);
    expect(prefs.nodeIntegrationInSubFrames).toBe(false);
    expect(prefs.webSecurity).toBe(true);
    expect(prefs.allowRunningInsecureContent).toBe(false);
    expect(prefs.webviewTag).toBe(false);
    expect(prefs.experimentalFeatures).toBe(false);
    expect(prefs.navigateOnDragDrop).toBe(false);
  });

  it('no DevTools unless asked (dev), and no spellchecker dictionaries fetched from Google', () => {
    expect(prefs.devTools).toBe(false);
    expect(windowOptions(PRELOAD, { devTools: true }).webPreferences!.devTools).toBe(true);
    expect(prefs.spellcheck).toBe(false);
  });

  it('the preload path is the absolute one given; a relative one (resolved against the cwd) is refused', () => {
    expect(prefs.preload).toBe(PRELOAD);
    expect(path.isAbsolute(prefs.preload!)).toBe(true);
    expect(() => windowOptions('out/preload/preload.cjs')).toThrow(/must be absolute/);
  });

  it('waits for ready-to-show, and takes an icon when given', () => {
    expect(windowOptions(PRELOAD).show).toBe(false);
    expect(windowOptions(PRELOAD)).not.toHaveProperty('icon');
    expect(windowOptions(PRELOAD, { icon: '/x/icon.png' }).icon).toBe('/x/icon.png');
  });
});

/** A stand-in for a BrowserWindow's webContents and session that records what hardenWindow wires. */
function fakeWindow() {
  const listeners = new Map<string, ((...args: unknown[]) => void)[]>();
  let openHandler: ((details: { url: string }) => { action: string }) | undefined;
  let permissionRequest: ((contents: unknown, permission: string, callback: (granted: boolean) => void, details: unknown) => void) | undefined;
  let permissionCheck: ((...args: unknown[]) => boolean) | undefined;
  let deviceCheck: ((...args: unknown[]) => boolean) | undefined;
  let headers: ((details: { url: string; responseHeaders?: Record<string, string[]> }, callback: (response: unknown) => void) => void) | undefined;
  const win = {
    webContents: {
      on(event: string, listener: (...args: unknown[]) => void) {
        listeners.set(event, [...(listeners.get(event) ?? []), listener]);
        return this;
      },
      setWindowOpenHandler(handler: typeof openHandler) {
        openHandler = handler;
      },
      session: {
        setPermissionRequestHandler: (h: typeof permissionRequest) => void (permissionRequest = h),
        setPermissionCheckHandler: (h: typeof permissionCheck) => void (permissionCheck = h),
        setDevicePermissionHandler: (h: typeof deviceCheck) => void (deviceCheck = h),
        webRequest: { onHeadersReceived: (h: typeof headers) => void (headers = h) },
      },
    },
  };
  const emit = (event: string, ...args: unknown[]) => {
    for (const listener of listeners.get(event) ?? []) listener(...args);
  };
  /** An Electron event for a navigation to `url`: preventDefault is recorded. */
  const navigation = (url: string) => ({ url, isMainFrame: true, preventDefault: vi.fn() });
  return {
    target: win as unknown as HardenTarget,
    listeners,
    emit,
    navigation,
    open: (url: string) => openHandler!({ url }),
    requestPermission: (permission: string) => {
      const callback = vi.fn();
      permissionRequest!(win.webContents, permission, callback, {});
      return callback;
    },
    checkPermission: (permission: string) => permissionCheck!(win.webContents, permission, 'file://', {}),
    checkDevice: () => deviceCheck!({ deviceType: 'usb', origin: 'file://' }),
    responseHeaders: (url: string, responseHeaders?: Record<string, string[]>) => {
      const callback = vi.fn();
      headers!({ url, responseHeaders }, callback);
      return callback.mock.calls[0]?.[0] as { responseHeaders?: Record<string, string[]> };
    },
  };
}

function harden(overrides: Partial<HardenOptions> = {}) {
  const fake = fakeWindow();
  const shell = { openExternal: vi.fn(async () => {}) };
  const log = vi.fn();
  const csp = contentSecurityPolicy();
  hardenWindow(fake.target, { shell, isAppUrl: appUrlMatcher({ kind: 'file', indexHtml: INDEX_HTML }), isAllowedExternalUrl, csp, log, ...overrides });
  return { ...fake, shell, log, csp };
}

describe('hardenWindow', () => {
  it.each(['will-navigate', 'will-frame-navigate', 'will-redirect'])('%s: anywhere but our page is prevented', (eventName) => {
    const w = harden();
    for (const url of ['https://evil.example/', 'file:///etc/passwd', 'http://localhost:5173/', 'javascript:alert(1)', 'data:text/html,hi', '']) {
      const event = w.navigation(url);
      w.emit(eventName, event);
      expect(event.preventDefault, url).toHaveBeenCalledOnce();
    }
  });

  it('a reload of our own page is let through', () => {
    const w = harden();
    for (const url of [APP_URL, `${APP_URL}#/settings`]) {
      const event = w.navigation(url);
      w.emit('will-navigate', event);
      expect(event.preventDefault).not.toHaveBeenCalled();
    }
  });

  it('the older listener shape (url as the second argument) is handled too', () => {
    const w = harden();
    const event = { preventDefault: vi.fn() };
    w.emit('will-navigate', event, 'https://evil.example/');
    expect(event.preventDefault).toHaveBeenCalledOnce();
  });

  it('window.open never opens a window; http(s) links go to the system browser', () => {
    const w = harden();
    expect(w.open('https://example.com/a?b=c')).toEqual({ action: 'deny' });
    expect(w.open('http://example.org/')).toEqual({ action: 'deny' });
    expect(w.shell.openExternal.mock.calls).toEqual([['https://example.com/a?b=c'], ['http://example.org/']]);
  });

  it.each(['javascript:alert(1)', 'file:///etc/passwd', 'data:text/html,<script>1</script>', 'smb://host/share', 'mailto:a@b.c', 'not a url', APP_URL, ''])(
    'window.open(%j) is denied and nothing is opened',
    (url) => {
      const w = harden();
      expect(w.open(url)).toEqual({ action: 'deny' });
      expect(w.shell.openExternal).not.toHaveBeenCalled();
      expect(w.log).toHaveBeenCalled();
    },
  );

  it('a failing openExternal is logged, not thrown', async () => {
    const shell = { openExternal: vi.fn(async () => Promise.reject(new Error('no browser'))) };
    const w = harden({ shell });
    expect(w.open('https://example.com/')).toEqual({ action: 'deny' });
    await vi.waitFor(() => expect(w.log).toHaveBeenCalledWith(expect.stringMatching(/could not open .*no browser/)));
  });

  it('webviews are never attached', () => {
    const w = harden();
    const event = { preventDefault: vi.fn() };
    w.emit('will-attach-webview', event, {}, {});
    expect(event.preventDefault).toHaveBeenCalledOnce();
  });

  it.each(['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fullscreen', 'hid', 'unknown'])('permission %s: requests and checks are denied', (permission) => {
    const w = harden();
    expect(w.requestPermission(permission)).toHaveBeenCalledExactlyOnceWith(false);
    expect(w.checkPermission(permission)).toBe(false);
    expect(w.checkDevice()).toBe(false);
  });

  it('our page gets the CSP header, added to any the server sent; other responses are untouched', () => {
    const dev = 'http://localhost:5173/';
    const csp = contentSecurityPolicy(dev);
    const w = harden({ isAppUrl: appUrlMatcher({ kind: 'dev', origin: dev }), csp });
    expect(w.responseHeaders('http://localhost:5173/', { 'Content-Type': ['text/html'] })).toEqual({
      responseHeaders: { 'Content-Type': ['text/html'], 'Content-Security-Policy': [csp] },
    });
    expect(w.responseHeaders('http://localhost:5173/src/main.tsx', { 'Content-Security-Policy': ["default-src 'self'"] }).responseHeaders!['Content-Security-Policy']).toEqual([
      "default-src 'self'",
      csp,
    ]);
    expect(w.responseHeaders('https://elsewhere.example/')).toEqual({});
  });
});

describe('URL rules', () => {
  it('appUrlMatcher (file): exactly our index.html, any fragment or query', () => {
    const matches = appUrlMatcher({ kind: 'file', indexHtml: INDEX_HTML });
    expect(matches(APP_URL)).toBe(true);
    expect(matches(`${APP_URL}?x=1#/chat`)).toBe(true);
    expect(matches(pathToFileURL(path.join(path.dirname(INDEX_HTML), 'other.html')).href)).toBe(false);
    expect(matches(pathToFileURL(path.join(path.dirname(INDEX_HTML), '..', 'renderer', 'index.html')).href)).toBe(true);
    expect(matches(APP_URL.replace('file:///', 'file://remote-host/'))).toBe(false);
    expect(matches('https://opt/Peerline/resources/app.asar/out/renderer/index.html')).toBe(false);
    expect(matches('not a url')).toBe(false);
  });

  it('appUrlMatcher (file) folds case on macOS and Windows, not on Linux', () => {
    const upper = APP_URL.replace('index.html', 'INDEX.html');
    expect(appUrlMatcher({ kind: 'file', indexHtml: INDEX_HTML }, 'linux')(upper)).toBe(false);
    expect(appUrlMatcher({ kind: 'file', indexHtml: INDEX_HTML }, 'darwin')(upper)).toBe(true);
  });

  it('appUrlMatcher (dev): the dev server origin only', () => {
    const matches = appUrlMatcher({ kind: 'dev', origin: 'http://localhost:5173' });
    expect(matches('http://localhost:5173/')).toBe(true);
    expect(matches('http://localhost:5173/@vite/client')).toBe(true);
    expect(matches('https://localhost:5173/')).toBe(false);
    expect(matches('http://127.0.0.1:5173/')).toBe(false);
    expect(matches('http://localhost:5173.evil.example/')).toBe(false);
  });

  it('isAllowedExternalUrl: parsed http(s) with a host, nothing else', () => {
    expect(isAllowedExternalUrl('https://example.com/path')).toBe(true);
    expect(isAllowedExternalUrl('HTTP://EXAMPLE.COM')).toBe(true);
    for (const url of ['javascript:alert(1)', 'file:///etc/passwd', 'ftp://example.com/', 'https:', 'example.com', 'vbscript:x', 'chrome://settings', '']) {
      expect(isAllowedExternalUrl(url), url).toBe(false);
    }
  });

  it('devServerUrl: only unpackaged, only http(s) on loopback', () => {
    expect(devServerUrl({}, false)).toBeUndefined();
    expect(devServerUrl({ VITE_DEV_SERVER_URL: '' }, false)).toBeUndefined();
    expect(devServerUrl({ VITE_DEV_SERVER_URL: 'http://localhost:5173' }, false)).toBe('http://localhost:5173/');
    expect(devServerUrl({ VITE_DEV_SERVER_URL: 'http://127.0.0.1:5173/' }, false)).toBe('http://127.0.0.1:5173/');
    expect(devServerUrl({ VITE_DEV_SERVER_URL: 'http://[::1]:5173/' }, false)).toBe('http://[::1]:5173/');
    // A packaged app ignores the variable: it always shows its own files.
    expect(devServerUrl({ VITE_DEV_SERVER_URL: 'http://localhost:5173' }, true)).toBeUndefined();
    for (const url of ['https://evil.example/', 'http://192.168.1.20:5173/', 'file:///tmp/index.html', 'localhost:5173']) {
      expect(() => devServerUrl({ VITE_DEV_SERVER_URL: url }, false), url).toThrow(/VITE_DEV_SERVER_URL/);
    }
  });

  it('the packaged CSP: nothing by default, own scripts and styles, no inline script, no network, no frames', () => {
    const csp = contentSecurityPolicy();
    const directives = new Map(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('style-src')).toEqual(["'self'"]);
    expect(directives.get('connect-src')).toEqual(["'none'"]);
    for (const d of ['object-src', 'frame-src', 'base-uri', 'form-action', 'frame-ancestors']) expect(directives.get(d), d).toEqual(["'none'"]);
    expect(csp).not.toMatch(/unsafe-eval|unsafe-inline|\*/);
  });

  it('the dev CSP adds only what Vite needs: inline preamble and styles, HMR socket to the dev server', () => {
    const csp = contentSecurityPolicy('http://localhost:5173/');
    expect(csp).toContain("script-src 'self' 'unsafe-inline'");
    expect(csp).toContain("connect-src 'self' ws://localhost:5173");
    expect(csp).not.toMatch(/unsafe-eval|\*/);
  });
});
