import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertCliBuilt, startJsonCli, stopAllClis, type CliProcess } from '../helpers/cli';
import { cleanUp, tempDir } from '../helpers/peers';

beforeAll(assertCliBuilt);
afterEach(async () => {
  await stopAllClis();
  await cleanUp();
});

interface Peer {
  cli: CliProcess;
  port: number;
  id: string;
  dataDir: string;
}

async function startPeers(count: number): Promise<Peer[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const dataDir = await tempDir();
      return { ...(await startJsonCli({ name: `P${i}`, dataDir })), dataDir };
    }),
  );
}

async function connect(from: Peer, to: Peer, address = `127.0.0.1:${to.port}`) {
  const mark = from.cli.mark;
  from.cli.send({ cmd: 'connect', address });
  await from.cli.waitFor((e) => e.event === 'connected' && e.peer === to.id, { since: mark });
}

async function disconnect(from: Peer, to: Peer) {
  const mark = from.cli.mark;
  from.cli.send({ cmd: 'disconnect', peer: to.id });
  await from.cli.waitFor((e) => e.event === 'disconnected' && e.peer === to.id, { since: mark });
}

/**
 * P0 creates the group with everyone (each dialed P0 first, so they are its contacts), then keeps only P1: the
 * peers form a line P0 – P1 – … – Pn, each connected to its neighbours only.
 */
async function lineGroup(peers: Peer[]): Promise<string> {
  const [first, ...rest] = peers as [Peer, ...Peer[]];
  for (const peer of rest) await connect(peer, first);
  first.cli.send({ cmd: 'group-create', name: 'line', members: rest.map((p) => p.id) });
  const created = await first.cli.waitFor('group-created');
  const group = created.group as string;
  await Promise.all(rest.map((peer) => peer.cli.waitFor((e) => e.event === 'group-joined' && e.group === group, { timeoutMs: 15_000 })));
  for (const peer of rest.slice(1)) await disconnect(first, peer);
  for (let i = 1; i + 1 < peers.length; i++) await connect(peers[i]!, peers[i + 1]!);
  // A line indeed: the first end talks to its neighbour only.
  const mark = first.cli.mark;
  first.cli.send({ cmd: 'peers' });
  expect(((await first.cli.waitFor('peers', { since: mark })).peers as Array<{ peer: string }>).map((p) => p.peer)).toEqual([peers[1]!.id]);
  return group;
}

describe('groups over peerline --json, six peers in a line', () => {
  it('a message from one end reaches the other, and the author sees it delivered to all five', async () => {
    const peers = await startPeers(6);
    const group = await lineGroup(peers);
    const [first, last] = [peers[0]!, peers[5]!];
    first.cli.send({ cmd: 'group-send', group, text: 'hello, far end' });
    const queued = await first.cli.waitFor((e) => e.event === 'queued' && e.group === group);
    const arrived = await last.cli.waitFor((e) => e.event === 'group-message' && e.text === 'hello, far end', { timeoutMs: 15_000 });
    expect(arrived).toMatchObject({ group, id: queued.id, from: first.id, name: 'P0' });
    await first.cli.waitFor((e) => e.event === 'group-status' && e.id === queued.id && e.delivered === 5 && e.members === 5, { timeoutMs: 15_000 });

    last.cli.send({ cmd: 'group-send', group, text: 'and back' });
    await first.cli.waitFor((e) => e.event === 'group-message' && e.text === 'and back', { timeoutMs: 15_000 });

    // Everyone shows the same history in the same order.
    const histories = await Promise.all(peers.map(async (peer) => {
      const mark = peer.cli.mark;
      peer.cli.send({ cmd: 'group-history', group });
      return (await peer.cli.waitFor('group-history', { since: mark })).messages;
    }));
    for (const history of histories) expect(history).toEqual(histories[0]);
    expect((histories[0] as Array<{ text: string }>).map((m) => m.text)).toEqual(['hello, far end', 'and back']);
  });
});
