import { afterEach, describe, expect, it } from 'vitest';
import { cleanUp, collect, nextEvent, onCleanUp, startPeer, waitUntil } from '../helpers/peers';
import { Relay } from '../helpers/relay';

afterEach(cleanUp);

/** Alice reaches Bob through a relay the test can break. */
async function throughRelay() {
  const alice = await startPeer('Alice');
  const bob = await startPeer('Bob');
  const relay = await Relay.start(bob.port);
  onCleanUp(() => relay.close());
  await alice.connect('127.0.0.1', relay.port);
  await waitUntil(() => bob.peers().length === 1, 'Bob sees Alice');
  return { alice, bob, relay };
}

async function reconnect(alice: Awaited<ReturnType<typeof throughRelay>>['alice'], relay: Relay, bobId: string) {
  await waitUntil(() => alice.peers().length === 0, 'Alice sees the cut');
  const back = await alice.connect('127.0.0.1', relay.port);
  expect(back.peer).toBe(bobId);
}

describe('delivery across a broken connection', () => {
  it('messages that arrived but whose acks were lost are resent and shown once', async () => {
    const { alice, bob, relay } = await throughRelay();
    const received = collect(bob, 'message');
    const delivered = collect(alice, 'delivered');
    relay.dropBackward = true;
    const ids = Array.from({ length: 300 }, (_, i) => alice.send(bob.id, `before the cut ${i}`));
    await waitUntil(() => received.length === ids.length, 'Bob has all 300');
    expect(delivered).toEqual([]);

    relay.cut();
    relay.dropBackward = false;
    await reconnect(alice, relay, bob.id);
    await waitUntil(() => delivered.length === ids.length, 'Alice sees all 300 delivered after resending');

    expect(received.map((m) => m.id)).toEqual(ids);
    expect(new Set(delivered.map((d) => d.id))).toEqual(new Set(ids));
  });

  it('a cut in the middle of a stream: every acked message is delivered exactly once, and the rest arrive after reconnecting', async () => {
    const { alice, bob, relay } = await throughRelay();
    const received = collect(bob, 'message');
    const delivered = collect(alice, 'delivered');
    const ids: string[] = [];
    // Cut after some of the stream has crossed, wherever that falls in a message.
    const cutAfterBytes = 40_000 + Math.floor(Math.random() * 20_000);
    const bytesForward = () => relay.forward.reduce((sum, chunk) => sum + chunk.length, 0);
    for (let i = 0; i < 1_000 && alice.peers().length === 1; i++) {
      ids.push(alice.send(bob.id, `message ${i} `.padEnd(100, '.')));
      if (i % 50 === 49) await new Promise((resolve) => setImmediate(resolve));
      if (bytesForward() > cutAfterBytes) relay.cut();
    }
    relay.cut();
    const deliveredBeforeReconnect = delivered.map((d) => d.id);

    await reconnect(alice, relay, bob.id);
    await waitUntil(() => delivered.length === ids.length, 'every message sent is delivered');

    const receivedIds = received.map((m) => m.id!);
    expect(new Set(receivedIds).size).toBe(receivedIds.length); // nothing shown twice
    expect(new Set(receivedIds)).toEqual(new Set(ids)); // nothing lost
    for (const id of deliveredBeforeReconnect) expect(receivedIds).toContain(id);
    expect(deliveredBeforeReconnect.length).toBeLessThan(ids.length); // the cut really interrupted the stream
  });

  it('a peer that disappears without a word is detected by keepalive', async () => {
    const alice = await startPeer('Alice', { timeouts: { keepAliveMs: 100, deadPeerMs: 400 } });
    const bob = await startPeer('Bob');
    const relay = await Relay.start(bob.port);
    onCleanUp(() => relay.close());
    await alice.connect('127.0.0.1', relay.port);
    // The relay stops passing anything back, but keeps the TCP connection up: only keepalive can notice.
    relay.dropBackward = true;
    const gone = await nextEvent(alice, 'disconnected');
    expect(gone.reason).toMatch(/stopped answering/);
  });
});
