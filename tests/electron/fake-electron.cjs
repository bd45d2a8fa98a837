// A stand-in for the `electron` module, so the BUILT main bundle (out/main/main.cjs) runs under plain Node where
// no Electron binary exists: `node --require tests/electron/fake-electron.cjs out/main/main.cjs`. It answers
// main's calls the way Electron documents them, reports what main did as `FAKE {json}` lines on stdout, and takes
// commands on stdin (`invoke`, `close-window`, `activate`, `quit`, `click-notification`, `tray-menu`, `second-instance`). Used by tests/unit/main-bundle.test.ts.
'use strict';
const { EventEmitter } = require('node:events');
const Module = require('node:module');
const readline = require('node:readline');
const { pathToFileURL } = require('node:url');

const report = (event) => process.stdout.write(`FAKE ${JSON.stringify(event)}\n`);

// ---- app ------------------------------------------------------------------------------------------------
const app = new EventEmitter();
let ready = false;
let resolveReady;
const whenReady = new Promise((resolve) => (resolveReady = resolve));
app.isPackaged = process.env.FAKE_PACKAGED === '1';
app.whenReady = () => whenReady;
app.isReady = () => ready;
app.getVersion = () => '0.1.0';
app.enableSandbox = () => {
  if (ready) throw new Error('app.enableSandbox() must be called before the app is ready');
  report({ type: 'sandbox' });
};
app.getPath = (name) => {
  if (name !== 'userData') throw new Error(`fake electron: getPath(${name}) not supported`);
  return process.env.FAKE_USER_DATA;
};
app.requestSingleInstanceLock = () => {
  const got = process.env.FAKE_LOCK !== 'taken';
  report({ type: 'lock', got });
  return got;
};
/** Electron: emits before-quit; unless a listener prevented it, emits will-quit and exits. */
app.quit = () => {
  let prevented = false;
  app.emit('before-quit', { preventDefault: () => (prevented = true) });
  report({ type: 'before-quit', prevented });
  if (prevented) return;
  app.emit('will-quit', { preventDefault() {} });
  report({ type: 'exit', code: 0 });
  process.exit(0);
};
app.exit = (code = 0) => {
  report({ type: 'exit', code });
  process.exit(code);
};
app.setBadgeCount = (count) => {
  report({ type: 'badge', count });
  return true;
};
app.setAppUserModelId = (id) => report({ type: 'app-user-model-id', id });
app.setLoginItemSettings = (settings) => report({ type: 'login-item', settings });
setTimeout(() => {
  ready = true;
  app.emit('ready');
  resolveReady();
}, 10);

// ---- ipcMain --------------------------------------------------------------------------------------------
const handlers = new Map();
const ipcMain = {
  handle(channel, listener) {
    if (handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    handlers.set(channel, listener);
  },
  removeHandler(channel) {
    handlers.delete(channel);
  },
};

// ---- BrowserWindow --------------------------------------------------------------------------------------
const windows = new Set();
let nextId = 1;
class BrowserWindow extends EventEmitter {
  constructor(options) {
    super();
    const id = nextId++;
    const win = this;
    const contents = new EventEmitter();
    const sessionState = { permissionRequest: false, permissionCheck: false, devicePermission: false, headers: false };
    Object.assign(contents, {
      mainFrame: { url: '', processId: 100 + id, routingId: 1, parent: null },
      isDestroyed: () => win.destroyed,
      send(channel, payload) {
        if (win.destroyed) throw new Error('Object has been destroyed');
        report({ type: 'sent', window: id, channel, payload });
      },
      setWindowOpenHandler: (handler) => (contents.windowOpenHandler = handler),
      isLoading: () => !win.loadedPage,
      session: {
        setPermissionRequestHandler: () => (sessionState.permissionRequest = true),
        setPermissionCheckHandler: () => (sessionState.permissionCheck = true),
        setDevicePermissionHandler: () => (sessionState.devicePermission = true),
        webRequest: { onHeadersReceived: () => (sessionState.headers = true) },
      },
    });
    this.id = id;
    this.options = options;
    this.destroyed = false;
    this.webContents = contents;
    this.sessionState = sessionState;
    windows.add(this);
  }
  static getAllWindows() {
    return [...windows];
  }
  isDestroyed() {
    return this.destroyed;
  }
  isMinimized() {
    return false;
  }
  isFocused() {
    return false;
  }
  restore() {}
  show() {
    report({ type: 'show', window: this.id });
  }
  hide() {
    report({ type: 'hide', window: this.id });
  }
  focus() {}
  setOverlayIcon(image, description) {
    report({ type: 'overlay', window: this.id, image: image === null ? null : image.kind, description });
  }
  flashFrame(flag) {
    report({ type: 'flash', window: this.id, flag });
  }
  async loadFile(file) {
    this.webContents.mainFrame.url = pathToFileURL(file).href;
    this.loaded();
  }
  async loadURL(url) {
    this.webContents.mainFrame.url = url;
    this.loaded();
  }
  loaded() {
    const contents = this.webContents;
    report({
      type: 'window',
      id: this.id,
      url: contents.mainFrame.url,
      webPreferences: this.options.webPreferences,
      listeners: contents.eventNames(),
      windowOpenHandler: typeof contents.windowOpenHandler === 'function',
      session: this.sessionState,
      handlers: [...handlers.keys()],
    });
    this.loadedPage = true;
    contents.emit('did-finish-load');
    this.emit('ready-to-show');
  }
  /** Electron: 'close' first, which a listener may prevent; then the window goes. */
  close() {
    if (this.destroyed) return;
    let prevented = false;
    this.emit('close', { preventDefault: () => (prevented = true) });
    if (prevented) return report({ type: 'close-prevented', window: this.id });
    this.destroyed = true;
    windows.delete(this);
    this.emit('closed');
    if (windows.size === 0) app.emit('window-all-closed');
  }
}

// ---- Notification, Tray, Menu, nativeImage ---------------------------------------------------------------
const notifications = [];
class Notification extends EventEmitter {
  static isSupported() {
    return true;
  }
  constructor(options) {
    super();
    this.options = options;
  }
  show() {
    notifications.push(this);
    report({ type: 'notification', index: notifications.length - 1, title: this.options.title, body: this.options.body });
  }
  close() {
    report({ type: 'notification-closed', title: this.options.title, body: this.options.body });
    this.emit('close');
  }
}
let tray = null;
class Tray extends EventEmitter {
  constructor(image) {
    super();
    tray = this;
    report({ type: 'tray', image: image.kind });
  }
  setToolTip(text) {
    report({ type: 'tray-tooltip', text });
  }
  setContextMenu(menu) {
    this.menu = menu;
    report({ type: 'tray-menu', labels: menu.map((item) => item.label ?? `(${item.type})`) });
  }
  destroy() {
    report({ type: 'tray-destroyed' });
  }
}
const Menu = { buildFromTemplate: (template) => template };
const nativeImage = {
  createFromPath: (file) => ({ kind: require('node:fs').existsSync(file) ? 'png' : 'missing' }),
  createFromBitmap: (buffer, size) => ({ kind: `bitmap ${size.width}x${size.height}` }),
};

const fake = {
  app,
  Notification,
  Tray,
  Menu,
  nativeImage,
  ipcMain,
  BrowserWindow,
  shell: { openExternal: async (url) => report({ type: 'open-external', url }) },
  dialog: { showErrorBox: (title, content) => report({ type: 'error-box', title, content }) },
};

const load = Module._load;
Module._load = function (request, ...rest) {
  return request === 'electron' ? fake : load.call(this, request, ...rest);
};

// ---- commands from the test -----------------------------------------------------------------------------
const current = () => [...windows].at(-1);
readline.createInterface({ input: process.stdin }).on('line', async (line) => {
  const command = JSON.parse(line);
  if (command.cmd === 'invoke') {
    // from: 'window' (our page's main frame), 'foreign' (some other frame), 'none' (a frame that went away).
    const win = current();
    const frame =
      command.from === 'window'
        ? win?.webContents.mainFrame
        : command.from === 'foreign'
          ? { url: 'https://evil.example/', processId: 999, routingId: 7, parent: null }
          : null;
    const listener = handlers.get(command.channel);
    const result = listener ? await listener({ senderFrame: frame, sender: win?.webContents }, command.request) : { noHandler: true };
    report({ type: 'result', tag: command.tag, result });
  } else if (command.cmd === 'close-window') {
    current()?.close();
  } else if (command.cmd === 'click-notification') {
    notifications[command.index].emit('click');
  } else if (command.cmd === 'tray-menu') {
    tray.menu.find((item) => item.label === command.label).click();
  } else if (command.cmd === 'second-instance') {
    app.emit('second-instance');
  } else if (command.cmd === 'activate') {
    app.emit('activate');
  } else if (command.cmd === 'quit') {
    app.quit();
  }
});
