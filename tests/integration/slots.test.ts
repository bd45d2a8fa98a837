/**
 * Connection slots under attack (issue 13, failure 2), against a real TestPeer over 127.0.0.0/8: raw sockets bound
 * to different loopback source addresses stand for many attacking hosts. Limits are small so every loop is short;
 * the node's rules are the same at the default limits.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { encodePreface } from '../../shared/protocol/preface';
import net from 'node:net';
import { cleanUp, collect, exchange, onCleanUp, startPeer, waitUntil, type TestPeer } from '../helpers/peers';
import { frameOf, LOCALHOST, openRaw, sleep, startTrickle, within, type RawClient } from '../helpers/raw';

afterEach(cleanUp);

/** `count` raw sockets from `127.0.0.<host>`, opened one after the other (so their ages are in that order). */
async function openFrom(port: number, host: number, count: number): Promise<RawClient[]> {
  const clients: RawClient[] = [];
  for (let i = 0; i < count; i++) clients.push(await openRaw(port, `127.0.0.${host}`));
  return clients;
}

/** A node whose contacts are the keys in the returned set. */
async function nodeWithContacts(opts: Parameters<typeof startPeer>[1]): Promise<{ node: TestPeer; contacts: Set<string> }> {
  const contacts = new Set<string>();
  const node = await startPeer('Node', { ...opts, isContact: (key) => contacts.has(key) });
  return { node, contacts };
}

function evictions(logs: string[]): string[] {
  return logs.filter((line) => line.startsWith('evicted'));
}

describe('connection slots', () => {
  it('silent sockets from many addresses fill every slot: the node still dials its contact and a friend still dials in', async () => {
    const { node, contacts } = await nodeWithContacts({
      limits: { maxInboundConnections: 32, maxPendingConnections: 32, maxConnectionsPerAddress: 16 },
      // Silent sockets become plain-text peers quickly, and stay (the idle timeouts are far away).
      timeouts: { prefaceSniffMs: 100 },
    });
    const carol = await startPeer('Carol');
    const fred = await startPeer('Fred');
    contacts.add(carol.id);
    contacts.add(fred.id);
    const logs = collect(node, 'log');

    // 32 silent sockets, 4 from each of 127.0.0.2 … 127.0.0.9: every inbound slot.
    const silent = (await Promise.all(Array.from({ length: 8 }, (_, i) => openFrom(node.port, 2 + i, 4)))).flat();
    await waitUntil(() => node.peers().filter((p) => p.mode === 'plain').length === 32, 'the silent sockets are plain-text peers', 5_000);

    // Our own dial has its own budget.
    await node.connect(LOCALHOST, carol.port);
    await exchange(node, carol, 'dialed through the storm');
    // A friend dialing in takes the slot of a silent stranger from a crowded address.
    await fred.connect(LOCALHOST, node.port);
    await exchange(fred, node, 'dialed in through the storm');

    await waitUntil(() => silent.filter((c) => c.isClosed()).length === 1, 'one silent socket is evicted', 2_000);
    expect(evictions(logs)).toHaveLength(1);
    expect(evictions(logs)[0]).toMatch(/evicted plain 127\.0\.0\.\d:\d+ \(.*\) for a newcomer from 127\.0\.0\.1/);
    await sleep(200);
    expect(silent.filter((c) => c.isClosed())).toHaveLength(1);
  });

  it('a slowloris on the handshake slots (real preface, then a byte now and then) from a dozen addresses: a friend still gets in; the slow ones are evicted, most-crowded address first', async () => {
    const { node, contacts } = await nodeWithContacts({
      limits: { maxPendingConnections: 16, maxInboundConnections: 64 },
      // A deadline far beyond the test: only eviction frees these slots here.
      timeouts: { handshakeMs: 30_000 },
    });
    const fred = await startPeer('Fred');
    contacts.add(fred.id);
    const logs = collect(node, 'log');
    const slow = async (host: number, count: number) => {
      const clients = await openFrom(node.port, host, count);
      for (const client of clients) {
        client.socket.write(encodePreface());
        // A plausible Noise message 1, one byte every 300 ms: it would take 10 s.
        startTrickle(client, Buffer.concat([frameOf(32), randomBytes(32)]), 300);
      }
      return clients;
    };
    // 16 slow handshakes from 12 addresses: 4 from .2, 2 from .3, one from each of .4 … .13.
    const crowded = await slow(2, 4);
    const second = await slow(3, 2);
    const singles = (await Promise.all(Array.from({ length: 10 }, (_, i) => slow(4 + i, 1)))).flat();
    const all = [...crowded, ...second, ...singles];
    await sleep(100);
    expect(all.filter((c) => c.isClosed())).toEqual([]);

    // The friend (from 127.0.0.1, holding no slot) evicts the oldest slow handshake of the most crowded address.
    await fred.connect(LOCALHOST, node.port);
    await exchange(fred, node, 'past the slowloris');
    await within(crowded[0]!.closed, 1_000, 'the oldest from 127.0.0.2 is evicted');
    // Fred's session is open, so it holds no handshake slot: the next slow newcomer takes the free one, the ones
    // after it evict, most-crowded address first, the oldest on a tie: .2, .2, then .3 (which holds two).
    const closedOrder: RawClient[] = [crowded[0]!];
    for (const client of all) void client.closed.then(() => client !== crowded[0] && closedOrder.push(client));
    await slow(14, 1);
    for (const host of [15, 16, 17]) {
      await slow(host, 1);
      await waitUntil(() => closedOrder.length === host - 13, `newcomer from .${host} evicts one`, 2_000);
    }
    expect(closedOrder).toEqual([crowded[0], crowded[1], crowded[2], second[0]]);
    expect(evictions(logs).map((line) => line.match(/evicted secure (127\.0\.0\.\d+)/)?.[1] ?? line)).toEqual([
      '127.0.0.2',
      '127.0.0.2',
      '127.0.0.2',
      '127.0.0.3',
    ]);
    expect(singles.filter((c) => c.isClosed())).toEqual([]);
    expect(node.isConnected(fred.id)).toBe(true);
  });

  it('a plain-text peer that goes quiet is closed after the idle timeout, with a reason', async () => {
    const plainIdleMs = 600;
    const plainSilentMs = 300;
    const node = await startPeer('Node', { timeouts: { prefaceSniffMs: 100, plainIdleMs, plainSilentMs } });
    const gone = collect(node, 'disconnected');
    const keys = new Map<RawClient, string>();
    const open = async () => {
      const client = await openRaw(node.port);
      keys.set(client, `plain:${LOCALHOST}:${client.socket.localPort}`);
      return client;
    };

    const quiet = await open();
    quiet.socket.write('hello\n');
    const saidAt = Date.now();
    const silent = await open();
    const openedAt = Date.now();
    const chatty = await open();
    const chatter = setInterval(() => chatty.socket.write('still here\n'), 150);
    try {
      const silentClosedAt = await within(silent.closed, 3_000, 'the silent peer is closed');
      expect(silentClosedAt - openedAt).toBeGreaterThanOrEqual(plainSilentMs - 20);
      const quietClosedAt = await within(quiet.closed, 3_000, 'the quiet peer is closed');
      expect(quietClosedAt - saidAt).toBeGreaterThanOrEqual(plainIdleMs - 20);
      await sleep(plainIdleMs);
      expect(chatty.isClosed()).toBe(false);
    } finally {
      clearInterval(chatter);
    }
    await waitUntil(() => gone.length === 2, 'both are reported gone', 1_000);
    expect(gone.find((g) => g.peer === keys.get(silent))?.reason).toBe('the plain-text peer said nothing for 0.3 s');
    expect(gone.find((g) => g.peer === keys.get(quiet))?.reason).toBe('the plain-text peer was idle for 0.6 s');
  });

  it('a contact is never evicted for a stranger', async () => {
    const { node, contacts } = await nodeWithContacts({
      limits: { maxInboundConnections: 8, maxPendingConnections: 8 },
      // Every open session is idle at once: only being a contact protects Fred.
      timeouts: { prefaceSniffMs: 100, strangerIdleMs: 50 },
    });
    const fred = await startPeer('Fred');
    contacts.add(fred.id);
    const disconnected = collect(node, 'disconnected');
    await fred.connect(LOCALHOST, node.port); // from 127.0.0.1, the oldest inbound session
    // 127.0.0.1 holds four slots (Fred and three strangers), 127.0.0.2 four: the table is full.
    const strangers = [...(await openFrom(node.port, 1, 3)), ...(await openFrom(node.port, 2, 4))];
    await waitUntil(() => node.peers().length === 8, 'every slot is taken', 3_000);
    await sleep(100);

    // Eight newcomers from fresh addresses: the seven strangers go, then a newcomer, never Fred.
    const newcomers: RawClient[] = [];
    for (let host = 3; host <= 10; host++) {
      newcomers.push(...(await openFrom(node.port, host, 1)));
      await sleep(20);
    }
    await waitUntil(() => strangers.every((c) => c.isClosed()), 'every stranger is evicted', 3_000);
    await waitUntil(() => newcomers.filter((c) => c.isClosed()).length === 1, 'one newcomer is evicted', 3_000);
    expect(newcomers[0]!.isClosed()).toBe(true);
    await exchange(fred, node, 'still here');
    expect(disconnected.filter((d) => d.peer === fred.id)).toEqual([]);
  });

  it('our own dials have a budget for dials under way only: sessions we opened do not use it up', async () => {
    const node = await startPeer('Node', { limits: { maxOutboundConnections: 2 }, timeouts: { handshakeMs: 5_000 } });
    const friends = await Promise.all(['Ann', 'Ben', 'Cid'].map((name) => startPeer(name)));
    // Three sessions dialed one after another: each is open before the next, so none waits for the budget.
    for (const friend of friends) await node.connect(LOCALHOST, friend.port);
    expect(node.peers()).toHaveLength(3);
    // Two dials that never finish (a listener that accepts and says nothing) hold the budget; a third is refused.
    const accepted: net.Socket[] = [];
    const silent = net.createServer((socket) => accepted.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, LOCALHOST, resolve));
    onCleanUp(() => {
      for (const socket of accepted) socket.destroy();
      silent.close();
    });
    const port = (silent.address() as net.AddressInfo).port;
    const hanging = [node.connect(LOCALHOST, port), node.connect(LOCALHOST, port)];
    for (const dial of hanging) dial.catch(() => {});
    await waitUntil(() => accepted.length === 2, 'both dials are under way');
    await expect(node.connect(LOCALHOST, friends[0]!.port)).rejects.toMatchObject({ code: 'limit' });
  });
});
