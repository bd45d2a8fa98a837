/**
 * "Delivered" means on the receiver's disk, and nothing the sender accepted is lost: two `peerline --json`
 * processes exchange 1,000 messages while the test SIGKILLs the sender and the receiver at random moments and
 * starts them again on the same data directories.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CliProcess, startJsonCli, stopAllClis, type CliEvent } from '../helpers/cli';
import { freePort } from '../helpers/net';
import { cleanUp, tempDir } from '../helpers/peers';
import { seededRandom } from '../helpers/random';

afterEach(async () => {
  await stopAllClis();
  await cleanUp();
});

const MESSAGES = 1_000;
const KILLS = 8;

interface Side {
  name: string;
  dataDir: string;
  port: number;
  cli: CliProcess;
  /** Every incarnation, for the events they printed before they died. */
  lives: CliProcess[];
}

async function start(side: Omit<Side, 'cli' | 'lives'> & { lives?: CliProcess[] }): Promise<Side> {
  const { cli } = await startJsonCli({ name: side.name, dataDir: side.dataDir, args: ['--port', String(side.port)] });
  return { ...side, cli, lives: [...(side.lives ?? []), cli] };
}

/** Every message of the conversation with `peer`, oldest first, read with `history` a page at a time. */
async function history(cli: CliProcess, peer: string): Promise<Array<{ id: string; text: string; status?: string; from: string }>> {
  const all: Array<{ id: string; text: string; status?: string; from: string }> = [];
  let before: string | undefined;
  for (;;) {
    const since = cli.mark;
    cli.send({ cmd: 'history', peer, limit: 500, ...(before && { before }) });
    const page = await cli.waitFor((e) => e.event === 'history' || e.event === 'error', { since });
    if (page.event === 'error') throw new Error(`history failed: ${String(page.message)}`);
    const messages = page.messages as typeof all;
    all.unshift(...messages);
    if (!page.hasMore || messages.length === 0) return all;
    before = messages[0]!.id;
  }
}

function idsOf(lives: CliProcess[], event: string): Set<string> {
  return new Set(lives.flatMap((cli) => cli.events.filter((e: CliEvent) => e.event === event).map((e) => e.id as string)));
}

describe('crash safety', () => {
  it('SIGKILL of sender and receiver at random points of 1,000 messages: each delivered message is stored once, and all arrive', async () => {
    const seed = Date.now() % 100_000;
    const next = seededRandom(seed);
    const context = `(seed ${seed})`;
    let alice = await start({ name: 'Alice', dataDir: await tempDir(), port: await freePort() });
    let bob = await start({ name: 'Bob', dataDir: await tempDir(), port: await freePort() });
    alice.cli.send({ cmd: 'connect', address: `127.0.0.1:${bob.port}` });
    const bobKey = (await alice.cli.waitFor('connected')).peer as string;
    const aliceKey = (await bob.cli.waitFor('connected')).peer as string;

    // Kill points spread over the run, each at a random message index, alternating at random between the two.
    const killAt = new Map<number, 'sender' | 'receiver'>();
    while (killAt.size < KILLS) killAt.set(1 + Math.floor(next() * (MESSAGES - 1)), next() < 0.5 ? 'sender' : 'receiver');
    const texts = Array.from({ length: MESSAGES }, (_, i) => `message ${String(i).padStart(4, '0')}`);
    for (let i = 0; i < MESSAGES; i++) {
      alice.cli.send({ cmd: 'send', peer: bobKey, text: texts[i]! });
      // Paced like a busy chat, so that kills land while messages are stored, in flight and being acknowledged.
      if (i % 20 === 19) await new Promise((resolve) => setTimeout(resolve, 5));
      const victim = killAt.get(i);
      if (!victim) continue;
      // Let a random share of what was written be in flight, stored or acknowledged when the process dies.
      await new Promise((resolve) => setTimeout(resolve, next() * 40));
      if (victim === 'sender') {
        await alice.cli.kill();
        alice = await start(alice);
      } else {
        await bob.cli.kill();
        bob = await start(bob);
      }
    }

    // The sender takes commands in order: once a last message is stored, every earlier command has been handled.
    const LAST = 'the last message';
    texts.push(LAST);
    alice.cli.send({ cmd: 'send', peer: bobKey, text: LAST });
    let accepted = await history(alice.cli, bobKey);
    while (!accepted.some((m) => m.text === LAST)) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      accepted = await history(alice.cli, bobKey);
    }
    // Whatever the sender never accepted (its process died with the command unread) is typed again, as a person
    // would; everything it accepted must arrive without help.
    expect(new Set(accepted.map((m) => m.id)).size, `sender history has no repeats ${context}`).toBe(accepted.length);
    const acceptedTexts = new Set(accepted.map((m) => m.text));
    const retyped = texts.filter((text) => !acceptedTexts.has(text));
    for (const text of retyped) alice.cli.send({ cmd: 'send', peer: bobKey, text });
    expect(retyped.length, `most messages were accepted before a kill ${context}`).toBeLessThan(MESSAGES / 2);

    // Everything reaches Bob and turns delivered for Alice, with no click: reconnects and resends do it.
    const deadline = Date.now() + 60_000;
    let sent: Awaited<ReturnType<typeof history>> = [];
    for (;;) {
      sent = await history(alice.cli, bobKey);
      if (sent.length === texts.length && sent.every((m) => m.status === 'delivered')) break;
      if (Date.now() > deadline) {
        const waiting = sent.filter((m) => m.status !== 'delivered').length;
        throw new Error(`${sent.length} stored, ${waiting} not delivered after 60 s ${context}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }

    // Both stores open again after a last kill of both.
    await alice.cli.kill();
    await bob.cli.kill();
    alice = await start(alice);
    bob = await start(bob);
    const received = await history(bob.cli, aliceKey);
    const receivedIds = received.map((m) => m.id);
    expect(new Set(receivedIds).size, `no message stored twice by the receiver ${context}`).toBe(receivedIds.length);
    expect(received.every((m) => m.from === aliceKey)).toBe(true);

    const deliveredEver = idsOf(alice.lives, 'delivered');
    expect(deliveredEver.size).toBeGreaterThan(0);
    const receivedSet = new Set(receivedIds);
    const deliveredButMissing = [...deliveredEver].filter((id) => !receivedSet.has(id));
    expect(deliveredButMissing, `every message reported delivered is in the receiver's history ${context}`).toEqual([]);
    // Every id the sender reported as accepted (queued or sent) before it died was kept and arrived.
    const acceptedEver = new Set([...idsOf(alice.lives, 'queued'), ...idsOf(alice.lives, 'sent')]);
    expect([...acceptedEver].filter((id) => !receivedSet.has(id)), `accepted then lost ${context}`).toEqual([]);
    // Each of the 1,000 texts arrived exactly once, in the order the sender stored them.
    expect(received.map((m) => m.text).sort()).toEqual([...texts].sort());
    expect(receivedIds).toEqual((await history(alice.cli, bobKey)).map((m) => m.id));
  }, 150_000);
});
