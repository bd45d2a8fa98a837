import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { chmod } from 'node:fs/promises';
import { assertCliBuilt, runCli, startInteractiveCli, startJsonCli, stopAllClis, type CliProcess } from '../helpers/cli';
import { cleanUp, tempDir } from '../helpers/peers';

beforeAll(assertCliBuilt);

afterEach(async () => {
  await stopAllClis();
  await cleanUp();
});

/** The lines an interactive peerline printed into its pipe, without the "> " prompts written in front of them. */
function printedLines(cli: CliProcess, since = 0): string[] {
  return cli.stdout
    .slice(since)
    .split('\n')
    .map((line) => line.replace(/^(?:> )+/, ''));
}

/** Types `line` into an interactive peerline and waits until what it prints after shows `expected`. */
function typeAndWait(cli: CliProcess, line: string, expected: string | RegExp): Promise<RegExpExecArray | string> {
  const since = cli.stdout.length;
  cli.send(line);
  return cli.waitForOutput(expected, { since });
}

describe('interactive peerline against a hostile peer', () => {
  it('a newline in a peer name or chat text forges no line: continuation lines are indented under the sender', async () => {
    const forgedName = 'Bob\n* Alice is marked verified';
    const mallory = await startJsonCli({ name: forgedName, dataDir: await tempDir() });
    const carol = await startInteractiveCli({ name: 'Carol', dataDir: await tempDir() });
    await typeAndWait(carol.cli, `/connect 127.0.0.1:${mallory.port}`, /\* talking to Bob/);
    const carolId = (await mallory.cli.waitFor('connected')).peer as string;

    const since = carol.cli.stdout.length;
    mallory.cli.send({ cmd: 'send', peer: carolId, text: 'hi\n[Alice] send me your key\n* Alice is marked verified\r\n[Alice] \u2028really' });
    await carol.cli.waitForOutput('really', { since });
    await typeAndWait(carol.cli, '/contacts', '  1. ');
    await typeAndWait(carol.cli, '/history', '* history with ');
    await typeAndWait(carol.cli, '/peers', '<- current');
    mallory.cli.send({ cmd: 'quit' });
    await carol.cli.waitForOutput(' disconnected: ', { since });

    const lines = printedLines(carol.cli);
    // Only Peerline's own lines start with "[" or "*", and none of them carries what the peer wrote at its start.
    const forged = lines.filter((line) => /^\[Alice\]|^\* Alice is marked verified/.test(line));
    expect(forged, carol.cli.stdout).toEqual([]);
    // The text is all there, its continuation lines indented.
    expect(carol.cli.stdout).toMatch(/\[Bob \* Alice is marked verified\] hi\n +\[Alice\] send me your key\n +\* Alice is marked verified\\x0d\n +\[Alice\] \\u2028really\n/);
  });
});

describe('interactive peerline: who is the current contact', () => {
  it('a stranger who dials in does not become the current contact; a * line tells how to switch', async () => {
    const bob = await startJsonCli({ name: 'Bob', dataDir: await tempDir() });
    const stranger = await startJsonCli({ name: 'Mallory', dataDir: await tempDir() });
    const carol = await startInteractiveCli({ name: 'Carol', dataDir: await tempDir() });

    // Nobody current yet: a stranger dialing in still does not become the one Carol's lines go to.
    stranger.cli.send({ cmd: 'connect', address: `127.0.0.1:${carol.port}` });
    await carol.cli.waitForOutput(/\* Mallory connected to you: \/to (\d+) to talk to Mallory\n/);
    await typeAndWait(carol.cli, 'is anyone there?', '! Nobody to talk to yet');

    // Carol picks Bob by dialing him; then the stranger reconnects: Bob stays current.
    await typeAndWait(carol.cli, `/connect 127.0.0.1:${bob.port}`, '* talking to Bob');
    await bob.cli.waitFor('connected');
    stranger.cli.send({ cmd: 'disconnect', peer: (await stranger.cli.waitFor('connected')).peer as string });
    await carol.cli.waitForOutput('* Mallory disconnected');
    const since = carol.cli.stdout.length;
    stranger.cli.send({ cmd: 'connect', address: `127.0.0.1:${carol.port}` });
    await carol.cli.waitForOutput(/\* Mallory connected to you: \/to \d+ to talk to Mallory\n/, { since });
    expect(carol.cli.stdout.slice(since)).not.toContain('* talking to');

    carol.cli.send('for Bob only');
    expect(await bob.cli.waitFor('message')).toMatchObject({ text: 'for Bob only' });
    await typeAndWait(carol.cli, '/peers', /Bob at .*<- current/);
    expect(stranger.cli.all('message')).toEqual([]);
  });
});

describe('peerline --json against hostile input', () => {
  it('{"cmd":{"toString":1}} and other prototype keys get an error event and the process goes on', async () => {
    const { cli } = await startJsonCli({ name: 'Alice', dataDir: await tempDir() });
    const lines = [
      '{"cmd":{"toString":1}}',
      '{"cmd":{"valueOf":1,"toString":1}}',
      '{"cmd":"__proto__"}',
      '{"cmd":"constructor"}',
      '{"cmd":"toString"}',
      '{"cmd":"hasOwnProperty"}',
      '{"__proto__":{"cmd":"peers"}}',
      '{"cmd":"send","peer":{"toString":1},"text":{"toString":1}}',
      '{"cmd":"history","peer":"' + 'ab'.repeat(32) + '","limit":{"toString":1}}',
      '{"cmd":"history","peer":"' + 'ab'.repeat(32) + '","limit":-5}',
      '{"cmd":"connect","address":{"toString":1}}',
      '{"cmd":"connect","address":"127.0.0.1:1","mode":{"toString":1}}',
      '{"cmd":["peers"]}',
      '{"cmd":null}',
      '{"cmd":1e999}',
      '"peers"',
      'x'.repeat(3 * 1024 * 1024),
    ];
    for (const line of lines) {
      const since = cli.mark;
      cli.send(line);
      const error = await cli.waitFor('error', { since, timeoutMs: 5000 });
      expect(typeof error.message, line.slice(0, 80)).toBe('string');
    }
    const since = cli.mark;
    cli.send({ cmd: 'peers' });
    expect(await cli.waitFor('peers', { since })).toEqual({ event: 'peers', peers: [] });
    expect(cli.exit).toBeNull();
    expect(cli.badLines).toEqual([]);
  });

  it('random JSON-ish lines each get one error event, and a valid command still works after them', async () => {
    const { cli } = await startJsonCli({ name: 'Alice', dataDir: await tempDir() });
    const keys = ['cmd', '__proto__', 'constructor', 'toString', 'valueOf', 'peer', 'text', 'address', 'mode', 'limit', 'before', 'hasOwnProperty'];
    const anyValue = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.constantFrom(...keys),
      fc.dictionary(fc.constantFrom(...keys), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
    );
    // Mostly objects with a "cmd" of any shape, next to fields of any shape.
    const commandLike = fc
      .tuple(anyValue, fc.dictionary(fc.constantFrom(...keys), anyValue, { maxKeys: 4 }))
      .map(([cmd, fields]) => JSON.stringify({ ...fields, cmd }));
    const line = fc.oneof({ arbitrary: commandLike, weight: 4 }, fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)), fc.string({ unit: 'binary', maxLength: 200 }), fc.json());
    const known = new Set(['connect', 'send', 'disconnect', 'history', 'contacts', 'peers', 'quit']);
    /** Lines that are blank (ignored), hold a line break, or could be a real command are not the point here. */
    const hostile = (text: string) => {
      if (text.trim() === '' || /[\r\n]/.test(text)) return false;
      try {
        const value = JSON.parse(text) as { cmd?: unknown };
        return !(typeof value === 'object' && value !== null && typeof value.cmd === 'string' && known.has(value.cmd));
      } catch {
        return true;
      }
    };
    const sample = fc.sample(line.filter(hostile), { numRuns: 300, seed: 13 });
    for (const text of sample) cli.send(text);
    await cli.waitFor(() => cli.all('error').length >= sample.length, { timeoutMs: 20_000 });
    const since = cli.mark;
    cli.send({ cmd: 'peers' });
    expect(await cli.waitFor('peers', { since })).toEqual({ event: 'peers', peers: [] });
    expect(cli.all('error')).toHaveLength(sample.length);
    expect(cli.exit).toBeNull();
    expect(cli.badLines).toEqual([]);
  });
});

describe.skipIf(process.platform === 'win32')('peerline with a careless data directory', () => {
  it('a data directory anyone can write to (0777) is refused with a sentence, and nothing starts', async () => {
    const dataDir = await tempDir();
    await chmod(dataDir, 0o777);
    const { exit, stderr, stdout } = await runCli(['--json', '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir]);
    expect(exit).toEqual({ code: 1, signal: null });
    expect(stderr).toContain(`peerline: The data directory ${dataDir} can be changed by other users (mode 0777)`);
    expect(stderr).toContain(`chmod 700 '${dataDir}'`);
    expect(stdout).not.toContain('listening');
  });
});
