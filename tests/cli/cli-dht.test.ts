/**
 * `peerline --json --dht` processes on HyperDHT's local testnet (127.0.0.1 only): reach by key and by invite link,
 * the doctor's sentence for a key nobody announced, and durable delivery over the DHT path across a SIGKILL.
 * No process is ever told another's TCP port: a peer met over the DHT is dialed back by its key.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { blindRelay, localTestnet } from '../helpers/dht';
import { startInteractiveCli, startJsonCli, stopAllClis, type CliEvent, type CliProcess } from '../helpers/cli';
import { cleanUp, tempDir } from '../helpers/peers';

afterEach(async () => {
  await stopAllClis();
  await cleanUp();
});

const DHT_PATHS = ['udp', 'holepunched'];

async function dhtCli(name: string, dataDir: string, bootstrap: string) {
  return startJsonCli({ name, dataDir, args: ['--dht', '--dht-bootstrap', bootstrap] });
}

function connectedTo(peer: string) {
  return (event: CliEvent) => event.event === 'connected' && event.peer === peer;
}

async function say(from: CliProcess, to: CliProcess, peer: string, text: string): Promise<void> {
  const since = to.mark;
  from.send({ cmd: 'send', peer, text });
  await to.waitFor((event) => event.event === 'message' && event.text === text, { since });
}

describe('peerline --json --dht on a local testnet', () => {
  it('two processes connect by key alone and chat both ways over the DHT path', async () => {
    const bootstrap = (await localTestnet()).map(({ host, port }) => `${host}:${port}`).join(',');
    const alice = await dhtCli('Alice', await tempDir(), bootstrap);
    const bob = await dhtCli('Bob', await tempDir(), bootstrap);
    // Bob announced a moment ago: the first dial must reach him all the same.
    alice.cli.send({ cmd: 'connect', address: bob.id });
    const aliceSees = await alice.cli.waitFor(connectedTo(bob.id));
    const bobSees = await bob.cli.waitFor(connectedTo(alice.id));
    expect(DHT_PATHS).toContain(aliceSees.path);
    expect(DHT_PATHS).toContain(bobSees.path);
    expect(aliceSees).toMatchObject({ name: 'Bob', mode: 'secure', id: bob.id });
    // To Bob, Alice is nobody yet (she has said nothing): he does not dial for her.
    alice.cli.send({ cmd: 'dial-back', peer: bob.id, via: 'tcp' });
    expect(await alice.cli.waitFor('dial-back')).toMatchObject({ reachable: false, tried: 'nothing', reason: 'Only a contact who accepted you can run this test.' });

    await say(alice.cli, bob.cli, bob.id, 'hello by key');
    await say(bob.cli, alice.cli, alice.id, 'hello back');

    // Now a contact (her first message was accepted): Bob tries to reach her at her TCP port and by her key.
    let since = alice.cli.mark;
    alice.cli.send({ cmd: 'dial-back', peer: bob.id, via: 'tcp' });
    expect(await alice.cli.waitFor('dial-back', { since, timeoutMs: 20_000 })).toMatchObject({ via: 'tcp', reachable: true, tried: `127.0.0.1:${alice.port}` });
    since = alice.cli.mark;
    alice.cli.send({ cmd: 'dial-back', peer: bob.id, via: 'dht' });
    expect(await alice.cli.waitFor('dial-back', { since, timeoutMs: 40_000 })).toMatchObject({ via: 'dht', reachable: true, tried: 'your key on the DHT' });
  });

  it('an invite link from the doctor connects; an unannounced key fails with the doctor\'s sentence', async () => {
    const bootstrap = (await localTestnet()).map(({ host, port }) => `${host}:${port}`).join(',');
    const alice = await dhtCli('Alice', await tempDir(), bootstrap);
    const bob = await dhtCli('Bob', await tempDir(), bootstrap);
    bob.cli.send({ cmd: 'doctor' });
    const doctor = await bob.cli.waitFor('doctor');
    expect(doctor).toMatchObject({ reachableByKey: true, port: bob.port, dht: { announced: true, bootstrap: bootstrap.split(',') } });
    expect(doctor.link).toMatch(/^peerline:[a-z2-7]{52}\?/);
    alice.cli.send({ cmd: 'connect', address: doctor.link });
    expect(DHT_PATHS.concat('tcp')).toContain((await alice.cli.waitFor(connectedTo(bob.id))).path);

    const since = alice.cli.mark;
    alice.cli.send({ cmd: 'connect', address: 'ab'.repeat(32) });
    const error = await alice.cli.waitFor('error', { since });
    expect(error.message).toMatch(/is not on the DHT: the contact is offline, or has "Reachable over the internet by my key" turned off/);
  });

  it('through a blind relay: two relay-only processes connect by key, both report the relayed path, and chat', async () => {
    const nodes = await localTestnet();
    const bootstrap = nodes.map(({ host, port }) => `${host}:${port}`).join(',');
    const relay = await blindRelay(nodes);
    const relayOnly = ['--dht', '--dht-bootstrap', bootstrap, '--dht-relay', relay.key, '--dht-relay-only'];
    const alice = await startJsonCli({ name: 'Alice', dataDir: await tempDir(), args: relayOnly });
    const bob = await startJsonCli({ name: 'Bob', dataDir: await tempDir(), args: relayOnly });
    alice.cli.send({ cmd: 'connect', address: bob.id });
    expect(await alice.cli.waitFor(connectedTo(bob.id))).toMatchObject({ path: 'relayed', mode: 'secure', name: 'Bob' });
    expect(await bob.cli.waitFor(connectedTo(alice.id))).toMatchObject({ path: 'relayed', mode: 'secure', name: 'Alice' });
    // Both sides' streams were paired at the relay: the bytes really went through it.
    expect(relay.paired()).toBeGreaterThanOrEqual(2);
    await say(alice.cli, bob.cli, bob.id, 'hello through the relay');
    await say(bob.cli, alice.cli, alice.id, 'and back');
    bob.cli.send({ cmd: 'doctor' });
    expect(await bob.cli.waitFor('doctor')).toMatchObject({ dht: { relay: relay.key } });
  }, 90_000);

  it('relay-only through a relay nobody runs: the dial fails with a sentence about the relay, and the process lives on', async () => {
    const bootstrap = (await localTestnet()).map(({ host, port }) => `${host}:${port}`).join(',');
    const absent = 'cd'.repeat(32);
    const relayOnly = ['--dht', '--dht-bootstrap', bootstrap, '--dht-relay', absent, '--dht-relay-only'];
    const alice = await startJsonCli({ name: 'Alice', dataDir: await tempDir(), args: relayOnly });
    const bob = await startJsonCli({ name: 'Bob', dataDir: await tempDir(), args: relayOnly });
    alice.cli.send({ cmd: 'connect', address: bob.id });
    const error = await alice.cli.waitFor('error', { timeoutMs: 60_000 });
    expect(error.message).toMatch(/the relay did (not carry the connection either|not pair the two of you)/);
    expect(alice.cli.events.some(connectedTo(bob.id))).toBe(false);
    alice.cli.send({ cmd: 'doctor' });
    expect(await alice.cli.waitFor('doctor')).toMatchObject({ dht: { relay: absent } });
  }, 90_000);

  it('without --dht a key cannot be dialed, and the error says how to turn it on', async () => {
    const alice = await startJsonCli({ name: 'Alice', dataDir: await tempDir() });
    alice.cli.send({ cmd: 'connect', address: 'ab'.repeat(32) });
    expect((await alice.cli.waitFor('error')).message).toMatch(/--dht/);
    alice.cli.send({ cmd: 'doctor' });
    expect(await alice.cli.waitFor('doctor')).toMatchObject({ reachableByKey: false, dht: null });
  });

  it('durable delivery over the DHT path: SIGKILL the receiver, queue, restart it, and the messages arrive once', async () => {
    const bootstrap = (await localTestnet()).map(({ host, port }) => `${host}:${port}`).join(',');
    const alice = await dhtCli('Alice', await tempDir(), bootstrap);
    const bobDir = await tempDir();
    let bob = await dhtCli('Bob', bobDir, bootstrap);
    alice.cli.send({ cmd: 'connect', address: bob.id });
    await alice.cli.waitFor(connectedTo(bob.id));
    await say(alice.cli, bob.cli, bob.id, 'before the crash');

    await bob.cli.kill();
    const texts = ['one', 'two', 'three'];
    for (const text of texts) alice.cli.send({ cmd: 'send', peer: bob.id, text });
    bob = await dhtCli('Bob', bobDir, bootstrap);
    for (const text of texts) await bob.cli.waitFor((event) => event.event === 'message' && event.text === text, { timeoutMs: 60_000 });
    const reconnected = bob.cli.events.find(connectedTo(alice.id));
    expect(DHT_PATHS).toContain(reconnected?.path);
    await alice.cli.waitFor((event) => event.event === 'delivered' && alice.cli.events.filter((e) => e.event === 'delivered').length >= 4, { timeoutMs: 30_000 });
    // Each arrived once.
    expect(bob.cli.events.filter((event) => event.event === 'message').map((event) => event.text)).toEqual(texts);
  }, 120_000);

  it('interactive: /doctor shows what the DHT sees and the invite link, and /connect KEY reaches the peer over the DHT', async () => {
    const bootstrap = (await localTestnet()).map(({ host, port }) => `${host}:${port}`).join(',');
    const bob = await dhtCli('Bob', await tempDir(), bootstrap);
    const carol = await startInteractiveCli({ name: 'Carol', dataDir: await tempDir(), args: ['--dht', '--dht-bootstrap', bootstrap] });
    const type = (line: string, expected: RegExp) => {
      const since = carol.cli.stdout.length;
      carol.cli.send(line);
      return carol.cli.waitForOutput(expected, { since });
    };
    await type('/doctor', /\* reachable by key: your key is announced on the DHT\n\* NAT: open, the DHT sees you at 127\.0\.0\.1:\d+\. .*\n\* DHT bootstrap nodes: 127\.0\.0\.1:\d+.*\n\* DHT relay: none \(the default; set one with --dht-relay KEY for NATs that cannot be punched\)\n\* your invite link: peerline:[a-z2-7]{52}\?/);
    await type(`/connect ${bob.id}`, /\* connected: Bob at 127\.0\.0\.1:\d+ \(encrypted, (over the DHT \(direct UDP\)|hole-punched \(UDP\)), fingerprint/);
    await type('/connect peerline:0000', /! The key in that link is damaged/);
  });
});
