import { afterEach, describe, expect, it } from 'vitest';
import { readFile, stat } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { loadOrCreateIdentity } from '../../electron/core/identity';
import { DialError } from '../../electron/core/errors';
import { freePort, rawServer } from '../helpers/net';
import { cleanUp, collect, nextEvent, onCleanUp, startPeer, tempDir, waitUntil } from '../helpers/peers';

afterEach(cleanUp);

describe('two peers over 127.0.0.1', () => {
  it('connect, exchange messages both ways and see them delivered', async () => {
    const alice = await startPeer('Alice');
    const bob = await startPeer('Bob');
    const bobSeesAlice = nextEvent(bob, 'connected');
    const info = await alice.connect('127.0.0.1', bob.port);
    expect(info).toMatchObject({ peer: bob.id, id: bob.id, mode: 'secure', name: 'Bob', direction: 'outbound' });
    expect(info.fingerprint).toBe(bob.identity.fingerprint);
    // Alice dialed from a passing port; the address to dial her back is the port she listens on.
    expect(await bobSeesAlice).toMatchObject({ peer: alice.id, name: 'Alice', mode: 'secure', direction: 'inbound', dialAddress: `127.0.0.1:${alice.port}` });

    const bobGets = nextEvent(bob, 'message');
    const aliceDelivered = nextEvent(alice, 'delivered');
    const id = alice.send(bob.id, 'hello Bob ✓');
    expect(await bobGets).toMatchObject({ peer: alice.id, id, text: 'hello Bob ✓' });
    expect(await aliceDelivered).toEqual({ peer: bob.id, id });

    const aliceGets = nextEvent(alice, 'message');
    const bobDelivered = nextEvent(bob, 'delivered');
    const reply = bob.send(alice.id, 'hi Alice');
    expect(await aliceGets).toMatchObject({ peer: bob.id, id: reply, text: 'hi Alice' });
    expect(await bobDelivered).toEqual({ peer: alice.id, id: reply });
  });

  it('delivers many messages in order, each once', async () => {
    const alice = await startPeer('Alice');
    const bob = await startPeer('Bob');
    await alice.connect('127.0.0.1', bob.port);
    const received = collect(bob, 'message');
    const delivered = collect(alice, 'delivered');
    const ids = Array.from({ length: 500 }, (_, i) => alice.send(bob.id, `message ${i}`));
    await waitUntil(() => delivered.length === ids.length, 'all 500 are delivered');
    expect(received.map((m) => m.id)).toEqual(ids);
    expect(received.map((m) => m.text)).toEqual(ids.map((_, i) => `message ${i}`));
  });

  it('tells the other side with a reason when a peer quits', async () => {
    const alice = await startPeer('Alice');
    const bob = await startPeer('Bob');
    await alice.connect('127.0.0.1', bob.port);
    await waitUntil(() => bob.peers().length === 1, 'Bob sees Alice');
    const gone = nextEvent(alice, 'disconnected');
    await bob.close();
    expect(await gone).toEqual({ peer: bob.id, reason: 'the peer left (quit)', byPeerUser: false });
    expect(alice.peers()).toEqual([]);
  });

  it('a disconnect by the person says so in the bye, so the other side knows not to dial back', async () => {
    const alice = await startPeer('Alice');
    const bob = await startPeer('Bob');
    await alice.connect('127.0.0.1', bob.port);
    await waitUntil(() => bob.peers().length === 1, 'Bob sees Alice');
    const bobSees = nextEvent(bob, 'disconnected');
    const aliceSees = nextEvent(alice, 'disconnected');
    await alice.disconnect(bob.id);
    expect(await bobSees).toEqual({ peer: alice.id, reason: 'the peer left (closed by the user)', byPeerUser: true });
    expect(await aliceSees).toEqual({ peer: bob.id, reason: 'closed by the user', byPeerUser: false });
  });

  it('passes typing notices', async () => {
    const alice = await startPeer('Alice');
    const bob = await startPeer('Bob');
    await alice.connect('127.0.0.1', bob.port);
    await waitUntil(() => bob.peers().length === 1, 'Bob sees Alice');
    const typing = nextEvent(bob, 'typing');
    alice.setTyping(bob.id, true);
    expect(await typing).toEqual({ peer: alice.id, active: true });
  });

  it('refuses an empty message and one over 64 KiB, and sending to nobody', async () => {
    const alice = await startPeer('Alice');
    const bob = await startPeer('Bob');
    await alice.connect('127.0.0.1', bob.port);
    expect(() => alice.send(bob.id, '')).toThrow('The message is empty.');
    expect(() => alice.send(bob.id, 'x'.repeat(64 * 1024 + 1))).toThrow('at most 64 KiB');
    expect(() => alice.send('nobody', 'hi')).toThrow('Not connected to nobody.');
    const gets = nextEvent(bob, 'message');
    alice.send(bob.id, 'y'.repeat(64 * 1024));
    expect((await gets).text.length).toBe(64 * 1024);
  });
});

describe('IPv6', () => {
  it('peers chat over [::1], and addresses are written with brackets', async () => {
    const alice = await startPeer('Alice', { host: '::1' });
    const bob = await startPeer('Bob', { host: '::1' });
    const info = await alice.connect('::1', bob.port);
    expect(info.address).toBe(`[::1]:${bob.port}`);
    expect(bob.dialableAddresses()).toEqual([`[::1]:${bob.port}`]);
    const gets = nextEvent(bob, 'message');
    alice.send(bob.id, 'over IPv6');
    expect((await gets).text).toBe('over IPv6');
  });
});

describe('three peers', () => {
  it('each pair chats over its own session', async () => {
    const [a, b, c] = await Promise.all([startPeer('A'), startPeer('B'), startPeer('C')]);
    await a.connect('127.0.0.1', b.port);
    await b.connect('127.0.0.1', c.port);
    await c.connect('127.0.0.1', a.port);
    for (const [from, to] of [[a, b], [b, c], [c, a], [b, a], [c, b], [a, c]] as const) {
      const gets = nextEvent(to, 'message', (m) => m.peer === from.id);
      const delivered = nextEvent(from, 'delivered', (d) => d.peer === to.id);
      from.send(to.id, `from ${from.displayName} to ${to.displayName}`);
      expect((await gets).text).toBe(`from ${from.displayName} to ${to.displayName}`);
      await delivered;
    }
    expect(a.peers().map((p) => p.peer).sort()).toEqual([b.id, c.id].sort());
  });
});

describe('simultaneous dials', () => {
  it('two identities that dial each other at once end up with exactly one session', async () => {
    for (let round = 0; round < 10; round++) {
      const alice = await startPeer('Alice');
      const bob = await startPeer('Bob');
      const [fromAlice, fromBob] = await Promise.all([alice.connect('127.0.0.1', bob.port), bob.connect('127.0.0.1', alice.port)]);
      expect(fromAlice.peer).toBe(bob.id);
      expect(fromBob.peer).toBe(alice.id);
      await waitUntil(
        () => (alice as unknown as { connections: Set<unknown> }).connections.size === 1 && (bob as unknown as { connections: Set<unknown> }).connections.size === 1,
        'each side has one connection',
      );
      const [aliceSide] = alice.peers();
      const [bobSide] = bob.peers();
      // The same TCP connection seen from both ends: one side dialed it, the other accepted it.
      expect(new Set([aliceSide!.direction, bobSide!.direction])).toEqual(new Set(['inbound', 'outbound']));
      const gets = nextEvent(bob, 'message');
      alice.send(bob.id, `round ${round}`);
      expect((await gets).text).toBe(`round ${round}`);
      await cleanUp();
    }
  });
});

describe('memory of peers', () => {
  it('remembers nothing of 300 peers that came and went with nothing waiting', async () => {
    const server = await startPeer('Server');
    const current = (server as unknown as { current: Map<string, unknown> }).current;
    const unacked = (server.chat as unknown as { unacked: Map<string, unknown> }).unacked;
    const first = await startPeer('First');
    await first.connect('127.0.0.1', server.port);
    await first.close();
    await waitUntil(() => server.peers().length === 0, 'the first peer is gone');
    for (let i = 0; i < 300; i++) {
      const stranger = await startPeer(`Stranger ${i}`);
      await stranger.connect('127.0.0.1', server.port);
      await stranger.close();
    }
    const connections = (server as unknown as { connections: Set<unknown> }).connections;
    await waitUntil(() => connections.size === 0, 'every stranger is gone');
    expect(current.size).toBe(0);
    expect(unacked.size).toBe(0);
  });
});

describe('dial failures say what happened', () => {
  it('refused: nobody is listening', async () => {
    const alice = await startPeer('Alice');
    const port = await freePort();
    await expect(alice.connect('127.0.0.1', port)).rejects.toMatchObject({ code: 'refused', message: `Nobody is listening at 127.0.0.1:${port}.` });
  });

  it('name not found', async () => {
    const alice = await startPeer('Alice');
    await expect(alice.connect('no-such-host.invalid', 8000)).rejects.toMatchObject({ code: 'not-found' });
  });

  it('not a Peerline peer: a server that answers in plain text', async () => {
    const port = await rawServer((socket) => socket.once('data', () => socket.end('HTTP/1.0 400 Bad Request\r\n\r\n')));
    const alice = await startPeer('Alice');
    await expect(alice.connect('127.0.0.1', port)).rejects.toMatchObject({ code: 'not-peerline' });
  });

  it('protocol version not supported', async () => {
    const preface = Buffer.from([0x00, 0x50, 0x4c, 0x4e, 0x0d, 0x0a, 0x1a, 0x0a, 99, 0]);
    const port = await rawServer((socket) => socket.once('data', () => socket.end(preface)));
    const alice = await startPeer('Alice');
    const failure = alice.connect('127.0.0.1', port);
    await expect(failure).rejects.toBeInstanceOf(DialError);
    await expect(failure).rejects.toMatchObject({ code: 'version' });
  });

  it('handshake failed: the right preface, then garbage', async () => {
    const preface = Buffer.from([0x00, 0x50, 0x4c, 0x4e, 0x0d, 0x0a, 0x1a, 0x0a, 1, 0]);
    const garbage = Buffer.concat([Buffer.from([40, 0, 0]), Buffer.alloc(40, 7)]);
    const port = await rawServer((socket) => socket.once('data', () => socket.write(Buffer.concat([preface, garbage]))));
    const alice = await startPeer('Alice');
    await expect(alice.connect('127.0.0.1', port)).rejects.toMatchObject({ code: 'handshake' });
  });

  it('a peer that accepts and never answers hits the handshake deadline', async () => {
    const port = await rawServer(() => {});
    const alice = await startPeer('Alice', { timeouts: { handshakeMs: 300, prefaceSniffMs: 100 } });
    await expect(alice.connect('127.0.0.1', port)).rejects.toMatchObject({ code: 'timeout' });
  });

  it('dialing itself is refused', async () => {
    const alice = await startPeer('Alice');
    await expect(alice.connect('127.0.0.1', alice.port)).rejects.toMatchObject({ code: 'handshake', message: 'That address is this Peerline itself.' });
  });

  it('cancelling a pending dial', async () => {
    const port = await rawServer(() => {});
    const alice = await startPeer('Alice');
    const controller = new AbortController();
    const dial = alice.connect('127.0.0.1', port, 'secure', controller.signal);
    setTimeout(() => controller.abort(), 50);
    await expect(dial).rejects.toMatchObject({ code: 'cancelled' });
  });
});

describe('identity', () => {
  it('is made once with mode 0600 and reused', async () => {
    const dir = await tempDir();
    const first = await loadOrCreateIdentity(dir);
    const second = await loadOrCreateIdentity(dir);
    expect(second.id).toBe(first.id);
    expect(first.id).toMatch(/^[0-9a-f]{64}$/);
    expect(first.fingerprint).toMatch(/^[A-Z2-7]{4}( [A-Z2-7]{4}){3}$/);
    const file = path.join(dir, 'identity.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, 'utf8')).publicKey).toBe(first.id);
  });

  it('a damaged identity file is an error, never silently replaced', async () => {
    const dir = await tempDir();
    await loadOrCreateIdentity(dir);
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path.join(dir, 'identity.json'), '{"version":1,"publicKey":"zz"');
    await expect(loadOrCreateIdentity(dir)).rejects.toThrow(/damaged/);
  });
});

describe('listening', () => {
  it('takes the next port when the one asked for is taken', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    onCleanUp(() => new Promise((resolve) => blocker.close(() => resolve())));
    const taken = (blocker.address() as net.AddressInfo).port;
    const node = await startPeer('Alice', { port: taken });
    expect(node.port).toBeGreaterThan(taken);
    expect(node.port).toBeLessThanOrEqual(taken + 19);
  });
});
