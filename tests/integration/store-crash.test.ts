/**
 * Crash safety (DESIGN §5, durability): a child process writes through the Store with many writes in flight and
 * prints each write once its promise resolved; it is killed with SIGKILL at a random moment. The store must
 * open afterwards with every printed write in it, each message exactly once. The child is this repository's
 * Store bundled with esbuild (classic-level stays external, loaded from node_modules).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../electron/core/store/store';
import { CRASH_PEERS } from '../fixtures/store-crash-peers';
import { cleanUpStores, openStore, tempDataDir } from '../fixtures/store-helpers';
import { conversationId } from '../../shared/ids';

const ROUNDS = 5;
/** How long a round may take before the test gives up on it (the child normally dies after well under a second). */
const ROUND_TIMEOUT_MS = 15_000;

let workDir = '';
let childScript = '';

beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), 'peerline-store-crash-'));
  childScript = path.join(workDir, 'child.mjs');
  const classicLevel = createRequire(import.meta.url).resolve('classic-level');
  await build({
    entryPoints: [fileURLToPath(new URL('../fixtures/store-crash-child.ts', import.meta.url))],
    outfile: childScript,
    bundle: true,
    platform: 'node',
    format: 'esm',
    logLevel: 'warning',
    plugins: [
      {
        name: 'classic-level-from-node-modules',
        setup(b) {
          b.onResolve({ filter: /^classic-level$/ }, () => ({ path: pathToFileURL(classicLevel).href, external: true }));
        },
      },
    ],
  });
});

afterAll(async () => {
  await cleanUpStores();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

interface Printed {
  lines: string[];
  killedAfterMs: number;
  opened: boolean;
}

/** Runs the child on `dataDir` and kills it `delayMs` after it said the store is open (or, with `early`, after spawning). */
function runAndKill(dataDir: string, round: number, delayMs: number, early: boolean): Promise<Printed> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [childScript, dataDir, String(round)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let opened = false;
    const started = Date.now();
    const timeout = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`round ${round}: the child did not open the store in time; stderr: ${err}`));
    }, ROUND_TIMEOUT_MS);
    const kill = () => setTimeout(() => child.kill('SIGKILL'), delayMs);
    if (early) kill();
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (!opened && out.startsWith('open\n')) {
        opened = true;
        if (!early) kill();
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.on('exit', (code, signal) => {
      clearTimeout(timeout);
      if (signal !== 'SIGKILL') return reject(new Error(`round ${round}: the child exited by itself (code ${code}); stderr: ${err}`));
      // Only whole lines count: a line cut by the kill was never fully printed.
      const lines = out.split('\n').slice(0, -1).filter((line) => line !== 'open');
      resolve({ lines, killedAfterMs: Date.now() - started, opened });
    });
  });
}

/** Every message id of every crash peer, with how many times it is stored, and the status of ours. */
async function storedMessages(store: Store): Promise<Map<string, { count: number; status?: string }>> {
  const seen = new Map<string, { count: number; status?: string }>();
  for (const [peer, key] of CRASH_PEERS.entries()) {
    let page = await store.page(conversationId(key), { limit: 500 });
    const all = [...page.messages];
    while (page.hasMore) {
      page = await store.page(conversationId(key), { before: page.messages[0].id, limit: 500 });
      all.unshift(...page.messages);
    }
    for (const message of all) {
      const entry = seen.get(`${peer} ${message.id}`);
      if (entry) entry.count++;
      else seen.set(`${peer} ${message.id}`, { count: 1, status: message.status });
    }
  }
  return seen;
}

describe('store: crash safety', () => {
  it(`a process killed at a random moment leaves a store that opens with every resolved write, once (${ROUNDS} rounds)`, async () => {
    const dataDir = await tempDataDir();
    let total = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const early = round === 1; // once: killed while opening or just after
      const delayMs = early ? Math.floor(Math.random() * 150) : 30 + Math.floor(Math.random() * 400);
      const printed = await runAndKill(dataDir, round, delayMs, early);
      const context = `round ${round}, killed ${printed.killedAfterMs} ms after spawning (${delayMs} ms after ${early ? 'spawning' : 'opening'})`;
      const { store, notices } = await openStore(dataDir);
      expect(notices, context).toEqual([]);
      const stored = await storedMessages(store);
      for (const [key, entry] of stored) expect(entry.count, `${context}: ${key} stored ${entry.count} times`).toBe(1);
      for (const line of printed.lines) {
        const [kind, peer, id] = line.split(' ');
        const entry = stored.get(`${peer} ${id}`);
        expect(entry, `${context}: "${line}" was acknowledged but is missing`).toBeDefined();
        if (kind === 'delivered') expect(entry!.status, `${context}: "${line}"`).toBe('delivered');
      }
      // The outbox agrees with the statuses.
      const waiting = (await store.outbox()).map((m) => m.id);
      for (const [key, entry] of stored) if (entry.status === 'delivered') expect(waiting).not.toContain(key.split(' ')[1]);
      total += printed.lines.length;
      await store.close();
    }
    expect(total).toBeGreaterThan(100); // the rounds did write something
  }, 90_000);
});
