import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DATAGRAM_BURST_PER_SOURCE, DATAGRAMS_PER_SECOND_PER_SOURCE } from '../../electron/core/features/discovery/limits';
import { startInteractiveCli, startJsonCli, stopAllClis, type CliEvent } from '../helpers/cli';
import { makeNamespace, namespaceUnavailable } from '../helpers/netns';
import { cleanUp, tempDir } from '../helpers/peers';

afterEach(async () => {
  await stopAllClis();
  await cleanUp();
});

const unavailable = namespaceUnavailable();
if (unavailable !== null) console.log(`skipping the nearby-peers namespace test: ${unavailable}`);

const nearbyPeers = (event: CliEvent) => event.peers as Array<{ fingerprint: string; address: string; contact?: string }>;
const SENDER = fileURLToPath(new URL('../helpers/mdns-sender.cjs', import.meta.url));
const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** Sends hand-made mDNS datagrams from `source` inside the namespace (tests/helpers/mdns-sender.cjs). */
function sendDatagrams(wrap: string[], source: string, datagrams: object[]): Promise<void> {
  const child = spawn(wrap[0]!, [...wrap.slice(1), process.execPath, SENDER, source, JSON.stringify(datagrams)], { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`the sender failed (${code}): ${stderr}`)))));
}

describe.skipIf(unavailable !== null)('two peerline --json --discover in a network namespace', () => {
  it('find each other over mDNS and chat with no address typed', async () => {
    const ns = await makeNamespace();
    // Inside the test's own namespace: listening on every address there reaches nothing outside it.
    const start = async (name: string, discover = true) =>
      startJsonCli({ name, dataDir: await tempDir(), args: ['--host', '0.0.0.0', ...(discover ? ['--discover'] : [])], wrap: ns.wrap });
    // Carol runs without --discover: she neither announces nor lists anyone.
    const carol = await start('Carol', false);
    const alice = await start('Alice');
    const bob = await start('Bob');
    const heard = await alice.cli.waitFor((e) => e.event === 'nearby' && nearbyPeers(e).length > 0, { timeoutMs: 20_000 });
    const bobNearby = nearbyPeers(heard)[0]!;
    // The source address of the datagram (a veth address) and Bob's announced port; no contact yet.
    expect(bobNearby.address).toMatch(new RegExp(`^10\\.77\\.0\\.[12]:${bob.port}$`));
    expect(bobNearby.contact).toBeUndefined();
    alice.cli.send({ cmd: 'nearby-connect', fingerprint: bobNearby.fingerprint, address: bobNearby.address });
    const connected = await alice.cli.waitFor((e) => e.event === 'connected' && e.peer === bob.id, { timeoutMs: 10_000 });
    expect(connected.fingerprint).toBe(bobNearby.fingerprint);
    alice.cli.send({ cmd: 'send', peer: bob.id, text: 'found you nearby' });
    const got = await bob.cli.waitFor((e) => e.event === 'message' && e.text === 'found you nearby', { timeoutMs: 10_000 });
    expect(got.peer).toBe(alice.id);
    await alice.cli.waitFor((e) => e.event === 'delivered' && e.peer === bob.id, { timeoutMs: 10_000 });
    // Bob is Alice's contact now, and the `nearby` command says so.
    alice.cli.send({ cmd: 'nearby' });
    const listed = await alice.cli.waitFor((e) => e.event === 'nearby' && nearbyPeers(e).some((p) => p.contact === bob.id));
    expect(nearbyPeers(listed).every((p) => p.fingerprint === bobNearby.fingerprint)).toBe(true);
    expect(alice.cli.all('nearby').flatMap(nearbyPeers).some((p) => p.address.endsWith(`:${carol.port}`))).toBe(false);
    carol.cli.send({ cmd: 'nearby' });
    expect(nearbyPeers(await carol.cli.waitFor('nearby'))).toEqual([]);
  });

  it('interactive: /nearby lists the peers heard, /nearby N connects, and a line goes to that peer', async () => {
    const ns = await makeNamespace();
    const args = ['--host', '0.0.0.0', '--discover'];
    const bob = await startJsonCli({ name: 'Bob', dataDir: await tempDir(), args, wrap: ns.wrap });
    const alice = await startInteractiveCli({ name: 'Alice', dataDir: await tempDir(), args, wrap: ns.wrap });
    const listed = new RegExp(`  1\\. ([A-Z2-7 ]{19}) at 10\\.77\\.0\\.[12]:${bob.port}\n`);
    let fingerprint: string | undefined;
    for (let tries = 0; fingerprint === undefined && tries < 40; tries++) {
      const since = alice.cli.stdout.length;
      alice.cli.send('/nearby');
      const answer = (await alice.cli.waitForOutput(/\* (nobody heard nearby|\/nearby N connects)/, { since })) as RegExpExecArray;
      fingerprint = listed.exec(alice.cli.stdout.slice(since))?.[1];
      if (fingerprint === undefined && answer[1] !== 'nobody heard nearby') throw new Error(`/nearby listed something else:\n${alice.cli.stdout.slice(since)}`);
      if (fingerprint === undefined) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(fingerprint).toBeDefined();
    alice.cli.send('/nearby 1');
    await alice.cli.waitForOutput(`* connected: Bob`);
    alice.cli.send('hello from the next desk');
    await bob.cli.waitFor((e) => e.event === 'message' && e.text === 'hello from the next desk');
    alice.cli.send('/nearby 9');
    await alice.cli.waitForOutput('! /nearby N takes the number of a peer from /nearby.');
  });

  it('the real mDNS sockets drop an oversized datagram unread, hold a source to its rate, and list the source address', async () => {
    const ns = await makeNamespace();
    const alice = await startJsonCli({ name: 'Alice', dataDir: await tempDir(), args: ['--host', '0.0.0.0', '--discover'], wrap: ns.wrap });
    const fingerprint = (letter: string, i = 0) => `${letter.repeat(12)}${String.fromCharCode(65 + (i % 26))}${String.fromCharCode(65 + Math.floor(i / 26))}AA`;
    const heard = async () => {
      const since = alice.cli.events.length;
      alice.cli.send({ cmd: 'nearby' });
      return nearbyPeers(await alice.cli.waitFor('nearby', { since }));
    };
    // A valid announcement one TXT string too long for the limit, garbage, then a valid one claiming another address.
    await sendDatagrams(ns.wrap, '10.77.0.2', [
      { fingerprint: fingerprint('A'), port: 9001, padBytes: 1500 },
      { garbage: 300 },
      { fingerprint: fingerprint('B'), port: 9002, address: '203.0.113.7' },
    ]);
    await alice.cli.waitFor((e) => e.event === 'nearby' && nearbyPeers(e).length > 0, { timeoutMs: 10_000 });
    expect(await heard()).toEqual([{ fingerprint: `${'BBBB '.repeat(3)}AAAA`, address: '10.77.0.2:9002' }]);
    // A flood of 200 distinct announcements from one source: only its burst (16 datagrams, 2 spent above) and what
    // its rate (4 a second) refills while the flood lasts get in, however slow this machine is today.
    const floodStarted = performance.now();
    await sendDatagrams(ns.wrap, '10.77.0.2', Array.from({ length: 200 }, (_, i) => ({ fingerprint: fingerprint('C', i), port: 9100 + i })));
    await alice.cli.waitFor((e) => e.event === 'nearby' && nearbyPeers(e).length > 1, { timeoutMs: 10_000 });
    // Settled: asked twice, the same list.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const listed = await heard();
    const refilled = Math.ceil((DATAGRAMS_PER_SECOND_PER_SOURCE * (performance.now() - floodStarted)) / 1000);
    expect(listed.length).toBeGreaterThan(1);
    // B, and at most the rest of the burst plus what was refilled.
    expect(listed.length).toBeLessThanOrEqual(1 + DATAGRAM_BURST_PER_SOURCE - 2 + refilled);
    expect(listed.length).toBeLessThan(100);
    expect(listed.every((p) => p.address.startsWith('10.77.0.2:'))).toBe(true);
    expect(alice.cli.all('nearby').flatMap(nearbyPeers).some((p) => p.fingerprint.startsWith('AAAA'))).toBe(false);
  });
});
