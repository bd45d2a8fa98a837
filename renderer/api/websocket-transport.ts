/**
 * The WebSocket transport of the IPC contract, for `peerline --ui` (the renderer served to a local browser).
 *
 *   client → server  {"id": number, "channel": string, "request": any}
 *   server → client  {"id": number, "result": Result}   or   {"event": string, "payload": any}
 *
 * Invokes made while the socket is opening wait for it. When a socket closes, every invoke it carried (or was
 * waiting for it) fails with a Result error, and the transport reconnects with exponential backoff. Nothing here
 * touches the DOM: the socket comes from a factory, so tests drive it with a fake.
 */
import { isEventChannel, type EventChannel, type InvokeChannel } from '../../shared/ipc/channels';
import type { Transport } from '../../shared/ipc/client';
import type { Result } from '../../shared/ipc/result';
import type { LinkState } from './link';

/** What the transport needs of a socket. */
export interface SocketLike {
  send(data: string): void;
  close(): void;
}

export interface SocketHandlers {
  open(): void;
  message(data: unknown): void;
  /** Called once, whether the socket closed cleanly, failed to connect, or errored. */
  close(): void;
}

/** Opens a socket to `url` and reports its life to `handlers`. */
export type SocketFactory = (url: string, handlers: SocketHandlers) => SocketLike;

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface WebSocketTransportOptions {
  url: string;
  createSocket: SocketFactory;
  timers?: Timers;
  /** First reconnect delay; it doubles after every failure up to `maxDelayMs`. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** 0..1, for jitter (±20 %); `Math.random` by default. */
  random?: () => number;
}

export interface WebSocketTransport extends Transport {
  link(): LinkState;
  /** Calls `listener` on every change of the link; returns the unsubscribe function. */
  onLink(listener: (link: LinkState) => void): () => void;
  /** Skips the backoff wait and tries now (the banner's "Retry now"). */
  reconnectNow(): void;
  /** Closes for good: pending invokes fail, no reconnect. */
  close(): void;
}

export const LOST_CONNECTION: Result<never> = Object.freeze({
  ok: false,
  error: Object.freeze({ code: 'internal', message: 'Lost the connection to Peerline.' }),
}) as Result<never>;

const CLOSED: Result<never> = { ok: false, error: { code: 'internal', message: 'The connection to Peerline is closed.' } };

interface Pending {
  resolve(result: Result<unknown>): void;
  /** The frame, until it has been written to a socket. */
  frame: string | null;
}

const defaultTimers: Timers = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as Parameters<typeof globalThis.clearTimeout>[0]),
};

export function createWebSocketTransport(options: WebSocketTransportOptions): WebSocketTransport {
  const timers = options.timers ?? defaultTimers;
  const initialDelay = options.initialDelayMs ?? 500;
  const maxDelay = options.maxDelayMs ?? 10_000;
  const random = options.random ?? Math.random;

  const pending = new Map<number, Pending>();
  const eventListeners = new Set<(event: EventChannel, payload: unknown) => void>();
  const linkListeners = new Set<(link: LinkState) => void>();
  let nextId = 1;
  let socket: SocketLike | null = null;
  let open = false;
  let closedForGood = false;
  let retryTimer: unknown = null;
  let link: LinkState = { status: 'connecting', failures: 0, everOpened: false };

  function setLink(next: LinkState): void {
    link = next;
    for (const listener of linkListeners) {
      try {
        listener(link);
      } catch (err) {
        console.error('peerline: a link listener threw', err);
      }
    }
  }

  /** Counts sockets; a socket's handlers act only while it is the current one. */
  let generation = 0;

  function connect(): void {
    retryTimer = null;
    if (closedForGood) return;
    const mine = ++generation;
    const isCurrent = () => mine === generation;
    let closed = false;
    const handlers: SocketHandlers = {
      open: () => {
        if (closed || !isCurrent()) return;
        open = true;
        setLink({ status: 'open', failures: 0, everOpened: true });
        flush();
      },
      message: (data) => {
        if (!closed && isCurrent() && open) receive(data);
      },
      close: () => {
        if (closed) return;
        closed = true;
        if (!isCurrent()) return;
        lost();
      },
    };
    let created: SocketLike;
    try {
      created = options.createSocket(options.url, handlers);
    } catch (err) {
      console.error('peerline: could not open the WebSocket', err);
      closed = true;
      lost();
      return;
    }
    if (closed || !isCurrent()) return;
    socket = created;
    flush(); // in case the factory reported `open` before returning
  }

  /** The current socket is gone: what it carried fails, and another try is scheduled. */
  function lost(): void {
    socket = null;
    const wasOpen = open;
    open = false;
    failAll(LOST_CONNECTION);
    if (closedForGood) return;
    const failures = wasOpen ? 0 : link.failures + 1;
    setLink({ status: link.everOpened ? 'reconnecting' : 'connecting', failures, everOpened: link.everOpened });
    scheduleReconnect(failures);
  }

  function scheduleReconnect(failures: number): void {
    const base = Math.min(maxDelay, initialDelay * 2 ** Math.max(0, failures - 1));
    const delay = Math.round(base * (0.8 + 0.4 * random()));
    retryTimer = timers.setTimeout(connect, delay);
  }

  function flush(): void {
    if (socket === null || !open) return;
    for (const entry of pending.values()) {
      if (entry.frame === null) continue;
      const frame = entry.frame;
      entry.frame = null;
      socket.send(frame);
    }
  }

  function failAll(result: Result<never>): void {
    const entries = [...pending.values()];
    pending.clear();
    for (const entry of entries) entry.resolve(result);
  }

  function receive(data: unknown): void {
    if (typeof data !== 'string') return;
    let frame: unknown;
    try {
      frame = JSON.parse(data);
    } catch {
      console.warn('peerline: ignored a frame that is not JSON');
      return;
    }
    if (typeof frame !== 'object' || frame === null) return;
    const record = frame as Record<string, unknown>;
    if (typeof record.id === 'number') {
      const entry = pending.get(record.id);
      if (entry === undefined) return;
      pending.delete(record.id);
      entry.resolve(asResult(record.result));
      return;
    }
    if (isEventChannel(record.event)) {
      for (const listener of [...eventListeners]) {
        try {
          listener(record.event, record.payload);
        } catch (err) {
          console.error(`peerline: a listener of ${record.event} threw`, err);
        }
      }
    }
  }

  connect();

  return {
    invoke(channel: InvokeChannel, request: unknown): Promise<Result<unknown>> {
      if (closedForGood) return Promise.resolve(CLOSED);
      return new Promise((resolve) => {
        const id = nextId++;
        const frame = JSON.stringify({ id, channel, request: request ?? {} });
        pending.set(id, { resolve, frame });
        flush();
      });
    },
    subscribe(listener) {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },
    link: () => link,
    onLink(listener) {
      linkListeners.add(listener);
      return () => linkListeners.delete(listener);
    },
    reconnectNow() {
      if (closedForGood || socket !== null || retryTimer === null) return;
      if (retryTimer !== null) timers.clearTimeout(retryTimer);
      connect();
    },
    close() {
      closedForGood = true;
      generation++;
      if (retryTimer !== null) timers.clearTimeout(retryTimer);
      retryTimer = null;
      const current = socket;
      socket = null;
      open = false;
      failAll(CLOSED);
      current?.close();
    },
  };
}

/** A server answer that is not a Result becomes one, so callers can always branch on `ok`. */
function asResult(value: unknown): Result<unknown> {
  if (typeof value === 'object' && value !== null) {
    const result = value as Record<string, unknown>;
    if (result.ok === true) return { ok: true, value: result.value };
    const error = result.error as Record<string, unknown> | undefined;
    if (result.ok === false && typeof error === 'object' && error !== null && typeof error.message === 'string' && typeof error.code === 'string') {
      return value as Result<unknown>;
    }
  }
  return { ok: false, error: { code: 'internal', message: 'Peerline sent an answer this window does not understand.' } };
}
