/**
 * Raw TCP clients for hostile tests: sockets a real peer would never open, from any 127.0.0.0/8 source address,
 * and the small timing helpers those tests share.
 */
import { once } from 'node:events';
import net from 'node:net';
import { onCleanUp } from './peers';

export const LOCALHOST = '127.0.0.1';

export interface RawClient {
  socket: net.Socket;
  /** Resolves with the time the socket closed. Tests never close these sockets themselves before cleanup. */
  closed: Promise<number>;
  isClosed(): boolean;
}

/** A connected TCP socket to the node from `localAddress`; resets from the node are expected and ignored. */
export async function openRaw(port: number, localAddress = LOCALHOST): Promise<RawClient> {
  const socket = net.connect({ host: LOCALHOST, port, localAddress });
  socket.on('error', () => {});
  // Keep reading (and dropping) what the node sends: a socket nobody reads never sees the node's FIN.
  socket.resume();
  let isClosed = false;
  const closed = new Promise<number>((resolve) =>
    socket.once('close', () => {
      isClosed = true;
      resolve(Date.now());
    }),
  );
  onCleanUp(() => void socket.destroy());
  await Promise.race([once(socket, 'connect'), closed.then(() => Promise.reject(new Error('closed before connecting')))]);
  return { socket, closed, isClosed: () => isClosed };
}

/** Sends `bytes` one at a time, every `everyMs`, until stopped, closed or done. */
export function startTrickle(client: RawClient, bytes: Buffer, everyMs: number) {
  const state = { sent: 0, total: bytes.length, lastSentAt: 0, stop: () => clearInterval(timer) };
  const timer = setInterval(() => {
    if (client.isClosed() || state.sent >= bytes.length) return;
    client.socket.write(bytes.subarray(state.sent, state.sent + 1));
    state.sent++;
    state.lastSentAt = Date.now();
  }, everyMs);
  onCleanUp(() => clearInterval(timer));
  return state;
}

/** A 24-bit little-endian length prefix. */
export function frameOf(length: number): Buffer {
  return Buffer.from([length & 0xff, (length >>> 8) & 0xff, length >>> 16]);
}

/** The node's log lines for connections it closed before they opened. */
export function turnedAway(logs: string[]): string[] {
  return logs.filter((line) => line.startsWith('turned away'));
}

export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting until ${what}`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
