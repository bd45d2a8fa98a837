import { afterEach, describe, expect, it } from 'vitest';
import { BULK_CREDIT_WINDOW_BYTES } from '../../shared/protocol/limits';
import { CHUNK_CHANNEL, chunkOf } from '../helpers/channels';
import { cleanUp, nextEvent, startPeer, waitUntil, type TestPeer } from '../helpers/peers';

afterEach(cleanUp);

/** A peer that also speaks the chunk channel, counting what arrives on it. */
async function peerWithChunks(name: string): Promise<{ peer: TestPeer; received: () => number }> {
  let received = 0;
  const peer = await startPeer(name);
  peer.channel(CHUNK_CHANNEL, {
    message: (_session, chunk) => {
      received += chunk.byteLength;
    },
  });
  return { peer, received: () => received };
}

describe('wire channels', () => {
  it('a channel both peers speak carries its messages, beside chat', async () => {
    const alice = await peerWithChunks('Alice');
    const bob = await peerWithChunks('Bob');
    await alice.peer.connect('127.0.0.1', bob.peer.port);
    const session = alice.peer.session(bob.peer.id, CHUNK_CHANNEL)!;
    expect(session.send(chunkOf(1_000))).toBe(true);
    expect(await session.sendBulk(chunkOf(50_000))).toBe(true);
    await waitUntil(() => bob.received() === 51_000, 'both chunks arrive');
    const gets = nextEvent(bob.peer, 'message');
    alice.peer.send(bob.peer.id, 'and chat still works');
    expect((await gets).text).toBe('and chat still works');
  });

  it('a peer without a channel does not get that feature, and still chats', async () => {
    const alice = await peerWithChunks('Alice');
    const bob = await startPeer('Bob');
    await alice.peer.connect('127.0.0.1', bob.port);
    expect(alice.peer.session(bob.id, CHUNK_CHANNEL)).toBeNull();
    const gets = nextEvent(bob, 'message');
    alice.peer.send(bob.id, 'hello without chunks');
    expect((await gets).text).toBe('hello without chunks');
  });

  it('a chat sent during a bulk transfer overtakes it: at most a credit window of bulk arrives first', async () => {
    const alice = await peerWithChunks('Alice');
    const bob = await peerWithChunks('Bob');
    await alice.peer.connect('127.0.0.1', bob.peer.port);
    const session = alice.peer.session(bob.peer.id, CHUNK_CHANNEL)!;
    const chunk = chunkOf(64 * 1024);
    let pumping = true;
    const pump = (async () => {
      while (pumping && (await session.sendBulk(chunk)));
    })();
    // Enough bulk that every buffer on the way is full when the chat is sent.
    await waitUntil(() => bob.received() >= 4 * BULK_CREDIT_WINDOW_BYTES, 'the transfer is well under way');
    let bulkAheadOfChat = -1;
    const before = bob.received();
    const gets = nextEvent(bob.peer, 'message').then(() => (bulkAheadOfChat = bob.received() - before));
    alice.peer.send(bob.peer.id, 'quick question');
    await gets;
    pumping = false;
    await pump;
    // All that may arrive first is what was in flight: the credit window (and the frame being written).
    expect(bulkAheadOfChat).toBeLessThanOrEqual(BULK_CREDIT_WINDOW_BYTES + chunk.byteLength);
  });

  it('a bulk producer waits while the session is congested, and learns when the session ends', async () => {
    const alice = await peerWithChunks('Alice');
    const bob = await peerWithChunks('Bob');
    await alice.peer.connect('127.0.0.1', bob.peer.port);
    const session = alice.peer.session(bob.peer.id, CHUNK_CHANNEL)!;
    const queued = Array.from({ length: 40 }, () => session.sendBulk(chunkOf(64 * 1024)));
    expect(session.congested).toBe(true);
    await session.drained();
    expect(await Promise.all(queued)).toEqual(queued.map(() => true));
    const gone = nextEvent(alice.peer, 'disconnected');
    await bob.peer.close();
    await gone;
    expect(await session.sendBulk(chunkOf(10))).toBe(false);
    expect(session.send(chunkOf(10))).toBe(false);
  });

  it('a receiver that is slow to finish with bulk (a slow disk) holds the sender to one credit window ahead of it', async () => {
    const alice = await peerWithChunks('Alice');
    const bob = await startPeer('Bob');
    let finished = 0;
    bob.channel(CHUNK_CHANNEL, {
      message: async (_session, chunk) => {
        await new Promise((resolve) => setTimeout(resolve, 2));
        finished += chunk.byteLength;
      },
    });
    await alice.peer.connect('127.0.0.1', bob.port);
    const session = alice.peer.session(bob.id, CHUNK_CHANNEL)!;
    const chunk = chunkOf(32 * 1024);
    let written = 0;
    let furthestAhead = 0;
    for (let i = 0; i < 96; i++) {
      expect(await session.sendBulk(chunk)).toBe(true);
      written += chunk.byteLength;
      furthestAhead = Math.max(furthestAhead, written - finished);
    }
    await waitUntil(() => finished === written, 'the receiver finishes every chunk');
    expect(furthestAhead).toBeLessThanOrEqual(BULK_CREDIT_WINDOW_BYTES + chunk.byteLength);
    expect(furthestAhead).toBeGreaterThan(BULK_CREDIT_WINDOW_BYTES / 2);
  });
});
