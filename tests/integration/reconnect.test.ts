import { afterEach, describe, expect, it } from 'vitest';
import { parsePeerAddress } from '../../shared/address';
import { loadOrCreateIdentity } from '../../electron/core/identity';

import { Reconnector } from '../../electron/core/reconnector';
import { freePort } from '../helpers/net';
import { cleanUp, nextEvent, onCleanUp, startPeer, tempDir, waitUntil, type TestPeer } from '../helpers/peers';

afterEach(cleanUp);

const timeouts = { reconnectInitialMs: 20, reconnectMaxMs: 80, connectMs: 500, handshakeMs: 1_000 };

/** A reconnector wired to `node` the way the app wires it: its dial is `connect`, its news the node's events. */
function reconnectorFor(node: TestPeer) {
  const dialed: string[] = [];
  const reconnector = new Reconnector({
    dial: async (peer, address, signal) => {
      dialed.push(address);
      const parsed = parsePeerAddress(address);
      if (!parsed.ok) throw new Error(parsed.error);
      const info = await node.connect(parsed.host, parsed.port, 'secure', signal);
      if (info.peer !== peer) throw new Error(`someone else answers at ${address}`);
    },
    backoff: { initialMs: node.timeouts.reconnectInitialMs, maxMs: node.timeouts.reconnectMaxMs },
  });
  node.on('connected', ({ peer }) => reconnector.connected(peer));
  node.on('disconnected', ({ peer }) => reconnector.disconnected(peer));
  onCleanUp(() => reconnector.close());
  return { reconnector, dialed };
}

describe('reconnecting over real sockets', () => {
  it('a node reaches a known contact by itself once the contact starts listening, and again after it restarts', async () => {
    const bobIdentity = await loadOrCreateIdentity(await tempDir());
    const port = await freePort();
    const alice = await startPeer('Alice', { timeouts });
    const { reconnector, dialed } = reconnectorFor(alice);

    reconnector.track(bobIdentity.id, [`127.0.0.1:${port}`]);
    await waitUntil(() => dialed.length >= 4, 'Alice tries a few times while Bob is down', 5_000);
    expect(alice.peers()).toEqual([]);
    expect(reconnector.dialing(bobIdentity.id) || reconnector.nextRetryAt(bobIdentity.id) !== undefined).toBe(true);

    const aliceSeesBob = nextEvent(alice, 'connected', (info) => info.peer === bobIdentity.id, 5_000);
    const bob = await startPeer('Bob', { identity: bobIdentity, port });
    expect(bob.port).toBe(port);
    const upAt = Date.now();
    await aliceSeesBob;
    // At most the cap (80 ms) to the next try, plus the dial: well within a few backoff periods.
    expect(Date.now() - upAt).toBeLessThan(1_000);
    await waitUntil(() => !reconnector.dialing(bob.id), 'the try that connected is over');
    expect(reconnector.nextRetryAt(bob.id)).toBeUndefined();

    // Bob restarts: Alice starts over from the initial delay and finds him again.
    const aliceLosesBob = nextEvent(alice, 'disconnected', (d) => d.peer === bob.id);
    await bob.close();
    await aliceLosesBob;
    const aliceSeesBobAgain = nextEvent(alice, 'connected', (info) => info.peer === bob.id, 5_000);
    await startPeer('Bob again', { identity: bobIdentity, port });
    await aliceSeesBobAgain;
  });

  it('tries the addresses in order, most recent first, and stops at the one that connects', async () => {
    const bob = await startPeer('Bob');
    const alice = await startPeer('Alice', { timeouts });
    const { reconnector, dialed } = reconnectorFor(alice);
    const gone = await freePort();
    const connected = nextEvent(alice, 'connected', (info) => info.peer === bob.id, 5_000);
    reconnector.track(bob.id, [`127.0.0.1:${gone}`, `127.0.0.1:${bob.port}`, `127.0.0.1:${gone}`]);
    await connected;
    await waitUntil(() => !reconnector.dialing(bob.id), 'the try is over');
    expect(dialed).toEqual([`127.0.0.1:${gone}`, `127.0.0.1:${bob.port}`]);
  });
});
