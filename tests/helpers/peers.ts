import { mkdtemp, rm } from 'node:fs/promises';
import type { EventEmitter } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../../electron/core/errors';
import { ChatDelivery, checkText, type ChatEvents, type Inbox, type OutgoingChat } from '../../electron/core/features/chat/delivery';
import { loadOrCreateIdentity } from '../../electron/core/identity';
import { newMessageId } from '../../electron/core/message-id';
import { PeerNode, type NodeEvents, type PeerNodeOptions } from '../../electron/core/peer-node';
import { sessionKey } from '../../shared/ids';
import { notConnectedTo } from '../../shared/validation';
import { MemoryInbox, type ReceivedChat } from './memory-inbox';

const cleanups: Array<() => Promise<void>> = [];

/** A fresh data directory, removed by `cleanUp()`. */
export async function tempDir(prefix = 'peerline-test-'): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** What a test peer emits: the node's events and its chat channel's, and with the default inbox each chat kept. */
export type TestPeerEvents = NodeEvents & ChatEvents & { message: [ReceivedChat] };

/**
 * A node with the chat feature, as tests drive it: one emitter for the node's and the chat channel's events,
 * the chat calls, and `send`, which makes the id (the app stores first, then queues).
 */
export type TestPeer = Omit<PeerNode, keyof EventEmitter> & EventEmitter<TestPeerEvents> & TestChat;

interface TestChat {
  readonly chat: ChatDelivery;
  send(key: string, text: string): string;
  queue(key: string, chat: OutgoingChat): boolean;
  unqueue(key: string, id: string): boolean;
  setTyping(key: string, active: boolean): void;
  sendRead(key: string, upTo: string): boolean;
}

/**
 * A listening peer on 127.0.0.1 with a new identity and the chat channel; closed by `cleanUp()`. Its chats go to
 * `opts.inbox`, or to a memory inbox that drops resent ids and emits `message` on the peer.
 */
export async function startPeer(name: string, opts: Partial<PeerNodeOptions> & { dataDir?: string; inbox?: Inbox } = {}): Promise<TestPeer> {
  const identity = opts.identity ?? (await loadOrCreateIdentity(opts.dataDir ?? (await tempDir())));
  const node = new PeerNode({ appVersion: 'test', host: '127.0.0.1', port: 0, ...opts, identity, name });
  const emitter = node as unknown as EventEmitter<TestPeerEvents>;
  const inbox = opts.inbox ?? new MemoryInbox((chat) => emitter.emit('message', chat));
  const chat = new ChatDelivery(node, inbox);
  for (const event of ['sent', 'delivered', 'typing', 'read', 'log'] as const) {
    chat.on(event, ((payload: unknown) => emitter.emit(event, payload as never)) as never);
  }
  const peer = Object.assign(node, {
    chat,
    send(key: string, text: string): string {
      checkText(text);
      if (!node.isConnected(sessionKey(key))) throw new UserError('not-connected', notConnectedTo(key));
      const id = newMessageId();
      chat.queue(sessionKey(key), { id, text, sentAt: Date.now() });
      return id;
    },
    queue: (key: string, outgoing: OutgoingChat) => chat.queue(sessionKey(key), outgoing),
    unqueue: (key: string, id: string) => chat.unqueue(sessionKey(key), id),
    setTyping: (key: string, active: boolean) => chat.setTyping(sessionKey(key), active),
    sendRead: (key: string, upTo: string) => chat.sendRead(sessionKey(key), upTo),
  });
  await node.listen();
  cleanups.push(() => node.close());
  return peer as unknown as TestPeer;
}

/** Registers something to undo after the test (a server, a socket). */
export function onCleanUp(cleanup: () => Promise<void> | void): void {
  cleanups.push(async () => cleanup());
}

export async function cleanUp(): Promise<void> {
  const pending = cleanups.splice(0).reverse();
  for (const cleanup of pending) await cleanup();
}

/** Resolves with the first `event` whose payload passes `match`; rejects after `timeoutMs`. */
export function nextEvent<K extends keyof TestPeerEvents>(
  emitter: EventEmitter<TestPeerEvents> | EventEmitter<NodeEvents>,
  event: K,
  match: (...args: TestPeerEvents[K]) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<TestPeerEvents[K][0]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, listener as never);
      reject(new Error(`no "${String(event)}" event within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (...args: TestPeerEvents[K]) => {
      if (!match(...args)) return;
      clearTimeout(timer);
      emitter.off(event, listener as never);
      resolve(args[0]);
    };
    emitter.on(event, listener as never);
  });
}

/** Collects every payload of `event` from now on. */
export function collect<K extends keyof TestPeerEvents>(
  emitter: EventEmitter<TestPeerEvents> | EventEmitter<NodeEvents>,
  event: K,
): Array<TestPeerEvents[K][0]> {
  const seen: Array<TestPeerEvents[K][0]> = [];
  (emitter as EventEmitter<TestPeerEvents>).on(event, ((...args: TestPeerEvents[K]) => seen.push(args[0])) as never);
  return seen;
}

/** Polls `condition` until it holds; rejects after `timeoutMs` with `what`. */
export async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A message each way between two connected peers, each acknowledged. */
export async function exchange(a: TestPeer, b: TestPeer, text: string): Promise<void> {
  for (const [from, to] of [[a, b], [b, a]] as const) {
    const gets = nextEvent(to, 'message', (m) => m.peer === from.id && m.text === text, 5_000);
    const delivered = nextEvent(from, 'delivered', (d) => d.peer === to.id, 5_000);
    from.send(to.id, text);
    await Promise.all([gets, delivered]);
  }
}
