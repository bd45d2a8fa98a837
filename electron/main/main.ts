/**
 * The desktop app's entry (built to out/main/main.cjs): one instance per user-data folder, `AppService` over the
 * data in `app.getPath('userData')`, the contract on `ipcMain`, and one hardened window showing the renderer.
 * Paths come from this file's own location, never from the current directory.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, Menu, nativeImage, Notification, shell, Tray } from 'electron';
import { AppService } from '../core/app-service';
import { BonjourTransport } from '../core/features/discovery/bonjour-transport';
import { BadgeService, dotBitmap } from './badge';
import { DesktopShell } from './desktop';
import { desktopFileHandlers } from './files';
import { createSenderCheck, forwardEvents, registerIpcHandlers } from './ipc';
import { installGracefulQuit, parseMainOptions, type MainOptions } from './lifecycle';
import { LoginItemService, startsHidden } from './login';
import { NotificationService } from './notifications';
import { TrayService } from './tray';
import { appUrlMatcher, contentSecurityPolicy, devServerUrl, isAllowedExternalUrl, type AppLocation } from './urls';
import { hardenWindow, windowOptions } from './window';
import { APP_ID } from '../../shared/app-id';

// out/main/main.cjs → out/preload/preload.cjs and out/renderer/index.html, inside app.asar when packaged.
const PRELOAD = path.join(__dirname, '../preload/preload.cjs');
const INDEX_HTML = path.join(__dirname, '../renderer/index.html');
const ICON = path.join(__dirname, '../../build/icons/512x512.png');
const TRAY_ICON = path.join(__dirname, 'tray.png');
/** The Windows taskbar overlay: a dot this many pixels square. */
const OVERLAY_SIZE = 16;
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
  /** A login start shows no window until the person opens it (tray, a second launch, a notification). */
  let showOnReady = !startsHidden(process.argv);

  const tray = new TrayService({
    createTray: () => new Tray(nativeImage.createFromPath(TRAY_ICON)),
    buildMenu: (template) => Menu.buildFromTemplate(template),
    platform: process.platform,
    open: () => focusWindow(),
    quit: () => app.quit(),
  });
  const badge = new BadgeService({
    app,
    platform: process.platform,
    getWindow,
    overlayIcon: () => nativeImage.createFromBitmap(dotBitmap(OVERLAY_SIZE), { width: OVERLAY_SIZE, height: OVERLAY_SIZE }),
  });
  const notifications = new NotificationService({
    createNotification: (options) => new Notification(options),
    isSupported: () => Notification.isSupported(),
    openConversation: (peer) => {
      const win = focusWindow();
      if (!win) return;
      const open = () => win.isDestroyed() || win.webContents.send('conversation:open-requested', { peer });
      // A window made just now hears it once its page is there.
      if (win.webContents.isLoading()) win.webContents.once('did-finish-load', open);
      else open();
    },
  });
  const login = new LoginItemService({
    app,
    platform: process.platform,
    // An AppImage runs from a mount that changes each start: its own file is what to start.
    execPath: process.env.APPIMAGE ?? process.execPath,
    configDir: process.env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config'),
    writeFile: async (file, text) => {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, text);
    },
    removeFile: (file) => rm(file, { force: true }),
  });

  const createWindow = (): BrowserWindow => {
    const win = new BrowserWindow(windowOptions(PRELOAD, { icon: app.isPackaged ? undefined : ICON, devTools: !app.isPackaged }));
    hardenWindow(win, { shell, isAppUrl, isAllowedExternalUrl, csp, log });
    tray.guardClose(win);
    win.once('ready-to-show', () => {
      if (showOnReady) win.show();
      showOnReady = true;
    });
    win.on('closed', () => {
      if (mainWindow === win) mainWindow = null;
    });
    mainWindow = win;
    badge.windowCreated();
    const loading = devUrl === undefined ? win.loadFile(INDEX_HTML) : win.loadURL(devUrl);
    loading.catch((err: unknown) => log(`the window could not load its page: ${String(err)}`));
    return win;
  };

  const focusWindow = (): BrowserWindow | null => {
    showOnReady = true;
    const win = mainWindow && !mainWindow.isDestroyed() ? mainWindow : started ? createWindow() : null;
    if (!win) return null;
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
    return win;
  };

  app.on('second-instance', focusWindow);

  // Quitting closes the window for real, past close-to-tray.
  app.on('before-quit', () => tray.markQuitting());
  // Quit (menu, last window on Linux/Windows, Cmd+Q, a signal): say bye to every peer first, bounded in time.
  installGracefulQuit(app, async () => {
    tray.destroy();
    if (service) await (await service).close();
  }, { log });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => app.quit());

  app.on('window-all-closed', () => {
    // macOS keeps the app (and its peers) alive without windows until Cmd+Q.
    if (process.platform !== 'darwin') app.quit();
  });

  // Everything Peerline writes (the store's files, the identity) is for this user alone: 0600 files, 0700 folders.
  if (process.platform !== 'win32') process.umask(0o077);
  // Windows shows notifications, and groups the taskbar button, by this id.
  if (process.platform === 'win32') app.setAppUserModelId(APP_ID);
  app.whenReady().then(async () => {
    // The app is reachable by key unless the person turns it off (Settings says what that reveals).
    service = AppService.open({
      dataDir: app.getPath('userData'),
      appVersion: app.getVersion(),
      port: options.port,
      reachableByKeyDefault: true,
      ...(options.dhtOff && { reachableByKey: false }),
      // Nearby peers over mDNS, as the settings say (on unless turned off); none at all with PEERLINE_DISCOVERY=off.
      ...(options.noDiscovery ? {} : { discovery: { transport: new BonjourTransport({ log }) } }),
    });
    const opened = await service;
    // Handlers before the window, so the page's first invoke finds them.
    const handlers = { ...opened.handlers, ...desktopFileHandlers(opened.handlers, { dialog, shell }, getWindow) };
    registerIpcHandlers(ipcMain, handlers, createSenderCheck(getWindow, isAppUrl), log);
    forwardEvents(opened, getWindow);
    await new DesktopShell(opened, { notifications, badge, tray, login, log }).start();
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
