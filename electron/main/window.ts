/**
 * The hardened window (DESIGN §5, "Renderer"): options that keep Node out of the page, and the wiring that
 * denies navigation, new windows, webviews and permission requests. `electron` is imported for types only;
 * the caller passes the runtime objects, so Vitest can check all of this with stand-ins.
 */
import path from 'node:path';
import type { BrowserWindowConstructorOptions, Session, Shell, WebContents } from 'electron';

export interface WindowOptionsExtras {
  /** Window icon (Linux and Windows in dev; packaged builds take theirs from electron-builder). */
  readonly icon?: string;
  /** Allow the DevTools (dev only). */
  readonly devTools?: boolean;
}

export function windowOptions(preloadPath: string, extras: WindowOptionsExtras = {}): BrowserWindowConstructorOptions {
  if (!path.isAbsolute(preloadPath)) throw new Error(`The preload path must be absolute: ${preloadPath}`);
  return {
    width: 1040,
    height: 720,
    minWidth: 560,
    minHeight: 420,
    title: 'Peerline',
    show: false,
    backgroundColor: '#ffffff',
    ...(extras.icon === undefined ? {} : { icon: extras.icon }),
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      // Chromium's spellchecker downloads dictionaries from Google on Linux and Windows: no third parties.
      spellcheck: false,
      devTools: extras.devTools ?? false,
    },
  };
}

/** What `hardenWindow` touches: the window's contents and their session. */
export interface HardenTarget {
  readonly webContents: Pick<WebContents, 'on' | 'setWindowOpenHandler'> & {
    readonly session: Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'setDevicePermissionHandler' | 'webRequest'>;
  };
}

export interface HardenOptions {
  readonly shell: Pick<Shell, 'openExternal'>;
  /** Our own page (see `appUrlMatcher`): the only place the window may navigate to, and the only one given the CSP header. */
  readonly isAppUrl: (url: string) => boolean;
  /** Links that may open in the system browser; everything else is dropped. */
  readonly isAllowedExternalUrl: (url: string) => boolean;
  /** The Content-Security-Policy sent as a header with our page (the page's meta tag carries it too). */
  readonly csp: string;
  readonly log?: (line: string) => void;
}

export function hardenWindow(win: HardenTarget, options: HardenOptions): void {
  const { shell, isAppUrl, isAllowedExternalUrl, csp } = options;
  const log = options.log ?? ((line: string) => console.warn(`peerline: ${line}`));
  const contents = win.webContents;

  // Navigation: only to our own page (a reload, the dev server's full reload). Links open via window.open below.
  const denyForeign = (kind: string) => (event: { preventDefault(): void; url?: string }, legacyUrl?: unknown) => {
    const url = typeof event.url === 'string' ? event.url : typeof legacyUrl === 'string' ? legacyUrl : '';
    if (isAppUrl(url)) return;
    event.preventDefault();
    log(`${kind} to ${JSON.stringify(url)} denied`);
  };
  contents.on('will-navigate', denyForeign('navigation'));
  contents.on('will-frame-navigate', denyForeign('frame navigation'));
  contents.on('will-redirect', denyForeign('redirect'));

  // New windows: never. An http(s) link goes to the system browser (the renderer asked the person first).
  contents.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternalUrl(url)) {
      shell.openExternal(url).catch((err: unknown) => log(`could not open ${JSON.stringify(url)}: ${String(err)}`));
    } else {
      log(`new window for ${JSON.stringify(url)} denied`);
    }
    return { action: 'deny' };
  });

  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    log('webview denied');
  });

  // Permissions (camera, microphone, notifications, geolocation, USB, …): none. Notifications come from main.
  const session = contents.session;
  session.setPermissionRequestHandler((_contents, permission, callback) => {
    log(`permission ${JSON.stringify(permission)} denied`);
    callback(false);
  });
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);

  // The CSP as a header on our page's responses too (the dev server); file:// pages rely on the meta tag.
  session.webRequest.onHeadersReceived((details, callback) => {
    if (!isAppUrl(details.url)) return callback({});
    // Added to whatever policy the server sent: a browser enforces every policy, so this only narrows.
    const headers = { ...details.responseHeaders };
    headers['Content-Security-Policy'] = [...(headers['Content-Security-Policy'] ?? []), csp];
    callback({ responseHeaders: headers });
  });
}
