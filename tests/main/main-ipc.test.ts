/**
 * The Electron transport of the contract (electron/main/ipc.ts) against a stand-in `ipcMain`: every channel is
 * handled once, only our window's main frame showing our page is heard, payloads go through the contract's
 * schemas, and events reach a live window only. No `electron` here (the layering check forbids it in tests/).
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { createSenderCheck, forwardEvents, registerIpcHandlers, UNTRUSTED_SENDER_MESSAGE, type AppWindowLike, type IpcMainLike, type SenderCheck } from '../../electron/main/ipc';
import { appUrlMatcher } from '../../electron/main/urls';
import { EVENT_CHANNELS, INVOKE_CHANNELS, type InvokeChannel } from '../../shared/ipc/channels';
import type { ContractHandlers, EventSink } from '../../shared/ipc/contract';
import { AppError } from '../../shared/ipc/result';

type Listener = Parameters<IpcMainLike['handle']>[1];
type InvokeEvent = Parameters<Listener>[0];
type Frame = NonNullable<Parameters<SenderCheck>[0]>;

/** A stand-in for `ipcMain`: records `handle` registrations and lets the test invoke them. */
function fakeIpcMain() {
  const handlers = new Map<string, Listener>();
  const registrations: string[] = [];
  const removed: string[] = [];
  const ipcMain: IpcMainLike = {
    handle(channel, listener) {
      // Electron throws on a second handler for a channel; so does the stand-in.
      if (handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
      handlers.set(channel, listener);
      registrations.push(channel);
    },
    removeHandler(channel) {
      handlers.delete(channel);
      removed.push(channel);
    },
  };
  const invoke = async (channel: string, frame: Frame | null, ...args: unknown[]) => {
    const listener = handlers.get(channel);
    if (!listener) throw new Error(`No handler registered for '${channel}'`);
    return listener({ senderFrame: frame } as unknown as InvokeEvent, ...args);
  };
  return { ipcMain, handlers, registrations, removed, invoke };
}

const INDEX_HTML = path.resolve('/opt/Peerline/resources/app.asar/out/renderer/index.html');
const APP_URL = pathToFileURL(INDEX_HTML).href;
const isAppUrl = appUrlMatcher({ kind: 'file', indexHtml: INDEX_HTML });

function frame(props: { url?: string; processId?: number; routingId?: number; parent?: Frame | null } = {}): Frame {
  return { url: APP_URL, processId: 4, routingId: 1, parent: null, ...props } as unknown as Frame;
}

function fakeWindow(mainFrame: Frame = frame()) {
  let destroyed = false;
  const sent: [string, unknown][] = [];
  const win = {
    isDestroyed: () => destroyed,
    webContents: {
      mainFrame,
      isDestroyed: () => destroyed,
      send: (channel: string, ...args: unknown[]) => {
        if (destroyed) throw new Error('Object has been destroyed'); // what Electron does
        sent.push([channel, args[0]]);
      },
    },
  };
  return { win: win as unknown as AppWindowLike, sent, destroy: () => void (destroyed = true) };
}

function fakeHandlers(): ContractHandlers & Record<InvokeChannel, ReturnType<typeof vi.fn>> {
  const entries = INVOKE_CHANNELS.map((channel) => [channel, vi.fn(async (request: unknown) => ({ echoed: channel, request }))]);
  return Object.fromEntries(entries) as never;
}

describe('registerIpcHandlers', () => {
  it('registers every invoke channel exactly once, and nothing else', () => {
    const ipc = fakeIpcMain();
    registerIpcHandlers(ipc.ipcMain, fakeHandlers(), () => true);
    expect([...ipc.registrations].sort()).toEqual([...INVOKE_CHANNELS].sort());
    expect(new Set(ipc.registrations).size).toBe(ipc.registrations.length);
    for (const event of EVENT_CHANNELS) expect(ipc.handlers.has(event)).toBe(false);
  });

  it('the returned undo removes every handler (and registering again then works)', () => {
    const ipc = fakeIpcMain();
    const undo = registerIpcHandlers(ipc.ipcMain, fakeHandlers(), () => true);
    undo();
    expect([...ipc.removed].sort()).toEqual([...INVOKE_CHANNELS].sort());
    expect(ipc.handlers.size).toBe(0);
    expect(() => registerIpcHandlers(ipc.ipcMain, fakeHandlers(), () => true)).not.toThrow();
  });

  it('a good payload from a trusted sender reaches the handler, validated, and comes back in a Result', async () => {
    const ipc = fakeIpcMain();
    const handlers = fakeHandlers();
    const trusted = frame();
    registerIpcHandlers(ipc.ipcMain, handlers, (f) => f === trusted);
    const result = await ipc.invoke('peer:connect', trusted, { host: ' 192.168.1.20 ', port: 8000 });
    // The schema trims the host and fills in the default mode before the handler sees it.
    const parsed = { host: '192.168.1.20', port: 8000, mode: 'secure' };
    expect(result).toEqual({ ok: true, value: { echoed: 'peer:connect', request: parsed } });
    expect(handlers['peer:connect']).toHaveBeenCalledExactlyOnceWith(parsed);
  });

  it.each([
    ['a missing field', 'message:send', { peer: 'abc' }],
    ['an unknown field', 'peer:list', { extra: true }],
    ['a wrong type', 'peer:connect', { host: 'a', port: '8000' }],
    ['a port out of range', 'peer:connect', { host: 'a', port: 70000 }],
    ['an empty message', 'message:send', { peer: 'abc', text: '' }],
    ['not an object', 'settings:set', 'allowPlain=false'],
  ] as const)('a bad payload (%s) is refused as invalid-request and never reaches the handler', async (_, channel, payload) => {
    const ipc = fakeIpcMain();
    const handlers = fakeHandlers();
    registerIpcHandlers(ipc.ipcMain, handlers, () => true);
    const result = await ipc.invoke(channel, frame(), payload);
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    expect(handlers[channel]).not.toHaveBeenCalled();
  });

  it('a foreign sender is refused and logged, and the handler is not called, even with a good payload', async () => {
    const ipc = fakeIpcMain();
    const handlers = fakeHandlers();
    const log = vi.fn();
    const ours = fakeWindow();
    registerIpcHandlers(ipc.ipcMain, handlers, createSenderCheck(() => ours.win, isAppUrl), log);
    const foreign = [
      null, // the frame navigated away or was destroyed
      frame({ processId: 9, routingId: 3 }), // another window's page
      frame({ url: 'https://evil.example/' }), // same ids, but not our page
    ];
    for (const sender of foreign) {
      expect(await ipc.invoke('identity:get', sender, {})).toEqual({ ok: false, error: { code: 'invalid-request', message: UNTRUSTED_SENDER_MESSAGE } });
    }
    expect(handlers['identity:get']).not.toHaveBeenCalled();
    expect(log).toHaveBeenCalledTimes(foreign.length);
    expect(log.mock.calls[1]?.[0]).toMatch(/refused identity:get from an untrusted sender \(frame 9\/3 at "file:/);
    // Our own main frame is heard.
    expect(await ipc.invoke('identity:get', ours.win.webContents.mainFrame, {})).toMatchObject({ ok: true });
  });

  it('handler errors come back as Results, never as exceptions across the boundary', async () => {
    const ipc = fakeIpcMain();
    const handlers = fakeHandlers();
    handlers['peer:disconnect'].mockRejectedValueOnce(new AppError('unknown-peer', 'There is no such peer.'));
    handlers['peer:list'].mockRejectedValueOnce(new Error('disk on fire'));
    registerIpcHandlers(ipc.ipcMain, handlers, () => true);
    expect(await ipc.invoke('peer:disconnect', frame(), { peer: 'abc' })).toEqual({ ok: false, error: { code: 'unknown-peer', message: 'There is no such peer.' } });
    expect(await ipc.invoke('peer:list', frame(), {})).toMatchObject({ ok: false, error: { code: 'internal' } });
  });

  it('only the first argument is the request; an absent one means {}', async () => {
    const ipc = fakeIpcMain();
    const handlers = fakeHandlers();
    registerIpcHandlers(ipc.ipcMain, handlers, () => true);
    expect(await ipc.invoke('node:status', frame())).toMatchObject({ ok: true });
    expect(await ipc.invoke('node:status', frame(), {}, { smuggled: true })).toMatchObject({ ok: true });
    expect(handlers['node:status']).toHaveBeenCalledWith({});
  });
});

describe('createSenderCheck', () => {
  it('trusts only the main frame of our live window showing our own page', () => {
    const ours = fakeWindow();
    const check = createSenderCheck(() => ours.win, isAppUrl);
    expect(check(ours.win.webContents.mainFrame)).toBe(true);
    // The same frame seen through another wrapper object (same process and routing id).
    expect(check(frame())).toBe(true);
    expect(check(frame({ url: `${APP_URL}#/chat/abc` }))).toBe(true);
    expect(check(null)).toBe(false);
    expect(check(frame({ url: 'file:///etc/passwd' }))).toBe(false);
    expect(check(frame({ url: pathToFileURL(path.join(path.dirname(INDEX_HTML), 'other.html')).href }))).toBe(false);
    expect(check(frame({ url: 'http://localhost:5173/' }))).toBe(false);
    expect(check(frame({ routingId: 2 }))).toBe(false);
    // An iframe inside our page, even one claiming our URL.
    expect(check(frame({ routingId: 2, parent: ours.win.webContents.mainFrame }))).toBe(false);
  });

  it('trusts nobody without a window or after it is destroyed, and survives a disposed frame', () => {
    let current: AppWindowLike | null = null;
    const check = createSenderCheck(() => current, isAppUrl);
    expect(check(frame())).toBe(false);
    const ours = fakeWindow();
    current = ours.win;
    expect(check(frame())).toBe(true);
    ours.destroy();
    expect(check(frame())).toBe(false);
    const disposed = Object.defineProperty(frame(), 'url', {
      get() {
        throw new Error('Render frame was disposed before WebFrameMain could be accessed');
      },
    });
    expect(createSenderCheck(() => fakeWindow().win, isAppUrl)(disposed)).toBe(false);
  });

  it('in dev, trusts the dev server origin only', () => {
    const devUrl = appUrlMatcher({ kind: 'dev', origin: 'http://localhost:5173/' });
    const win = fakeWindow(frame({ url: 'http://localhost:5173/' }));
    const check = createSenderCheck(() => win.win, devUrl);
    expect(check(frame({ url: 'http://localhost:5173/' }))).toBe(true);
    expect(check(frame({ url: 'http://localhost:5174/' }))).toBe(false);
    expect(check(frame({ url: APP_URL }))).toBe(false);
  });
});

describe('forwardEvents', () => {
  function fakeService() {
    const sinks = new Set<EventSink>();
    return {
      subscribe(sink: EventSink) {
        sinks.add(sink);
        return () => void sinks.delete(sink);
      },
      emit: ((event, payload) => {
        for (const sink of sinks) sink(event, payload);
      }) as EventSink,
      sinks,
    };
  }
  const status = { listening: true, host: '0.0.0.0', port: 8000, addresses: ['192.168.1.20:8000'], allowPlain: true, notices: [] };

  it('sends each event, payload only, to the live window', () => {
    const service = fakeService();
    const { win, sent } = fakeWindow();
    forwardEvents(service, () => win);
    service.emit('node:updated', status);
    service.emit('error:raised', { code: 'internal', message: 'x' });
    expect(sent).toEqual([
      ['node:updated', status],
      ['error:raised', { code: 'internal', message: 'x' }],
    ]);
  });

  it('never sends to a destroyed window or when there is none, and does not throw', () => {
    const service = fakeService();
    const live = fakeWindow();
    let current: AppWindowLike | null = live.win;
    forwardEvents(service, () => current);
    live.destroy();
    expect(() => service.emit('node:updated', status)).not.toThrow();
    current = null;
    expect(() => service.emit('node:updated', status)).not.toThrow();
    expect(live.sent).toEqual([]);
    // A new window (macOS `activate`) gets the events from then on.
    const next = fakeWindow();
    current = next.win;
    service.emit('node:updated', status);
    expect(next.sent).toEqual([['node:updated', status]]);
  });

  it('the returned function unsubscribes', () => {
    const service = fakeService();
    const { win, sent } = fakeWindow();
    const stop = forwardEvents(service, () => win);
    stop();
    service.emit('node:updated', status);
    expect(sent).toEqual([]);
    expect(service.sinks.size).toBe(0);
  });
});
