import { afterEach, describe, expect, it } from 'vitest';
import { startJsonCli, stopAllClis, type CliEvent } from '../helpers/cli';
import { makeNamespace, namespaceUnavailable } from '../helpers/netns';
import { cleanUp, tempDir } from '../helpers/peers';

afterEach(async () => {
  await stopAllClis();
  await cleanUp();
});

const unavailable = namespaceUnavailable();
if (unavailable !== null) console.log(`skipping the nearby-peers namespace test: ${unavailable}`);

const nearbyPeers = (event: CliEvent) => event.peers as Array<{ fingerprint: string; address: string; contact?: string }>;

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
});
