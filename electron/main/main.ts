/**
 * The desktop app's entry (built to out/main/main.cjs): one instance per user-data folder, `AppService` over the
 * data in `app.getPath('userData')`, the contract on `ipcMain`, and one hardened window showing the renderer.
 * Paths come from this file's own location, never from the current directory.
 */
import path from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, shell } from 'electron';
import { AppService } from '../core/app-service';
import { desktopFileHandlers } from './files';
import { createSenderCheck, forwardEvents, registerIpcHandlers } from './ipc';
import { installGracefulQuit, parseMainOptions, type MainOptions } from './lifecycle';
import { appUrlMatcher, contentSecurityPolicy, devServerUrl, isAllowedExternalUrl, type AppLocation } from './urls';
import { hardenWindow, windowOptions } from './window';

// out/main/main.cjs → out/preload/preload.cjs and out/renderer/index.html, inside app.asar when packaged.
const PRELOAD = path.join(__dirname, '../preload/preload.cjs');
const INDEX_HTML = path.join(__dirname, '../renderer/index.html');
const ICON = path.join(__dirname, '../../build/icons/512x512.png');

const log = (line: string) => console.warn(`peerline: ${line}`);

function main(): void {
  // Every renderer sandboxed, not only the windows whose options say so (must precede 'ready').
  app.enableSandbox();
  // The lock is keyed on the user-data folder, so `--user-data-dir` lets two profiles run side by side.
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }

  let options: MainOptions;
  let devUrl: string | undefined;
  try {
    options = parseMainOptions(process.argv, process.env);
    devUrl = devServerUrl(process.env, app.isPackaged);
  } catch (err) {
    log(err instanceof Error ? err.message : String(err));
    app.exit(2);
    return;
  }
  const location: AppLocation = devUrl === undefined ? { kind: 'file', indexHtml: INDEX_HTML } : { kind: 'dev', origin: devUrl };
  const isAppUrl = appUrlMatcher(location);
  const csp = contentSecurityPolicy(devUrl);

  let mainWindow: BrowserWindow | null = null;
  let service: Promise<AppService> | undefined;
  /** Set once the service is open and the handlers are registered: windows may be created from then on. */
  let started = false;
  const getWindow = () => mainWindow;

  const createWindow = (): BrowserWindow => {
    const win = new BrowserWindow(windowOptions(PRELOAD, { icon: app.isPackaged ? undefined : ICON, devTools: !app.isPackaged }));
    hardenWindow(win, { shell, isAppUrl, isAllowedExternalUrl, csp, log });
    win.once('ready-to-show', () => win.show());
    win.on('closed', () => {
      if (mainWindow === win) mainWindow = null;
    });
    mainWindow = win;
    const loading = devUrl === undefined ? win.loadFile(INDEX_HTML) : win.loadURL(devUrl);
    loading.catch((err: unknown) => log(`the window could not load its page: ${String(err)}`));
    return win;
  };

  const focusWindow = () => {
    const win = mainWindow && !mainWindow.isDestroyed() ? mainWindow : started ? createWindow() : null;
    if (!win) return;
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  };

  app.on('second-instance', focusWindow);

  // Quit (menu, last window on Linux/Windows, Cmd+Q, a signal): say bye to every peer first, bounded in time.
  installGracefulQuit(app, async () => {
    if (service) await (await service).close();
  }, { log });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => app.quit());

  app.on('window-all-closed', () => {
    // macOS keeps the app (and its peers) alive without windows until Cmd+Q.
    if (process.platform !== 'darwin') app.quit();
  });

  // Everything Peerline writes (the store's files, the identity) is for this user alone: 0600 files, 0700 folders.
  if (process.platform !== 'win32') process.umask(0o077);
  app.whenReady().then(async () => {
    service = AppService.open({ dataDir: app.getPath('userData'), appVersion: app.getVersion(), port: options.port });
    const opened = await service;
    // Handlers before the window, so the page's first invoke finds them.
    const handlers = { ...opened.handlers, ...desktopFileHandlers(opened.handlers, { dialog, shell }, getWindow) };
    registerIpcHandlers(ipcMain, handlers, createSenderCheck(getWindow, isAppUrl), log);
    forwardEvents(opened, getWindow);
    started = true;
    createWindow();
    // macOS: clicking the dock icon with no window open brings one back.
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) createWindow();
    });
  }).catch((err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    log(`could not start: ${message}`);
    dialog.showErrorBox('Peerline could not start', message);
    app.exit(1);
  });
}

main();
