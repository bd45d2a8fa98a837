/**
 * The object the preload exposes (electron/preload/transport.ts) against a stand-in `ipcRenderer`: it invokes
 * only the contract's channels, never throws across the bridge, and hands listeners the payload only.
 */
import { describe, expect, it, vi } from 'vitest';
import { createTransport, type IpcRendererLike } from '../../electron/preload/transport';
import { EVENT_CHANNELS } from '../../shared/ipc/channels';

function fakeIpcRenderer() {
  const listeners = new Map<string, Set<(...args: unknown[]) => void>>();
  const invoke = vi.fn(async (channel: string, request: unknown) => ({ ok: true, value: { channel, request } }));
  const ipc = {
    invoke,
    on(channel: string, listener: (...args: unknown[]) => void) {
      (listeners.get(channel) ?? listeners.set(channel, new Set()).get(channel)!).add(listener);
      return this;
    },
    removeListener(channel: string, listener: (...args: unknown[]) => void) {
      listeners.get(channel)?.delete(listener);
      return this;
    },
  };
  /** What main's `webContents.send(channel, payload)` looks like on this side: Electron's event, then the payload. */
  const deliver = (channel: string, payload: unknown) => {
    for (const listener of listeners.get(channel) ?? []) listener({ sender: 'ipcRenderer', ports: [], senderFrame: 'secret' }, payload);
  };
  const count = () => [...listeners.values()].reduce((n, set) => n + set.size, 0);
  return { ipc: ipc as unknown as IpcRendererLike, invoke, deliver, count };
}

describe('preload transport', () => {
  it('invoke passes a contract channel and its request to ipcRenderer.invoke and returns the Result', async () => {
    const fake = fakeIpcRenderer();
    const transport = createTransport(fake.ipc);
    await expect(transport.invoke('peer:connect', { host: 'a', port: 1 })).resolves.toEqual({ ok: true, value: { channel: 'peer:connect', request: { host: 'a', port: 1 } } });
    expect(fake.invoke).toHaveBeenCalledExactlyOnceWith('peer:connect', { host: 'a', port: 1 });
  });

  it.each(['peer:updated', 'electron:quit', '__proto__', 'ELECTRON_BROWSER_WINDOW_CLOSE', 42, null])(
    'invoke(%j) is answered unknown-channel without reaching ipcRenderer',
    async (channel) => {
      const fake = fakeIpcRenderer();
      const result = await createTransport(fake.ipc).invoke(channel as never, {});
      expect(result).toMatchObject({ ok: false, error: { code: 'unknown-channel' } });
      expect(fake.invoke).not.toHaveBeenCalled();
    },
  );

  it('a rejected invoke (no handler yet, main gone) becomes a Result, not an exception', async () => {
    const fake = fakeIpcRenderer();
    fake.invoke.mockRejectedValueOnce(new Error("No handler registered for 'node:status'"));
    await expect(createTransport(fake.ipc).invoke('node:status', {})).resolves.toEqual({
      ok: false,
      error: { code: 'internal', message: "Peerline's background process did not answer: No handler registered for 'node:status'" },
    });
  });

  it('subscribe hears every event channel, with the payload only (never Electron’s event object)', () => {
    const fake = fakeIpcRenderer();
    const listener = vi.fn();
    createTransport(fake.ipc).subscribe(listener);
    expect(fake.count()).toBe(EVENT_CHANNELS.length);
    for (const channel of EVENT_CHANNELS) fake.deliver(channel, { from: channel });
    expect(listener.mock.calls).toEqual(EVENT_CHANNELS.map((channel) => [channel, { from: channel }]));
    fake.deliver('identity:get', {}); // not an event channel: nobody listens
    expect(listener).toHaveBeenCalledTimes(EVENT_CHANNELS.length);
  });

  it('unsubscribe removes exactly its own listeners, and twice is harmless', () => {
    const fake = fakeIpcRenderer();
    const transport = createTransport(fake.ipc);
    const first = vi.fn();
    const second = vi.fn();
    const stopFirst = transport.subscribe(first);
    transport.subscribe(second);
    stopFirst();
    stopFirst();
    expect(fake.count()).toBe(EVENT_CHANNELS.length);
    fake.deliver('node:updated', 1);
    expect(first).not.toHaveBeenCalled();
    expect(second).toHaveBeenCalledExactlyOnceWith('node:updated', 1);
  });

  it('subscribe refuses a non-function', () => {
    expect(() => createTransport(fakeIpcRenderer().ipc).subscribe('x' as never)).toThrow(TypeError);
  });

  it('the exposed object is plain data and functions (contextBridge copies it)', () => {
    const transport = createTransport(fakeIpcRenderer().ipc);
    expect(Object.keys(transport).sort()).toEqual(['invoke', 'subscribe']);
    expect(Object.getPrototypeOf(transport)).toBe(Object.prototype);
    for (const value of Object.values(transport)) expect(typeof value).toBe('function');
  });
});
