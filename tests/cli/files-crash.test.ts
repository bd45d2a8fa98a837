/**
 * A folder between two `peerline --json` processes while the test SIGKILLs the receiver and the sender at seeded
 * random points of the transfer and starts them again on the same data directories: every file arrives whole
 * (its SHA-256 is the sender's), and no partial file is left.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { digestsUnder, makeFolder } from '../helpers/files';
import { CliProcess, startJsonCli, stopAllClis } from '../helpers/cli';
import { freePort } from '../helpers/net';
import { cleanUp, tempDir, waitUntil } from '../helpers/peers';
import { seededRandom } from '../helpers/random';

afterEach(async () => {
  await stopAllClis();
  await cleanUp();
});

const FILES = 60;
const KILLS = 4;

interface Side {
  name: string;
  dataDir: string;
  port: number;
  args: string[];
  cli: CliProcess;
}

async function start(side: Omit<Side, 'cli'>): Promise<Side> {
  const { cli } = await startJsonCli({ name: side.name, dataDir: side.dataDir, args: ['--port', String(side.port), ...side.args] });
  return { ...side, cli };
}

/** Files the receiver reported in place, over all its lives. */
function filesDone(lives: CliProcess[]): number {
  return lives.reduce((sum, cli) => sum + cli.events.filter((e) => e.event === 'file-done').length, 0);
}

describe('files across crashes', () => {
  it('SIGKILL of receiver and sender at seeded random points of a folder transfer: every file arrives with the sender’s SHA-256', async () => {
    const seed = Number(process.env.PEERLINE_SEED ?? Date.now() % 100_000);
    const next = seededRandom(seed);
    const context = `(seed ${seed})`;
    const source = path.join(await tempDir(), 'album');
    const expected = await makeFolder(source, FILES, 0, (i) => (i % 4 === 0 ? Math.floor(next() * 8_000_000) : Math.floor(next() * 300_000)));
    const total = expected.size;
    const downloads = path.join(await tempDir(), 'Downloads');
    let bob = await start({ name: 'Bob', dataDir: await tempDir(), port: await freePort(), args: ['--download-dir', downloads, '--auto-accept', String(10 ** 12)] });
    let alice = await start({ name: 'Alice', dataDir: await tempDir(), port: await freePort(), args: [] });
    alice.cli.send({ cmd: 'connect', address: `127.0.0.1:${bob.port}` });
    const bobKey = (await alice.cli.waitFor('connected')).peer as string;
    const aliceKey = (await bob.cli.waitFor('connected')).peer as string;
    bob.cli.send({ cmd: 'request-accept', peer: aliceKey });
    for (let accepted = false; !accepted; ) {
      const since = bob.cli.mark;
      bob.cli.send({ cmd: 'contacts' });
      const { contacts } = await bob.cli.waitFor('contacts', { since });
      accepted = (contacts as Array<{ peer: string; request?: true }>).some((c) => c.peer === aliceKey && !c.request);
    }
    alice.cli.send({ cmd: 'file-send', peer: bobKey, path: source });
    const offered = await alice.cli.waitFor('file-offered');
    expect(offered.files, context).toBe(total);

    // Kill points: after a random number of files is in place (increasing), then a random few ms more,
    // so that a kill lands while blocks are in flight, being synced, or a file is being put in place.
    const bobLives = [bob.cli];
    // Each kill in its own stretch of the first half of the files, so that every one lands mid-transfer.
    const stretch = Math.floor(total / 2 / KILLS);
    const points = Array.from({ length: KILLS }, (_, k) => 1 + k * stretch + Math.floor(next() * stretch));
    for (let kill = 0; kill < KILLS; kill++) {
      await waitUntil(() => filesDone(bobLives) >= points[kill]!, `${points[kill]} files in place ${context}`, 60_000);
      await new Promise((resolve) => setTimeout(resolve, next() * 30));
      expect(filesDone(bobLives), `the kill lands before the end ${context}`).toBeLessThan(total);
      if (kill % 2 === 0) {
        await bob.cli.kill();
        bob = await start(bob);
        bobLives.push(bob.cli);
      } else {
        await alice.cli.kill();
        alice = await start(alice);
      }
    }
    const folder = path.join(downloads, 'album');
    let last = new Map<string, string>();
    await waitUntil(
      () => {
        void digestsUnder(folder).then((found) => (last = found), () => {});
        return last.size === total && [...expected].every(([name, digest]) => last.get(name) === digest);
      },
      `every file in place ${context}`,
      120_000,
    ).catch(async (err: unknown) => {
      bob.cli.send({ cmd: 'transfers' });
      alice.cli.send({ cmd: 'transfers' });
      await new Promise((resolve) => setTimeout(resolve, 500));
      const state = (cli: CliProcess) => JSON.stringify(cli.events.filter((e) => e.event === 'transfers').at(-1));
      throw new Error(`${(err as Error).message}\nfound: ${[...last.keys()].join(', ')}\nBob: ${state(bob.cli)}\nAlice: ${state(alice.cli)}\nBob stderr: ${bob.cli.stderr.slice(-2000)}\nAlice stderr: ${alice.cli.stderr.slice(-2000)}`);
    });
    expect(last, context).toEqual(expected);
  }, 180_000);
});
