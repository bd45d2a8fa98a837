/**
 * Quitting says `bye` first (electron/main/lifecycle.ts): the first quit is held until `AppService.close`
 * settles (bounded by a timeout), then the app quits for real, once. Also main's own options.
 */
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { installGracefulQuit, parseMainOptions, type QuitApp } from '../../electron/main/lifecycle';

/** A stand-in for `app`: quit() emits before-quit, and quits (records) unless a listener prevented it. */
function fakeApp() {
  const emitter = new EventEmitter();
  let quits = 0;
  const app = {
    on: (event: string, listener: (...args: unknown[]) => void) => emitter.on(event, listener),
    quit: vi.fn(() => {
      let prevented = false;
      emitter.emit('before-quit', { preventDefault: () => void (prevented = true) });
      if (!prevented) quits++;
    }),
  };
  return { app: app as unknown as QuitApp, quitCalls: app.quit, quits: () => quits };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('installGracefulQuit', () => {
  it('holds the quit until close() has finished, then quits once', async () => {
    const { app, quits } = fakeApp();
    let finish!: () => void;
    const close = vi.fn(() => new Promise<void>((resolve) => (finish = resolve)));
    installGracefulQuit(app, close, { log: () => {} });
    app.quit();
    expect(close).toHaveBeenCalledOnce();
    expect(quits()).toBe(0);
    // Quitting again while closing (a second Cmd+Q, window-all-closed) neither quits nor closes twice.
    app.quit();
    expect(close).toHaveBeenCalledOnce();
    expect(quits()).toBe(0);
    finish();
    await vi.waitFor(() => expect(quits()).toBe(1));
    expect(close).toHaveBeenCalledOnce();
  });

  it('a peer that never reads cannot keep the app open: quits after the timeout', async () => {
    vi.useFakeTimers();
    const { app, quits } = fakeApp();
    const log = vi.fn();
    installGracefulQuit(app, () => new Promise<void>(() => {}), { timeoutMs: 3000, log });
    app.quit();
    await vi.advanceTimersByTimeAsync(2999);
    expect(quits()).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(quits()).toBe(1);
    expect(log).toHaveBeenCalledWith(expect.stringMatching(/longer than 3000 ms/));
  });

  it('a failing close is logged and the app still quits', async () => {
    const { app, quits } = fakeApp();
    const log = vi.fn();
    installGracefulQuit(app, async () => Promise.reject(new Error('socket gone')), { log });
    app.quit();
    await vi.waitFor(() => expect(quits()).toBe(1));
    expect(log).toHaveBeenCalledWith('closing failed: socket gone');
  });

  it('a close that throws synchronously is handled the same way', async () => {
    const { app, quits } = fakeApp();
    installGracefulQuit(app, () => {
      throw new Error('boom');
    }, { log: () => {} });
    app.quit();
    await vi.waitFor(() => expect(quits()).toBe(1));
  });
});

describe('parseMainOptions', () => {
  it('no port unless asked', () => {
    expect(parseMainOptions(['/usr/bin/electron', '.'], {})).toEqual({});
    expect(parseMainOptions([], { PEERLINE_PORT: '' })).toEqual({});
  });

  it('PEERLINE_PORT, and --peerline-port=N (which wins)', () => {
    expect(parseMainOptions([], { PEERLINE_PORT: '8001' })).toEqual({ port: 8001 });
    expect(parseMainOptions(['electron', '.', '--peerline-port=9002'], { PEERLINE_PORT: '8001' })).toEqual({ port: 9002 });
    expect(parseMainOptions(['--peerline-port=0'], {})).toEqual({ port: 0 });
    expect(parseMainOptions(['--peerline-port=65535'], {})).toEqual({ port: 65535 });
  });

  it.each(['-1', '65536', 'abc', '', '1.5', '0x50', ' 80'])('refuses --peerline-port=%j with a sentence', (value) => {
    expect(() => parseMainOptions([`--peerline-port=${value}`], {})).toThrow(`--peerline-port must be a port number from 0 to 65535, not ${JSON.stringify(value)}.`);
  });

  it('PEERLINE_DISCOVERY=off keeps this run out of nearby discovery; anything but on/off is refused', () => {
    expect(parseMainOptions([], { PEERLINE_DISCOVERY: 'off' })).toEqual({ noDiscovery: true });
    expect(parseMainOptions([], { PEERLINE_DISCOVERY: 'on', PEERLINE_PORT: '8001' })).toEqual({ port: 8001 });
    expect(() => parseMainOptions([], { PEERLINE_DISCOVERY: 'no' })).toThrow('PEERLINE_DISCOVERY is "on" or "off", not "no".');
  });

  it('refuses a malformed PEERLINE_PORT', () => {
    expect(() => parseMainOptions([], { PEERLINE_PORT: 'x' })).toThrow('PEERLINE_PORT must be a port number');
  });

  it('PEERLINE_DHT=off keeps this run off the DHT; anything but off or on is refused', () => {
    expect(parseMainOptions([], { PEERLINE_DHT: 'off' })).toEqual({ dhtOff: true });
    expect(parseMainOptions(['--peerline-port=9002'], { PEERLINE_DHT: 'off' })).toEqual({ port: 9002, dhtOff: true });
    expect(parseMainOptions([], { PEERLINE_DHT: 'on' })).toEqual({});
    expect(() => parseMainOptions([], { PEERLINE_DHT: 'yes' })).toThrow('PEERLINE_DHT is "off" or "on", not "yes".');
  });
});
