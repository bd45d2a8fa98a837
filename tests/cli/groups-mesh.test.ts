import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertCliBuilt, connectJsonCli, startJsonCli, stopAllClis, type CliProcess } from '../helpers/cli';
import { cleanUp, tempDir } from '../helpers/peers';

beforeAll(assertCliBuilt);
afterEach(async () => {
  await stopAllClis();
  await cleanUp();
});

/** Five processes, a mesh check every few seconds and dials on a loaded machine. */
const PROCESS_TEST_MS = 120_000;

async function connectedPeers(cli: CliProcess): Promise<string[]> {
  const mark = cli.mark;
  cli.send({ cmd: 'peers' });
  return ((await cli.waitFor('peers', { since: mark })).peers as Array<{ peer: string }>).map((p) => p.peer);
}

describe('group members keep sessions to each other from their signed records', () => {
  it('members introduced to the creator only (each a stranger to the others) dial each other, and still converge once the creator is gone', async () => {
    // Strangers are message requests here, as for a person: the dials go through the ordinary trust rules.
    const creator = await startJsonCli({ name: 'Creator', dataDir: await tempDir(), requests: true });
    const others = [];
    for (const name of ['B', 'C', 'D', 'E']) others.push(await startJsonCli({ name, dataDir: await tempDir(), requests: true }));
    for (const peer of others) await connectJsonCli(creator.cli, peer);
    // Nobody but the creator knows anyone: each member's only session is the creator's.
    for (const peer of others) expect(await connectedPeers(peer.cli)).toEqual([creator.id]);

    creator.cli.send({ cmd: 'group-create', name: 'mesh', members: others.map((p) => p.id) });
    const group = (await creator.cli.waitFor('group-created')).group as string;
    await Promise.all(others.map((peer) => peer.cli.waitFor((e) => e.event === 'group-joined' && e.group === group, { timeoutMs: 15_000 })));

    // Each member dials others at the addresses in their records until it has sessions to a few of them.
    const deadline = Date.now() + 40_000;
    for (const peer of others) {
      let sessions = await connectedPeers(peer.cli);
      while (sessions.filter((key) => key !== creator.id).length < 2) {
        if (Date.now() > deadline) throw new Error(`${peer.id.slice(0, 8)} has sessions to ${sessions.length} peers only`);
        await new Promise((resolve) => setTimeout(resolve, 250));
        sessions = await connectedPeers(peer.cli);
      }
    }

    // The creator goes away for good (kill -9); what one member writes still reaches every other.
    await creator.cli.kill();
    const [b, c, d, e] = others as [typeof others[number], typeof others[number], typeof others[number], typeof others[number]];
    b.cli.send({ cmd: 'group-send', group, text: 'without the creator' });
    e.cli.send({ cmd: 'group-send', group, text: 'from the far side' });
    for (const peer of [c, d, e]) await peer.cli.waitFor((ev) => ev.event === 'group-message' && ev.text === 'without the creator', { timeoutMs: 30_000 });
    for (const peer of [b, c, d]) await peer.cli.waitFor((ev) => ev.event === 'group-message' && ev.text === 'from the far side', { timeoutMs: 30_000 });
    const histories = await Promise.all(others.map(async (peer) => {
      const mark = peer.cli.mark;
      peer.cli.send({ cmd: 'group-history', group });
      return ((await peer.cli.waitFor((ev) => ev.event === 'group-history', { since: mark })).messages as Array<{ id: string }>).map((m) => m.id);
    }));
    for (const history of histories) expect(history).toEqual(histories[0]);
    expect(histories[0]).toHaveLength(2);
  }, PROCESS_TEST_MS);
});
