import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertCliBuilt, startJsonCli, stopAllClis, type CliProcess } from '../helpers/cli';
import { sessionKey } from '../../shared/ids';
import { GROUP_CHANNEL } from '../../electron/core/features/groups/codec';
import { newSigner, sodiumGroupCrypto, sodiumSigner } from '../../electron/core/features/groups/crypto';
import { encodeCarried, openEnvelope, sealEnvelope } from '../../electron/core/features/groups/engine/envelope';
import { cleanUp, startPeer, tempDir, waitUntil } from '../helpers/peers';
import { Relay } from '../helpers/relay';

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

/** One after another: six processes starting at once on a busy machine can take longer than a start may. */
async function startPeers(count: number): Promise<Peer[]> {
  const peers: Peer[] = [];
  for (let i = 0; i < count; i++) {
    const dataDir = await tempDir();
    // The line is the test: members do not dial each other from their records here (see groups-mesh.test.ts).
    peers.push({ ...(await startJsonCli({ name: `P${i}`, dataDir, args: ['--group-links', '0'] })), dataDir });
  }
  return peers;
}

/** Six processes and their sessions: more than the default test time on a loaded machine. */
const PROCESS_TEST_MS = 120_000;

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
  }, PROCESS_TEST_MS);
});

/** Every message of the group, oldest first, read with `group-history` a page at a time. */
async function history(peer: Peer, group: string): Promise<Array<{ id: string; text: string; from: string }>> {
  const all: Array<{ id: string; text: string; from: string }> = [];
  let before: string | undefined;
  for (;;) {
    const since = peer.cli.mark;
    peer.cli.send({ cmd: 'group-history', group, limit: 500, ...(before && { before }) });
    const page = await peer.cli.waitFor((e) => (e.event === 'group-history' && e.group === group) || e.event === 'error', { since });
    if (page.event === 'error') throw new Error(`group-history failed: ${String(page.message)}`);
    const messages = page.messages as typeof all;
    all.unshift(...messages);
    if (!page.hasMore || messages.length === 0) return all;
    before = messages[0]!.id;
  }
}

async function converged(peers: Peer[], group: string, count: number, timeoutMs = 30_000): Promise<Array<{ id: string; text: string; from: string }>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const histories = await Promise.all(peers.map((peer) => history(peer, group)));
    if (histories.every((h) => h.length >= count)) {
      for (const h of histories) expect(h).toEqual(histories[0]);
      return histories[0]!;
    }
    if (Date.now() > deadline) throw new Error(`not converged: ${histories.map((h) => h.length).join(', ')} of ${count}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('groups over peerline --json: partitions, crashes, a rogue member', () => {
  it('a partition in the middle of the line heals, and both halves converge on one history in one order', async () => {
    const peers = await startPeers(6);
    const [first, ...rest] = peers as [Peer, ...Peer[]];
    for (const peer of rest) await connect(peer, first);
    first.cli.send({ cmd: 'group-create', name: 'split', members: rest.map((p) => p.id) });
    const group = (await first.cli.waitFor('group-created')).group as string;
    await Promise.all(rest.map((peer) => peer.cli.waitFor((e) => e.event === 'group-joined' && e.group === group, { timeoutMs: 15_000 })));
    for (const peer of rest.slice(1)) await disconnect(first, peer);
    // The link between P2 and P3 goes through a relay the test controls.
    const relay = await Relay.start(peers[3]!.port);
    await connect(peers[1]!, peers[2]!);
    await connect(peers[2]!, peers[3]!, `127.0.0.1:${relay.port}`);
    await connect(peers[3]!, peers[4]!);
    await connect(peers[4]!, peers[5]!);

    relay.blackhole = true;
    const PER_SIDE = 25;
    for (let i = 0; i < PER_SIDE; i++) {
      peers[0]!.cli.send({ cmd: 'group-send', group, text: `left ${i}` });
      peers[5]!.cli.send({ cmd: 'group-send', group, text: `right ${i}` });
    }
    await peers[2]!.cli.waitFor((e) => e.event === 'group-message' && e.text === `left ${PER_SIDE - 1}`, { timeoutMs: 15_000 });
    await peers[3]!.cli.waitFor((e) => e.event === 'group-message' && e.text === `right ${PER_SIDE - 1}`, { timeoutMs: 15_000 });
    // Each half has only its own side's messages.
    expect((await history(peers[2]!, group)).every((m) => m.text.startsWith('left'))).toBe(true);
    expect((await history(peers[3]!, group)).every((m) => m.text.startsWith('right'))).toBe(true);

    // Heal: the relay passes bytes again and resets the connections it carried (what went dark is lost on the wire).
    relay.blackhole = false;
    relay.cut();
    const merged = await converged(peers, group, 2 * PER_SIDE);
    expect(merged).toHaveLength(2 * PER_SIDE);
    await relay.close();
  }, PROCESS_TEST_MS);

  it('kill -9 of a middle member during a burst loses nothing acknowledged; restarted, it catches up', async () => {
    const peers = await startPeers(6);
    const group = await lineGroup(peers);
    const BURST = 200;
    for (let i = 0; i < BURST; i++) peers[0]!.cli.send({ cmd: 'group-send', group, text: `burst ${i}` });
    await peers[2]!.cli.waitFor((e) => e.event === 'group-message' && typeof e.text === 'string' && Number((e.text as string).split(' ')[1]) >= 20, { timeoutMs: 15_000 });
    const middle = peers[2]!;
    await middle.cli.kill();
    const acknowledged = new Set(peers[0]!.cli.all('group-status').filter((e) => (e.delivered as number) > 0).map((e) => e.id as string));
    const restarted = await startJsonCli({ name: 'P2', dataDir: middle.dataDir, args: ['--port', String(middle.port), '--group-links', '0'] });
    peers[2] = { ...restarted, dataDir: middle.dataDir };
    const all = await converged(peers, group, BURST);
    expect(all.map((m) => m.text)).toEqual(Array.from({ length: BURST }, (_, i) => `burst ${i}`));
    for (const id of acknowledged) expect(all.some((m) => m.id === id)).toBe(true);
  }, PROCESS_TEST_MS);

  it('a rogue member injecting forged, tampered and unauthorised envelopes changes nothing for anyone', async () => {
    const peers = await startPeers(3);
    const rogue = await startPeer('Rogue');
    const captured: Uint8Array[] = [];
    rogue.channel(GROUP_CHANNEL, { message: (_session, message) => void (message.type === 'envelopes' && captured.push(...message.items)) });
    const [first, ...rest] = peers as [Peer, ...Peer[]];
    for (const peer of rest) await connect(peer, first);
    first.cli.send({ cmd: 'group-create', name: 'guarded', members: [...rest.map((p) => p.id), rogue.id] });
    const group = (await first.cli.waitFor('group-created')).group as string;
    await Promise.all(rest.map((peer) => peer.cli.waitFor((e) => e.event === 'group-joined' && e.group === group, { timeoutMs: 15_000 })));
    first.cli.send({ cmd: 'group-send', group, text: 'real' });
    await peers[1]!.cli.waitFor((e) => e.event === 'group-message' && e.text === 'real');
    const before = await Promise.all(peers.map((peer) => history(peer, group)));
    const membersBefore = await membersOf(peers[1]!, group);

    await rogue.connect('127.0.0.1', peers[1]!.port);
    const session = rogue.session(sessionKey(peers[1]!.id), GROUP_CHANNEL)!;
    // As a member, it may ask for the history (it holds nothing yet).
    session.send({ type: 'heads', group, seqs: [], wants: [] });
    await waitUntil(() => captured.length > 0, 'the rogue got the group from its member');
    const rogueSigner = sodiumSigner(rogue.identity.publicKey, rogue.identity.secretKey);
    const outsider = newSigner();
    const real = openEnvelope(captured.at(-1)!, sodiumGroupCrypto);
    const link = { group, clock: { ms: Date.now(), counter: 1 }, parents: [real.id] };
    const items: Uint8Array[] = [];
    for (let i = 0; i < 50; i++) {
      const tampered = encodeCarried(real, true);
      tampered[20 + (i % 60)] ^= 1; // the group, author, sequence or links: the signature no longer holds
      items.push(tampered);
      // Signed by the rogue but in another member's name.
      const impersonation = sealEnvelope({ ...link, seq: 1, prev: null }, { kind: 'text', text: `I am P0 ${i}` }, { publicKey: Buffer.from(first.id, 'hex'), sign: rogueSigner.sign }, sodiumGroupCrypto);
      items.push(encodeCarried(impersonation, true));
      // Someone never added, with valid links.
      items.push(encodeCarried(sealEnvelope({ ...link, seq: 1, prev: null }, { kind: 'text', text: `outsider ${i}` }, outsider, sodiumGroupCrypto), true));
      items.push(Uint8Array.from({ length: 200 }, (_, j) => (i * 31 + j * 7) & 0xff));
    }
    // The rogue's own, signed, but not allowed: a member removing the creator, and a fork of its own chain.
    items.push(encodeCarried(sealEnvelope({ ...link, seq: 1, prev: null }, { kind: 'op', op: { op: 'remove', member: first.id } }, rogueSigner, sodiumGroupCrypto), true));
    const seen = peers[1]!.cli.mark;
    for (let i = 0; i < items.length; i += 64) session.send({ type: 'envelopes', group, items: items.slice(i, i + 64) });
    await peers[1]!.cli.waitFor((e) => e.event === 'notice' && e.group === group && /Dropped/.test(String(e.text)), { since: seen });

    // The members still talk, and nothing of the rogue's reached anyone.
    first.cli.send({ cmd: 'group-send', group, text: 'still fine' });
    await Promise.all(rest.map((peer) => peer.cli.waitFor((e) => e.event === 'group-message' && e.text === 'still fine', { timeoutMs: 15_000 })));
    const after = await Promise.all(peers.map((peer) => history(peer, group)));
    for (let i = 0; i < peers.length; i++) expect(after[i]!.map((m) => m.text)).toEqual([...before[i]!.map((m) => m.text), 'still fine']);
    expect(await membersOf(peers[1]!, group)).toEqual(membersBefore);
    for (const peer of peers) expect(peer.cli.all('group-message').some((e) => /I am P0|outsider/.test(String(e.text)))).toBe(false);
  }, PROCESS_TEST_MS);
});

describe('groups over peerline --json: a member who was away', () => {
  it('added while offline, it gets the group and what was written meanwhile when it is back', async () => {
    const [alice, bob] = await startPeers(2);
    await connect(bob!, alice!);
    await bob!.cli.kill();
    alice!.cli.send({ cmd: 'group-create', name: 'later', members: [bob!.id] });
    const group = (await alice!.cli.waitFor('group-created')).group as string;
    alice!.cli.send({ cmd: 'group-send', group, text: 'while you were away' });
    await alice!.cli.waitFor((e) => e.event === 'queued' && e.group === group);
    // Bob starts again on the same data directory and port, and dials his contacts.
    const back = await startJsonCli({ name: 'P1', dataDir: bob!.dataDir, args: ['--port', String(bob!.port), '--group-links', '0'] });
    await back.cli.waitFor((e) => e.event === 'group-joined' && e.group === group, { timeoutMs: 20_000 });
    await back.cli.waitFor((e) => e.event === 'group-message' && e.text === 'while you were away', { timeoutMs: 20_000 });
    await alice!.cli.waitFor((e) => e.event === 'group-status' && e.delivered === 1 && e.members === 1, { timeoutMs: 20_000 });
  }, PROCESS_TEST_MS);
});

async function membersOf(peer: Peer, group: string) {
  const mark = peer.cli.mark;
  peer.cli.send({ cmd: 'groups' });
  const { groups } = await peer.cli.waitFor('groups', { since: mark });
  return (groups as Array<{ id: string; members: Array<{ id: string; role: string }> }>).find((g) => g.id === group)!.members.map(({ id, role }) => ({ id, role }));
}
