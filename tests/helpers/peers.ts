import { mkdtemp, rm } from 'node:fs/promises';
import type { EventEmitter } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { loadOrCreateIdentity } from '../../electron/core/identity';
import { PeerNode, type NodeEvents, type PeerNodeOptions } from '../../electron/core/peer-node';

const cleanups: Array<() => Promise<void>> = [];

/** A fresh data directory, removed by `cleanUp()`. */
export async function tempDir(prefix = 'peerline-test-'): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A listening peer on 127.0.0.1 with a new identity; closed by `cleanUp()`. */
export async function startPeer(name: string, opts: Partial<PeerNodeOptions> & { dataDir?: string } = {}): Promise<PeerNode> {
  const identity = opts.identity ?? (await loadOrCreateIdentity(opts.dataDir ?? (await tempDir())));
  const node = new PeerNode({ appVersion: 'test', host: '127.0.0.1', port: 0, ...opts, identity, name });
  await node.listen();
  cleanups.push(() => node.close());
  return node;
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
export function nextEvent<K extends keyof NodeEvents>(
  node: EventEmitter<NodeEvents>,
  event: K,
  match: (...args: NodeEvents[K]) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<NodeEvents[K][0]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      node.off(event, listener as never);
      reject(new Error(`no "${String(event)}" event within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (...args: NodeEvents[K]) => {
      if (!match(...args)) return;
      clearTimeout(timer);
      node.off(event, listener as never);
      resolve(args[0]);
    };
    node.on(event, listener as never);
  });
}

/** Collects every payload of `event` from now on. */
export function collect<K extends keyof NodeEvents>(node: EventEmitter<NodeEvents>, event: K): Array<NodeEvents[K][0]> {
  const seen: Array<NodeEvents[K][0]> = [];
  node.on(event, ((...args: NodeEvents[K]) => seen.push(args[0])) as never);
  return seen;
}

/** Polls `condition` until it holds; rejects after `timeoutMs` with `what`. */
export async function waitUntil(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
