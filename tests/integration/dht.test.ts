import { afterEach, describe, expect, it } from 'vitest';
import HyperDHT, { type DhtStream } from 'hyperdht';
import { blindRelay, localTestnet } from '../helpers/dht';
import { openApp } from '../helpers/app';
import { dispatch } from '../../shared/ipc/dispatch';
import { cleanUp, nextEvent, onCleanUp, startPeer, waitUntil } from '../helpers/peers';
import { decodeInvite } from '../../shared/invite-link';
import { MAX_ENCRYPTED_FRAME_BYTES } from '../../shared/protocol/limits';
import { encodePreface } from '../../shared/protocol/preface';
import { encodeMessage } from '../../shared/protocol/codec';

afterEach(cleanUp);

async function dhtPeer(name: string, bootstrap: { host: string; port: number }[]) {
  const peer = await startPeer(name, { dhtBootstrap: bootstrap });
  await peer.setReachableByKey(true);
  return peer;
}

function logsOf(peer: Awaited<ReturnType<typeof startPeer>>): string[] {
  const logs: string[] = [];
  peer.on('log', (line) => logs.push(line));
  return logs;
}

/** A bare hyperdht stream to `key` with a fresh key pair, open (past the DHT's handshake): an attacker's. */
async function openRawDhtStream(bootstrap: { host: string; port: number }[], key: string): Promise<DhtStream> {
  const dht = new HyperDHT({ bootstrap, host: '127.0.0.1' });
  onCleanUp(() => dht.destroy());
  const stream = dht.connect(Buffer.from(key, 'hex'), { keyPair: HyperDHT.keyPair() });
  stream.on('error', () => {});
  await new Promise<void>((resolve) => stream.once('open', () => resolve()));
  return stream;
}

describe('reach by key over HyperDHT (local testnet)', () => {
  it('dials a peer by its key alone, chats both ways, and says the path is over the DHT', async () => {
    const bootstrap = await localTestnet();
    const alice = await dhtPeer('Alice', bootstrap);
    const bob = await dhtPeer('Bob', bootstrap);
    const bobSeesAlice = nextEvent(bob, 'connected');
    const info = await alice.connectKey(bob.id);
    expect(info).toMatchObject({ peer: bob.id, name: 'Bob', mode: 'secure', direction: 'outbound' });
    expect(['udp', 'holepunched']).toContain(info.path);
    const seen = await bobSeesAlice;
    expect(seen).toMatchObject({ peer: alice.id, direction: 'inbound', path: 'udp' });
    // The way back to a peer met over the DHT is its key, not the UDP address it came from.
    expect(decodeInvite(seen.dialAddress)).toEqual({ ok: true, value: { key: alice.id, addresses: [] } });

    const bobGets = nextEvent(bob, 'message');
    const delivered = nextEvent(alice, 'delivered');
    const id = alice.send(bob.id, 'hello over the DHT');
    expect(await bobGets).toMatchObject({ peer: alice.id, id, text: 'hello over the DHT' });
    expect(await delivered).toEqual({ peer: bob.id, id });
    const aliceGets = nextEvent(alice, 'message');
    bob.send(alice.id, 'and back');
    expect(await aliceGets).toMatchObject({ text: 'and back' });
  });

  it('says the key is not on the DHT when nobody announced it', async () => {
    const bootstrap = await localTestnet();
    const alice = await dhtPeer('Alice', bootstrap);
    const nobody = HyperDHT.keyPair().publicKey.toString('hex');
    await expect(alice.connectKey(nobody)).rejects.toMatchObject({ code: 'not-on-dht', message: expect.stringMatching(/is not on the DHT: the contact is offline/) });
  });

  it('refuses to dial by key while the DHT is off, in words', async () => {
    const alice = await startPeer('Alice');
    await expect(alice.connectKey('ab'.repeat(32))).rejects.toMatchObject({ code: 'dht-off' });
  });

  it('a key holder that pipes the DHT stream to another Peerline cannot pass that Peerline off as itself: no session opens (the session is the DHT stream the dialed key proved)', async () => {
    const bootstrap = await localTestnet();
    const alice = await dhtPeer('Alice', bootstrap);
    const mallory = await startPeer('Mallory');
    // Someone announces key K on the DHT and pipes the stream to a Peerline with another identity.
    const dht = new HyperDHT({ bootstrap, host: '127.0.0.1' });
    onCleanUp(() => dht.destroy());
    const claimed = HyperDHT.keyPair();
    const net = await import('node:net');
    const server = dht.createServer({}, (stream) => {
      const tcp = net.connect({ host: '127.0.0.1', port: mallory.port });
      stream.on('error', () => tcp.destroy());
      tcp.on('error', () => stream.destroy());
      stream.pipe(tcp).pipe(stream);
    });
    await server.listen(claimed);
    onCleanUp(() => server.close());
    // Mallory's Peerline hears a hello with no preface (not a Peerline session); Alice never gets a hello back.
    await expect(alice.connectKey(claimed.publicKey.toString('hex'))).rejects.toMatchObject({ code: expect.stringMatching(/^(handshake|timeout|closed)$/) });
    expect(alice.peers()).toEqual([]);
    expect(mallory.peers().filter((peer) => peer.mode === 'secure')).toEqual([]);
  });

  it('racing the LAN address and the DHT for a known peer ends with one session on each side', async () => {
    const bootstrap = await localTestnet();
    const alice = await dhtPeer('Alice', bootstrap);
    const bob = await dhtPeer('Bob', bootstrap);
    const info = await alice.connectKey(bob.id, [`127.0.0.1:${bob.port}`]);
    expect(info.peer).toBe(bob.id);
    await waitUntil(() => bob.peers().length === 1, 'Bob has the session');
    // Nothing else opens later: both keep the one session (no duplicate to break).
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(alice.peers()).toHaveLength(1);
    expect(bob.peers()).toHaveLength(1);
    expect(bob.peers()[0].path).toBe(info.path);
  });

  it('a peer reached by TCP and by the DHT at once ends with one session (the usual tie-break)', async () => {
    const bootstrap = await localTestnet();
    const alice = await dhtPeer('Alice', bootstrap);
    const bob = await dhtPeer('Bob', bootstrap);
    await Promise.allSettled([alice.connect('127.0.0.1', bob.port), bob.connectKey(alice.id)]);
    await waitUntil(() => alice.peers().length === 1 && bob.peers().length === 1, 'both have one session');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(alice.peers()).toHaveLength(1);
    expect(bob.peers()).toHaveLength(1);
    expect(alice.peers()[0].path).toBe(bob.peers()[0].path);
  });

  it('stops announcing and closes the DHT sockets on close', async () => {
    const bootstrap = await localTestnet();
    const alice = await dhtPeer('Alice', bootstrap);
    const bob = await dhtPeer('Bob', bootstrap);
    await alice.connectKey(bob.id);
    await bob.close();
    expect(bob.reachableByKey).toBe(false);
    await expect(alice.connectKey(bob.id)).rejects.toMatchObject({ code: 'not-on-dht' });
  });

  it.each([
    ['a huge length prefix (16 MiB)', 0xffffff],
    ['a length just past one message (the stream carries one of our messages a frame)', MAX_ENCRYPTED_FRAME_BYTES + 1],
  ])('caps the frames of the DHT stream itself: %s closes that stream before any allocation', async (_, length) => {
    const bootstrap = await localTestnet();
    const alice = await dhtPeer('Alice', bootstrap);
    const logs = logsOf(alice);
    const stream = await openRawDhtStream(bootstrap, alice.id);
    // Past the DHT's handshake, the attacker writes a raw 24-bit length under the secret stream.
    (stream.rawStream as unknown as { write(bytes: Buffer): void }).write(Buffer.from([length & 0xff, (length >> 8) & 0xff, length >> 16]));
    await new Promise<void>((resolve) => stream.once('close', () => resolve()));
    await waitUntil(() => logs.some((line) => /exceeds the cap/.test(line)), 'Alice logs the capped frame');
    expect(alice.peers()).toEqual([]);
  });

  it('a DHT peer whose first message is not a hello (an older Peerline\'s preface, a truncated hello) is closed with a reason; the next one is served', async () => {
    const bootstrap = await localTestnet();
    const alice = await dhtPeer('Alice', bootstrap);
    const logs = logsOf(alice);
    const hello = encodeMessage({ type: 'hello', protocolVersion: 1, name: 'M', appVersion: '1', listenPort: 0, capabilities: [] });
    for (const first of [Buffer.from(encodePreface()), Buffer.from(hello.subarray(0, hello.length - 3))]) {
      const stream = await openRawDhtStream(bootstrap, alice.id);
      stream.write(first);
      await new Promise<void>((resolve) => stream.once('close', () => resolve()));
    }
    await waitUntil(() => logs.filter((line) => /turned away 127\.0\.0\.1:\d+: protocol error/.test(line)).length === 2, 'Alice turns both away');
    const bob = await dhtPeer('Bob', bootstrap);
    expect(await bob.connectKey(alice.id)).toMatchObject({ peer: alice.id, mode: 'secure' });
  });

  it('DHT arrivals take the same pending slots as TCP ones: over the limit they are refused', async () => {
    const bootstrap = await localTestnet();
    const alice = await startPeer('Alice', { dhtBootstrap: bootstrap, limits: { maxPendingConnections: 1 } });
    await alice.setReachableByKey(true);
    const logs: string[] = [];
    alice.on('log', (line) => logs.push(line));
    const dht = new HyperDHT({ bootstrap, host: '127.0.0.1' });
    onCleanUp(() => dht.destroy());
    // Two silent streams (they never send the preface): the second finds the one pending slot taken.
    for (let i = 0; i < 2; i++) {
      const stream = dht.connect(Buffer.from(alice.id, 'hex'), { keyPair: HyperDHT.keyPair() });
      stream.on('error', () => {});
    }
    await waitUntil(() => logs.some((line) => /refused a connection from 127\.0\.0\.1:\d+: too many connections still handshaking/.test(line)), 'Alice refuses the second');
  });

  it('bootstrap nodes that never answer: becoming reachable fails with a sentence, and the peer carries on over TCP', async () => {
    // A UDP port on 127.0.0.1 that nobody reads: the DHT's bootstrap never answers.
    const dgram = await import('node:dgram');
    const silent = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', () => resolve()));
    onCleanUp(() => new Promise<void>((resolve) => silent.close(() => resolve())));
    silent.on('message', () => {});
    const alice = await startPeer('Alice', { dhtBootstrap: [{ host: '127.0.0.1', port: silent.address().port }] });
    const { DhtTransport } = await import('../../electron/core/dht/dht-transport');
    const transport = new DhtTransport({ identity: alice.identity, bootstrap: [{ host: '127.0.0.1', port: silent.address().port }], onConnection: () => {} });
    await expect(transport.start(1_000)).rejects.toThrow(/did not answer within 1 s/);
    await transport.stop();
    const bob = await startPeer('Bob');
    await expect(alice.connect('127.0.0.1', bob.port)).resolves.toMatchObject({ peer: bob.id, path: 'tcp' });
  });

  it('the app\'s DHT relay setting: none by default, refused when not a key, kept across a restart, and used by the running DHT', async () => {
    const bootstrap = await localTestnet();
    const relay = await blindRelay(bootstrap);
    const first = await openApp({ dhtBootstrap: bootstrap, reachableByKey: true });
    expect((await first.handlers['settings:get']({})).dhtRelay).toBe('');
    expect((await first.handlers['node:doctor']({})).dht).toMatchObject({ relay: null, reachability: expect.any(String) });
    for (const hostile of ['zz'.repeat(32), 'ab'.repeat(31), 'ab'.repeat(5000), 42, null]) {
      expect(await dispatch(first.handlers, 'settings:set', { dhtRelay: hostile })).toMatchObject({ ok: false });
    }
    expect((await first.handlers['settings:get']({})).dhtRelay).toBe('');

    const upper = relay.key.toUpperCase();
    expect(await first.handlers['settings:set']({ dhtRelay: upper })).toMatchObject({ dhtRelay: relay.key });
    expect((await first.handlers['node:doctor']({})).dht).toMatchObject({ announced: true, relay: relay.key });
    await first.service.close();

    const again = await openApp({ dataDir: first.dataDir, dhtBootstrap: bootstrap, reachableByKey: true });
    expect((await again.handlers['settings:get']({})).dhtRelay).toBe(relay.key);
    expect((await again.handlers['node:doctor']({})).dht).toMatchObject({ relay: relay.key });
    expect(await again.handlers['settings:set']({ dhtRelay: '' })).toMatchObject({ dhtRelay: '' });
    expect((await again.handlers['node:doctor']({})).dht).toMatchObject({ announced: true, relay: null });
  }, 60_000);
});
