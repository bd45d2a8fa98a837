/**
 * Peerline measurements through the public PeerNode API on 127.0.0.1. The sender is always a node in this thread;
 * the receiver is a node in this thread too, or one in the receiver thread or process (remote.ts).
 */
import type { TestPeer } from '../helpers/peers';
import { nowMs, type Transfer } from './stats';

const HOST = '127.0.0.1';

/** Resolves with the next `event` of `node` that passes `match`. */
function next<T>(node: TestPeer, event: 'connected' | 'disconnected' | 'message', match: (payload: T) => boolean): Promise<T> {
  return new Promise((resolve) => {
    const listener = (payload: T) => {
      if (!match(payload)) return;
      node.off(event, listener as never);
      resolve(payload);
    };
    node.on(event, listener as never);
  });
}

/**
 * Full connects: TCP connect + preface + Noise XX + hello both ways, timed until the dialer's `connect()` has
 * resolved AND the listener has reported the peer connected. Each iteration then disconnects (timed separately)
 * and waits until both sides report the peer gone.
 */
export async function peerConnectTimes(
  dialer: TestPeer,
  listener: TestPeer,
  iterations: number,
  warmup: number,
  /** How the dialer reaches the listener: by its TCP address unless told (by its key over the DHT, say). */
  dial: () => Promise<unknown> = () => dialer.connect(HOST, listener.port),
): Promise<{ connect: number[]; disconnect: number[] }> {
  const connect: number[] = [];
  const disconnect: number[] = [];
  for (let i = 0; i < warmup + iterations; i++) {
    const listenerSees = next<{ peer: string }>(listener, 'connected', (info) => info.peer === dialer.id);
    const start = nowMs();
    await dial();
    await listenerSees;
    const connected = nowMs();
    const gone = Promise.all([
      next<{ peer: string }>(dialer, 'disconnected', (event) => event.peer === listener.id),
      next<{ peer: string }>(listener, 'disconnected', (event) => event.peer === dialer.id),
    ]);
    await dialer.disconnect(listener.id);
    await gone;
    if (i >= warmup) {
      connect.push(connected - start);
      disconnect.push(nowMs() - connected);
    }
  }
  return { connect, disconnect };
}

/**
 * Sequential round trips over one open session: `a.send` → b's `message` → `b.send` (an echo) → a's `message`.
 * Acks flow both ways as in real use.
 */
export async function peerRoundTrips(a: TestPeer, b: TestPeer, count: number, warmup: number, text: string): Promise<number[]> {
  const echo = ({ peer, text: received }: { peer: string; text: string }) => {
    if (peer === a.id) b.send(a.id, received);
  };
  b.on('message', echo);
  let wake: (() => void) | null = null;
  const onReply = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  a.on('message', onReply);
  const samples: number[] = [];
  try {
    for (let i = 0; i < warmup + count; i++) {
      const back = new Promise<void>((resolve) => (wake = resolve));
      const start = nowMs();
      a.send(b.id, text);
      await back;
      if (i >= warmup) samples.push(nowMs() - start);
    }
  } finally {
    b.off('message', echo);
    a.off('message', onReply);
  }
  await settleAcks();
  return samples;
}

export interface ChatPumpResult extends Transfer {
  /** When the k-th delivery (ack) arrived, for each k in `marks`, in ms since the first send. */
  markTimes: Record<number, number>;
  window: number;
}

/** Starts and ends a windowed run: see `windowedPump`. */
export interface WindowedPump {
  /** Starts the clock and the sending; resolves when all have been delivered. Call once. */
  run(): Promise<ChatPumpResult>;
  /** One more delivered: refills the window when it has half emptied, and ends the run with the last one. */
  delivered(): void;
  /** Ends the run with `error` (a session closed, a send failed). */
  fail(error: Error): void;
}

/**
 * The sending policy of every chat-rate run, whatever sends (a PeerNode here, the app in the durable section):
 * `sendOne` is called `total` times, with at most `window` sent and not yet `delivered()` at once, refilled when
 * half have been delivered; timed from the first send until the last delivery. Bytes counted are text bytes.
 */
export function windowedPump(total: number, window: number, textBytes: number, sendOne: () => void, marks: readonly number[] = []): WindowedPump {
  const refillBelow = Math.max(1, Math.floor(window / 2));
  const markTimes: Record<number, number> = {};
  const pendingMarks = new Set(marks);
  let sent = 0;
  let delivered = 0;
  let start = 0;
  let settled = false;
  let settle!: (error: Error | null) => void;
  const done = new Promise<ChatPumpResult>((resolve, reject) => {
    settle = (error) => {
      if (settled) return;
      settled = true;
      const ms = nowMs() - start;
      if (error) reject(error);
      else resolve({ bytes: total * textBytes, messages: total, ms, markTimes, window });
    };
  });
  const fill = () => {
    try {
      while (sent < total && sent - delivered < window) {
        sendOne();
        sent++;
      }
    } catch (err) {
      settle(err instanceof Error ? err : new Error(String(err)));
    }
  };
  return {
    run() {
      start = nowMs();
      fill();
      return done;
    },
    delivered() {
      if (settled) return;
      delivered++;
      if (pendingMarks.has(delivered)) markTimes[delivered] = nowMs() - start;
      if (delivered === total) return settle(null);
      if (sent < total && sent - delivered <= refillBelow) fill();
    },
    fail: (error) => settle(error),
  };
}

/**
 * Sends `total` chats of `text` from `sender` to the peer `receiverId` (a node in this thread or elsewhere) as fast
 * as the session takes them, with at most `window` unacknowledged at once (see `windowedPump`), timed from the
 * first send until the last `delivered` event. With `latencies`, each chat's send → `delivered` time is pushed
 * there (ms); without, nothing is kept per chat.
 */
export function pumpChats(
  sender: TestPeer,
  receiverId: string,
  total: number,
  text: string,
  window: number,
  marks: readonly number[] = [],
  latencies?: number[],
): Promise<ChatPumpResult> {
  const sentAt = new Map<string, number>();
  const sendOne = latencies
    ? () => {
        const at = nowMs();
        sentAt.set(sender.send(receiverId, text), at);
      }
    : () => void sender.send(receiverId, text);
  const pump = windowedPump(total, window, Buffer.byteLength(text), sendOne, marks);
  const onDisconnected = ({ peer, reason }: { peer: string; reason: string }) => {
    if (peer === receiverId) pump.fail(new Error(`the session closed mid-run: ${reason}`));
  };
  const onDelivered = ({ peer, id }: { peer: string; id: string }) => {
    if (peer !== receiverId) return;
    const at = sentAt.get(id);
    if (latencies && at !== undefined) {
      sentAt.delete(id);
      latencies.push(nowMs() - at);
    }
    pump.delivered();
  };
  sender.on('delivered', onDelivered);
  sender.on('disconnected', onDisconnected);
  return pump.run().finally(() => {
    sender.off('delivered', onDelivered);
    sender.off('disconnected', onDisconnected);
  });
}

/**
 * Counts the chats `node` shows its app (`message` events), per sending peer, from now on: how many of the
 * delivered chats really arrived, once each.
 */
export function countMessages(node: TestPeer): (from: string) => number {
  const counts = new Map<string, number>();
  node.on('message', ({ peer }) => counts.set(peer, (counts.get(peer) ?? 0) + 1));
  return (from) => counts.get(from) ?? 0;
}

/** Lets the last batched acks of a phase go out, so they do not land in the next measurement. */
export async function settleAcks(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 20));
}
