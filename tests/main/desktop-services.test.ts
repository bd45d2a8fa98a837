/**
 * The main-process services around the window (notifications, badge, tray, login item, and the shell that feeds
 * them from the app's events), each driven with stand-ins for the Electron objects it is given.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { BadgeService, dotBitmap, type BadgeWindow } from '../../electron/main/badge';
import { DesktopShell } from '../../electron/main/desktop';
import { autostartEntry, LoginItemService, startsHidden } from '../../electron/main/login';
import { NotificationService, type NotificationLike } from '../../electron/main/notifications';
import { TrayService, unreadLabel, type TrayLike } from '../../electron/main/tray';
import type { EventSink, Settings } from '../../shared/ipc/contract';

class FakeNotification extends EventEmitter implements NotificationLike {
  shown = false;
  closed = false;
  constructor(readonly options: { title?: string; body?: string }) {
    super();
  }
  show() {
    this.shown = true;
  }
  close() {
    this.closed = true;
    this.emit('close');
  }
}

function notifier(supported = true) {
  const made: FakeNotification[] = [];
  const opened: string[] = [];
  const service = new NotificationService({
    createNotification: (options) => {
      const n = new FakeNotification(options);
      made.push(n);
      return n;
    },
    isSupported: () => supported,
    openConversation: (peer) => opened.push(peer),
  });
  return { service, made, opened };
}

describe('NotificationService', () => {
  it('keeps each notification referenced until it is clicked; a click opens its conversation', () => {
    const { service, made, opened } = notifier();
    service.show({ peer: 'bob', title: 'Bob', body: 'hi' });
    service.show({ peer: 'carol', title: 'Carol', body: 'yo' });
    expect(made.map((n) => [n.options.title, n.shown])).toEqual([
      ['Bob', true],
      ['Carol', true],
    ]);
    expect(service.showing()).toEqual(['bob', 'carol']);
    made[0]!.emit('click');
    expect(opened).toEqual(['bob']);
    expect(service.showing()).toEqual(['carol']);
    // Dismissed by the person (or the system): forgotten too.
    made[1]!.emit('close');
    expect(service.showing()).toEqual([]);
  });

  it('one per conversation: a newer one replaces (closes) the one before, whose late events change nothing', () => {
    const { service, made, opened } = notifier();
    service.show({ peer: 'bob', title: 'Bob', body: 'one' });
    service.show({ peer: 'bob', title: 'Bob', body: 'two (2 new messages)' });
    expect(made[0]!.closed).toBe(true);
    expect(service.showing()).toEqual(['bob']);
    made[0]!.emit('close');
    expect(service.showing()).toEqual(['bob']);
    made[1]!.emit('click');
    expect(opened).toEqual(['bob']);
  });

  it('clear takes a conversation’s notification away; nothing is shown where notifications are unsupported', () => {
    const { service, made } = notifier();
    service.show({ peer: 'bob', title: 'Bob', body: 'one' });
    service.clear('bob');
    expect(made[0]!.closed).toBe(true);
    expect(service.showing()).toEqual([]);
    service.clear('nobody');
    const unsupported = notifier(false);
    unsupported.service.show({ peer: 'bob', title: 'Bob', body: 'one' });
    expect(unsupported.made).toEqual([]);
  });
});

function badgeWindow(focused = false) {
  const calls: unknown[][] = [];
  const win: BadgeWindow = {
    isDestroyed: () => false,
    isFocused: () => focused,
    setOverlayIcon: (image, description) => void calls.push(['overlay', image, description]),
    flashFrame: (flag) => void calls.push(['flash', flag]),
  };
  return { win, calls };
}

describe('BadgeService', () => {
  it('sets the dock/launcher badge count when the total changes', () => {
    const setBadgeCount = vi.fn(() => true);
    const badge = new BadgeService({ app: { setBadgeCount }, platform: 'linux', getWindow: () => null, overlayIcon: () => ({}) as never });
    badge.update(3);
    badge.update(3);
    badge.update(0);
    expect(setBadgeCount.mock.calls).toEqual([[3], [0]]);
  });

  it('on Windows: an overlay icon while anything is unread, and a flash when a message arrives unfocused', () => {
    const overlay = { image: 'dot' } as never;
    const { win, calls } = badgeWindow(false);
    const badge = new BadgeService({ app: { setBadgeCount: () => true }, platform: 'win32', getWindow: () => win, overlayIcon: () => overlay });
    badge.update(2);
    badge.messageArrived();
    badge.update(0);
    expect(calls).toEqual([
      ['overlay', overlay, '2 unread'],
      ['flash', true],
      ['overlay', null, ''],
      ['flash', false],
    ]);
    const focused = badgeWindow(true);
    const quiet = new BadgeService({ app: { setBadgeCount: () => true }, platform: 'win32', getWindow: () => focused.win, overlayIcon: () => overlay });
    quiet.messageArrived();
    expect(focused.calls).toEqual([]);
  });

  it('a window made again gets the overlay the count calls for; no window is no failure', () => {
    let current: BadgeWindow | null = null;
    const badge = new BadgeService({ app: { setBadgeCount: () => true }, platform: 'win32', getWindow: () => current, overlayIcon: () => 'dot' as never });
    badge.update(4);
    const { win, calls } = badgeWindow();
    current = win;
    badge.windowCreated();
    expect(calls).toEqual([['overlay', 'dot', '4 unread']]);
  });

  it('the overlay dot: a BGRA bitmap of the size asked for, opaque inside the circle and clear at the corners', () => {
    const bitmap = dotBitmap(16);
    expect(bitmap.length).toBe(16 * 16 * 4);
    const pixel = (x: number, y: number) => [...bitmap.subarray((y * 16 + x) * 4, (y * 16 + x) * 4 + 4)];
    expect(pixel(8, 8)).toEqual([0x25, 0x30, 0xd9, 0xff]);
    expect(pixel(0, 0)).toEqual([0, 0, 0, 0]);
  });
});

class FakeTray extends EventEmitter implements TrayLike {
  tooltip = '';
  title = '';
  menu: Array<{ label?: string; type?: string; enabled?: boolean; click?: () => void }> = [];
  destroyed = false;
  setToolTip(text: string) {
    this.tooltip = text;
  }
  setTitle(title: string) {
    this.title = title;
  }
  setContextMenu(menu: unknown) {
    this.menu = menu as FakeTray['menu'];
  }
  destroy() {
    this.destroyed = true;
  }
}

function trayService(platform: NodeJS.Platform = 'linux') {
  const tray = new FakeTray();
  const open = vi.fn();
  const quit = vi.fn();
  const service = new TrayService({ createTray: () => tray, buildMenu: (template) => template, platform, open, quit });
  return { tray, service, open, quit };
}

describe('TrayService', () => {
  it('shows the unread count, and a menu with Open and Quit; a click on the icon opens', () => {
    const { tray, service, open, quit } = trayService();
    service.start();
    expect(tray.tooltip).toBe('Peerline');
    expect(tray.menu.map((item) => item.label ?? item.type)).toEqual(['No unread messages', 'separator', 'Open Peerline', 'Quit']);
    service.setUnread(5);
    expect(tray.tooltip).toBe('Peerline: 5 unread messages');
    expect(tray.menu[0]).toMatchObject({ label: '5 unread messages', enabled: false });
    tray.menu.find((item) => item.label === 'Open Peerline')!.click!();
    tray.menu.find((item) => item.label === 'Quit')!.click!();
    tray.emit('click');
    expect([open.mock.calls.length, quit.mock.calls.length]).toEqual([2, 1]);
    expect(unreadLabel(1)).toBe('1 unread message');
  });

  it('on macOS the count also sits next to the icon', () => {
    const { tray, service } = trayService('darwin');
    service.start();
    service.setUnread(2);
    expect(tray.title).toBe('2');
    service.setUnread(0);
    expect(tray.title).toBe('');
  });

  it('close to tray: closing hides the window while on; off, or quitting, the window closes', () => {
    const { service } = trayService();
    service.start();
    const win = Object.assign(new EventEmitter(), { hide: vi.fn() });
    service.guardClose(win as never);
    const close = () => {
      const event = { preventDefault: vi.fn() };
      win.emit('close', event);
      return event.preventDefault.mock.calls.length === 1;
    };
    expect(close()).toBe(false);
    service.setCloseToTray(true);
    expect(close()).toBe(true);
    expect(win.hide).toHaveBeenCalledOnce();
    service.markQuitting();
    expect(close()).toBe(false);
  });
});

describe('LoginItemService', () => {
  const options = (platform: NodeJS.Platform) => {
    const files = new Map<string, string>();
    const setLoginItemSettings = vi.fn();
    const service = new LoginItemService({
      app: { setLoginItemSettings },
      platform,
      execPath: '/opt/Peerline/peerline',
      configDir: '/home/a/.config',
      writeFile: async (file, text) => void files.set(file, text),
      removeFile: async (file) => void files.delete(file),
    });
    return { service, files, setLoginItemSettings };
  };

  it('Linux: an XDG autostart entry that starts hidden, written when on and removed when off', async () => {
    const { service, files } = options('linux');
    await service.apply(false);
    expect(files.size).toBe(0);
    await service.apply(true);
    expect(files.get('/home/a/.config/autostart/peerline.desktop')).toBe(autostartEntry('/opt/Peerline/peerline'));
    expect(autostartEntry('/opt/Peerline/peerline')).toContain('Exec="/opt/Peerline/peerline" --hidden');
    await service.apply(false);
    expect(files.size).toBe(0);
  });

  it('macOS and Windows: the login item, started with --hidden, set only when the setting changes', async () => {
    const { service, setLoginItemSettings } = options('win32');
    await service.apply(true);
    await service.apply(true);
    await service.apply(false);
    expect(setLoginItemSettings.mock.calls).toEqual([[{ openAtLogin: true, openAsHidden: true, args: ['--hidden'] }], [{ openAtLogin: false, openAsHidden: true, args: ['--hidden'] }]]);
  });

  it('quotes what the Exec key treats specially, and knows a login start', () => {
    expect(autostartEntry('/a b/"x"$y')).toContain('Exec="/a b/\\"x\\"\\$y" --hidden');
    expect(startsHidden(['/opt/peerline', '--hidden'])).toBe(true);
    expect(startsHidden(['/opt/peerline'])).toBe(false);
  });
});

describe('DesktopShell', () => {
  it('feeds the unread total to badge and tray, notifications from message:notify, settings to tray and login', async () => {
    let sink: EventSink = () => {};
    const settings = { closeToTray: false, startAtLogin: false } as Settings;
    const service = {
      subscribe: (s: EventSink) => ((sink = s), () => {}),
      handlers: {
        'conversation:list': async () => [{ peer: 'bob', unread: 2 }, { peer: 'carol', unread: 1 }] as never,
        'settings:get': async () => settings,
      },
    };
    const { service: notifications, made } = notifier();
    const badgeCalls: number[] = [];
    const badge = new BadgeService({ app: { setBadgeCount: (n = 0) => (badgeCalls.push(n), true) }, platform: 'linux', getWindow: () => null, overlayIcon: () => ({}) as never });
    const { tray, service: trayService_ } = trayService();
    const login = { apply: vi.fn(async () => {}) };
    const shell = new DesktopShell(service, { notifications, badge, tray: trayService_, login: login as never, log: () => {} });
    await shell.start();
    expect(badgeCalls).toEqual([3]);
    expect(tray.tooltip).toBe('Peerline: 3 unread messages');
    sink('message:notify', { peer: 'bob', title: 'Bob', body: 'hi', count: 3 });
    sink('peer:updated', { peer: 'bob', unread: 3 } as never);
    expect(badgeCalls).toEqual([3, 4]);
    expect(made.map((n) => n.options.body)).toEqual(['hi']);
    // Read: the badge drops and the notification goes.
    sink('peer:updated', { peer: 'bob', unread: 0 } as never);
    expect(made[0]!.closed).toBe(true);
    sink('conversation:removed', { peer: 'carol' });
    expect(badgeCalls).toEqual([3, 4, 1, 0]);
    sink('settings:updated', { ...settings, closeToTray: true, startAtLogin: true });
    expect(login.apply.mock.calls).toEqual([[false], [true]]);
  });
});
