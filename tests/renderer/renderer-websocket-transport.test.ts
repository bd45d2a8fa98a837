import { describe, expect, it } from 'vitest';
import { apiSocketUrl, takeUiToken, TOKEN_STORAGE_KEY } from '../../renderer/api/ui-token';
import { createWebSocketTransport, LOST_CONNECTION, type SocketHandlers, type Timers } from '../../renderer/api/websocket-transport';
import { createTypingNotifier } from '../../renderer/state/typing';

/** A socket the test drives: it records what the transport sends and plays the server's part. */
class FakeSocket {
  sent: unknown[] = [];
  closed = false;
  constructor(
    readonly url: string,
    private readonly handlers: SocketHandlers,
  ) {}
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.closed = true;
  }
  // server side
  open() {
    this.handlers.open();
  }
  reply(frame: unknown) {
    this.handlers.message(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }
  drop() {
    this.handlers.close();
  }
}

/** Timers the test advances by hand. */
function manualTimers() {
  let now = 0;
  let nextHandle = 1;
  const scheduled = new Map<number, { at: number; callback: () => void }>();
  const timers: Timers = {
    setTimeout(callback, ms) {
      const handle = nextHandle++;
      scheduled.set(handle, { at: now + ms, callback });
      return handle;
    },
    clearTimeout(handle) {
      scheduled.delete(handle as number);
    },
  };
  return {
    timers,
    delays: () => [...scheduled.values()].map((entry) => entry.at - now),
    advance(ms: number) {
      now += ms;
      for (const [handle, entry] of [...scheduled]) {
        if (entry.at <= now) {
          scheduled.delete(handle);
          entry.callback();
        }
      }
    },
  };
}

function setup() {
  const sockets: FakeSocket[] = [];
  const clock = manualTimers();
  const transport = createWebSocketTransport({
    url: 'ws://127.0.0.1:4000/api?token=t',
    createSocket: (url, handlers) => {
      const socket = new FakeSocket(url, handlers);
      sockets.push(socket);
      return socket;
    },
    timers: clock.timers,
    initialDelayMs: 500,
    maxDelayMs: 8_000,
    random: () => 0.5, // no jitter
  });
  const last = () => sockets.at(-1)!;
  return { transport, sockets, last, clock };
}

describe('renderer WebSocket transport: frames', () => {
  it('opens the given URL; invokes wait for the socket to open, then go out as {id, channel, request}', async () => {
    const { transport, last } = setup();
    expect(last().url).toBe('ws://127.0.0.1:4000/api?token=t');
    const answer = transport.invoke('identity:get', {});
    expect(last().sent).toEqual([]);
    last().open();
    expect(last().sent).toEqual([{ id: 1, channel: 'identity:get', request: {} }]);
    last().reply({ id: 1, result: { ok: true, value: { name: 'Me' } } });
    await expect(answer).resolves.toEqual({ ok: true, value: { name: 'Me' } });
  });

  it('matches answers to requests by id, in any order', async () => {
    const { transport, last } = setup();
    last().open();
    const a = transport.invoke('node:status', {});
    const b = transport.invoke('peer:connect', { host: 'h', port: 1 });
    expect(last().sent).toEqual([
      { id: 1, channel: 'node:status', request: {} },
      { id: 2, channel: 'peer:connect', request: { host: 'h', port: 1 } },
    ]);
    last().reply({ id: 2, result: { ok: false, error: { code: 'dial-refused', message: 'Nobody is listening at h:1.' } } });
    last().reply({ id: 1, result: { ok: true, value: 'status' } });
    await expect(a).resolves.toEqual({ ok: true, value: 'status' });
    await expect(b).resolves.toEqual({ ok: false, error: { code: 'dial-refused', message: 'Nobody is listening at h:1.' } });
  });

  it('delivers events {event, payload} to subscribers until they unsubscribe; unknown events are dropped', () => {
    const { transport, last } = setup();
    last().open();
    const seen: unknown[] = [];
    const off = transport.subscribe((event, payload) => seen.push([event, payload]));
    last().reply({ event: 'peer:updated', payload: { peer: 'p' } });
    last().reply({ event: 'no:such-event', payload: 1 });
    last().reply({ event: 'message:received', payload: { id: 'x' } });
    off();
    last().reply({ event: 'node:updated', payload: {} });
    expect(seen).toEqual([
      ['peer:updated', { peer: 'p' }],
      ['message:received', { id: 'x' }],
    ]);
  });

  it('survives frames that are not JSON, not objects, unknown ids, and answers that are not Results', async () => {
    const { transport, last } = setup();
    last().open();
    const answer = transport.invoke('settings:get', {});
    last().reply('not json {');
    last().reply('42');
    last().reply('null');
    last().reply({ id: 999, result: { ok: true, value: 1 } });
    last().reply({ id: 1, result: 'nonsense' });
    const result = await answer;
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('internal');
  });

  it('a listener that throws does not stop the others', () => {
    const { transport, last } = setup();
    last().open();
    const seen: string[] = [];
    transport.subscribe(() => {
      throw new Error('boom');
    });
    transport.subscribe((event) => seen.push(event));
    const original = console.error;
    console.error = () => {};
    try {
      last().reply({ event: 'node:updated', payload: {} });
    } finally {
      console.error = original;
    }
    expect(seen).toEqual(['node:updated']);
  });
});

describe('renderer WebSocket transport: losing the connection', () => {
  it('fails pending invokes with a Result error when the socket drops, and reconnects with backoff', async () => {
    const { transport, sockets, last, clock } = setup();
    const links: string[] = [];
    transport.onLink((link) => links.push(`${link.status}/${link.failures}`));
    last().open();
    const pending = transport.invoke('peer:connect', { host: 'h', port: 1 });
    last().drop();
    await expect(pending).resolves.toEqual(LOST_CONNECTION);
    expect(LOST_CONNECTION).toEqual({ ok: false, error: { code: 'internal', message: 'Lost the connection to Peerline.' } });
    expect(transport.link()).toEqual({ status: 'reconnecting', failures: 0, everOpened: true });

    // The first retry comes after the initial delay; each failure doubles it, up to the maximum.
    expect(clock.delays()).toEqual([500]);
    clock.advance(500);
    expect(sockets).toHaveLength(2);
    last().drop();
    expect(clock.delays()).toEqual([500]);
    clock.advance(500);
    last().drop();
    expect(clock.delays()).toEqual([1000]);
    clock.advance(1000);
    last().drop();
    expect(clock.delays()).toEqual([2000]);
    for (let i = 0; i < 6; i++) {
      clock.advance(clock.delays()[0]!);
      last().drop();
    }
    expect(clock.delays()).toEqual([8000]);

    clock.advance(8000);
    const queued = transport.invoke('identity:get', {});
    last().open();
    expect(transport.link()).toEqual({ status: 'open', failures: 0, everOpened: true });
    expect(last().sent).toEqual([{ id: 2, channel: 'identity:get', request: {} }]);
    last().reply({ id: 2, result: { ok: true, value: 'back' } });
    await expect(queued).resolves.toEqual({ ok: true, value: 'back' });
    expect(links[0]).toBe('open/0');
    expect(links.at(-1)).toBe('open/0');
  });

  it('before it was ever open, a failure reads "connecting" with a count', () => {
    const { transport, last } = setup();
    last().drop();
    expect(transport.link()).toEqual({ status: 'connecting', failures: 1, everOpened: false });
  });

  it('ignores a late answer or event from a socket that was replaced', async () => {
    const { transport, sockets, last, clock } = setup();
    const first = last();
    first.open();
    first.drop();
    clock.advance(500);
    last().open();
    const seen: string[] = [];
    transport.subscribe((event) => seen.push(event));
    first.reply({ event: 'node:updated', payload: {} });
    expect(seen).toEqual([]);
    expect(sockets).toHaveLength(2);
  });

  it('reconnectNow skips the wait; close() fails what is pending and stops for good', async () => {
    const { transport, sockets, last, clock } = setup();
    last().open();
    last().drop();
    transport.reconnectNow();
    expect(sockets).toHaveLength(2);
    expect(clock.delays()).toEqual([]);
    last().open();
    const pending = transport.invoke('identity:get', {});
    transport.close();
    expect(last().closed).toBe(true);
    const result = await pending;
    expect(result.ok).toBe(false);
    await expect(transport.invoke('identity:get', {})).resolves.toMatchObject({ ok: false });
    clock.advance(60_000);
    expect(sockets).toHaveLength(2);
  });
});

describe('renderer UI token', () => {
  function env(href: string, stored: string | null = null) {
    const storage = new Map<string, string>();
    if (stored !== null) storage.set(TOKEN_STORAGE_KEY, stored);
    const replaced: string[] = [];
    return {
      storage,
      replaced,
      env: {
        href,
        storage: { getItem: (key: string) => storage.get(key) ?? null, setItem: (key: string, value: string) => void storage.set(key, value) },
        replaceUrl: (url: string) => void replaced.push(url),
      },
    };
  }

  it('takes the token from the address, keeps it for reloads, and removes it from the address bar', () => {
    const e = env('http://127.0.0.1:4000/?token=s3cr3t&x=1#top');
    expect(takeUiToken(e.env)).toBe('s3cr3t');
    expect(e.storage.get(TOKEN_STORAGE_KEY)).toBe('s3cr3t');
    expect(e.replaced).toEqual(['/?x=1#top']);
  });

  it('after a reload, reads the kept token without touching the address', () => {
    const e = env('http://127.0.0.1:4000/', 'kept');
    expect(takeUiToken(e.env)).toBe('kept');
    expect(e.replaced).toEqual([]);
  });

  it('has no token when neither the address nor storage has one', () => {
    expect(takeUiToken(env('http://127.0.0.1:4000/').env)).toBeNull();
  });

  it('builds the WebSocket URL on the same host, ws or wss', () => {
    expect(apiSocketUrl('http://127.0.0.1:4000/?a=1', 'a b&c')).toBe('ws://127.0.0.1:4000/api?token=a%20b%26c');
    expect(apiSocketUrl('https://[::1]:4443/', 't')).toBe('wss://[::1]:4443/api?token=t');
  });
});

describe('renderer typing notifier', () => {
  function typingSetup() {
    let now = 0;
    const clock = manualTimers();
    const sent: boolean[] = [];
    const notifier = createTypingNotifier({
      send: (active) => sent.push(active),
      now: () => now,
      setTimeout: clock.timers.setTimeout,
      clearTimeout: clock.timers.clearTimeout,
      refreshMs: 3000,
      idleMs: 6000,
    });
    return {
      notifier,
      sent,
      tick(ms: number) {
        now += ms;
        clock.advance(ms);
      },
    };
  }

  it('says "typing" once when the text becomes non-empty, again at most every 3 s, and stops when cleared', () => {
    const { notifier, sent, tick } = typingSetup();
    notifier.input('h');
    tick(1000);
    notifier.input('he');
    tick(1000);
    notifier.input('hel');
    expect(sent).toEqual([true]);
    tick(1500);
    notifier.input('hell');
    expect(sent).toEqual([true, true]);
    notifier.input('');
    expect(sent).toEqual([true, true, false]);
    notifier.input('   ');
    expect(sent).toEqual([true, true, false]);
  });

  it('stops after sending and after a pause without keystrokes', () => {
    const { notifier, sent, tick } = typingSetup();
    notifier.input('hi');
    notifier.stop();
    notifier.stop();
    expect(sent).toEqual([true, false]);
    notifier.input('again');
    tick(6000);
    expect(sent).toEqual([true, false, true, false]);
  });
});
