import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PREFACE_MAGIC } from '../../shared/protocol/preface';
import { assertCliBuilt, runCli, startInteractiveCli, startJsonCli, stopAllClis, type CliProcess } from '../helpers/cli';
import { freePort } from '../helpers/net';
import { cleanUp, onCleanUp, tempDir } from '../helpers/peers';
import { Relay } from '../helpers/relay';

beforeAll(assertCliBuilt);

afterEach(async () => {
  await stopAllClis();
  await cleanUp();
});

const HEX_ID = /^[0-9a-f]{64}$/;

/** Starts `peerline --json` with a fresh data dir. */
async function jsonPeer(name: string, args: string[] = []) {
  return startJsonCli({ name, dataDir: await tempDir(), args });
}

/** Waits until `cli` has printed `count` events named `name`. */
async function waitForCount(cli: CliProcess, name: string, count: number): Promise<void> {
  await cli.waitFor(() => cli.all(name).length >= count);
}

/** stdout of a --json process must hold events only. */
function expectOnlyEvents(...clis: CliProcess[]): void {
  for (const cli of clis) expect(cli.badLines).toEqual([]);
}

describe('peerline --json: two processes chat', () => {
  it('exchange messages both ways, see sent then delivered, and the wire carries only ciphertext', async () => {
    const alice = await jsonPeer('Alice');
    const bob = await jsonPeer('Bob');
    const relay = await Relay.start(bob.port);
    onCleanUp(() => relay.close());

    alice.cli.send({ cmd: 'connect', address: `127.0.0.1:${relay.port}` });
    const aliceSeesBob = await alice.cli.waitFor('connected');
    const bobSeesAlice = await bob.cli.waitFor('connected');
    expect(aliceSeesBob).toMatchObject({ peer: bob.id, id: bob.id, name: 'Bob', mode: 'secure', address: `127.0.0.1:${relay.port}` });
    expect(bobSeesAlice).toMatchObject({ peer: alice.id, id: alice.id, name: 'Alice', mode: 'secure' });
    expect(relay.connections).toBe(1);

    const toBob = 'Meet me at the old mill at 23:15 — bring the 🗝️ (no. 4711)';
    const toAlice = 'Understood, Alice: the second lantern from the left ✓';
    await sendAndConfirm(alice.cli, bob.cli, bob.id, alice.id, toBob);
    await sendAndConfirm(bob.cli, alice.cli, alice.id, bob.id, toAlice);

    // Each lists the other.
    for (const [me, other, otherName] of [
      [alice, bob, 'Bob'],
      [bob, alice, 'Alice'],
    ] as const) {
      const since = me.cli.mark;
      me.cli.send({ cmd: 'peers' });
      const { peers } = await me.cli.waitFor('peers', { since });
      expect(peers).toEqual([expect.objectContaining({ peer: other.id, id: other.id, name: otherName, mode: 'secure' })]);
    }

    // Everything went through the relay, and none of it is readable.
    const wire = relay.captured();
    expect(wire.byteLength).toBeGreaterThan(200);
    expect(wire.includes(Buffer.from(PREFACE_MAGIC)), 'the relay saw the Peerline preface').toBe(true);
    for (const secret of [toBob, toAlice, 'old mill', 'lantern', 'Alice']) {
      for (const form of [Buffer.from(secret, 'utf8'), Buffer.from(secret, 'utf16le'), Buffer.from(Buffer.from(secret).toString('hex')), Buffer.from(Buffer.from(secret).toString('base64'))]) {
        expect(wire.includes(form), `the wire carries ${JSON.stringify(secret)} in clear`).toBe(false);
      }
    }
    expectOnlyEvents(alice.cli, bob.cli);
  });

  it('tells the other side when a peer quits, and exits 0; closing stdin quits too', async () => {
    const alice = await jsonPeer('Alice');
    const bob = await jsonPeer('Bob');
    const carol = await jsonPeer('Carol');
    alice.cli.send({ cmd: 'connect', address: `127.0.0.1:${bob.port}` });
    alice.cli.send({ cmd: 'connect', address: `127.0.0.1:${carol.port}` });
    await bob.cli.waitFor('connected');
    await carol.cli.waitFor('connected');
    await alice.cli.waitFor((e) => e.event === 'connected' && e.peer === carol.id);

    bob.cli.send({ cmd: 'quit' });
    expect(await bob.cli.waitForExit()).toEqual({ code: 0, signal: null });
    expect(await alice.cli.waitFor((e) => e.event === 'disconnected' && e.peer === bob.id)).toEqual({
      event: 'disconnected',
      peer: bob.id,
      reason: 'the peer left (quit)',
    });

    carol.cli.endInput();
    expect(await carol.cli.waitForExit()).toEqual({ code: 0, signal: null });
    expect(await alice.cli.waitFor((e) => e.event === 'disconnected' && e.peer === carol.id)).toMatchObject({ reason: 'the peer left (quit)' });

    const since = alice.cli.mark;
    alice.cli.send({ cmd: 'peers' });
    expect(await alice.cli.waitFor('peers', { since })).toEqual({ event: 'peers', peers: [] });
    expectOnlyEvents(alice.cli, bob.cli, carol.cli);
  });

  it('disconnect closes one peer with a reason on both sides', async () => {
    const alice = await jsonPeer('Alice');
    const bob = await jsonPeer('Bob');
    alice.cli.send({ cmd: 'connect', address: `127.0.0.1:${bob.port}` });
    await alice.cli.waitFor('connected');
    await bob.cli.waitFor('connected');
    alice.cli.send({ cmd: 'disconnect', peer: bob.id });
    expect(await alice.cli.waitFor('disconnected')).toMatchObject({ peer: bob.id, reason: 'closed by the user' });
    expect(await bob.cli.waitFor('disconnected')).toMatchObject({ peer: alice.id, reason: 'the peer left (closed by the user)' });
    expect(alice.cli.exit).toBeNull();
    expect(bob.cli.exit).toBeNull();
  });
});

describe('peerline --json: history, contacts and the outbox', () => {
  it('history and contacts answer from the store; a message to an offline contact is queued, then sent and delivered when it is back', async () => {
    const alice = await jsonPeer('Alice');
    const bobDir = await tempDir();
    const bobPort = await freePort();
    const bob = await startJsonCli({ name: 'Bob', dataDir: bobDir, args: ['--port', String(bobPort)] });
    alice.cli.send({ cmd: 'connect', address: `127.0.0.1:${bobPort}` });
    await alice.cli.waitFor('connected');
    for (const text of ['one', 'two', 'three']) alice.cli.send({ cmd: 'send', peer: bob.id, text });
    await waitForCount(alice.cli, 'delivered', 3);

    alice.cli.send({ cmd: 'history', peer: bob.id, limit: 2 });
    const page = await alice.cli.waitFor('history');
    expect(page).toMatchObject({ peer: bob.id, hasMore: true });
    expect(page.messages).toEqual([
      { id: expect.any(String), from: 'me', text: 'two', sentAt: expect.any(Number), status: 'delivered' },
      { id: expect.any(String), from: 'me', text: 'three', sentAt: expect.any(Number), status: 'delivered' },
    ]);
    const since = alice.cli.mark;
    alice.cli.send({ cmd: 'history', peer: bob.id, before: (page.messages as Array<{ id: string }>)[0]!.id });
    expect(await alice.cli.waitFor('history', { since })).toMatchObject({ messages: [{ from: 'me', text: 'one' }], hasMore: false });
    bob.cli.send({ cmd: 'history', peer: alice.id });
    expect(((await bob.cli.waitFor('history')).messages as Array<{ from: string }>).map((m) => m.from)).toEqual([alice.id, alice.id, alice.id]);

    alice.cli.send({ cmd: 'contacts' });
    expect(await alice.cli.waitFor('contacts')).toEqual({
      event: 'contacts',
      contacts: [{ peer: bob.id, name: 'Bob', mode: 'secure', addresses: [`127.0.0.1:${bobPort}`], online: true, verified: false }],
    });

    bob.cli.send({ cmd: 'quit' });
    await alice.cli.waitFor('disconnected');
    let mark = alice.cli.mark;
    alice.cli.send({ cmd: 'send', peer: bob.id, text: 'while you were away' });
    const queued = await alice.cli.waitFor('queued', { since: mark });
    expect(queued).toEqual({ event: 'queued', peer: bob.id, id: expect.stringMatching(/^[0-9a-f]{32}$/) });
    mark = alice.cli.mark;
    alice.cli.send({ cmd: 'contacts' });
    expect(await alice.cli.waitFor('contacts', { since: mark })).toMatchObject({ contacts: [{ peer: bob.id, online: false }] });

    // Bob comes back on the same data directory: Alice's retry finds him, and the message goes by itself.
    const bobAgain = await startJsonCli({ name: 'Bob', dataDir: bobDir, args: ['--port', String(bobPort)] });
    expect(await bobAgain.cli.waitFor('message')).toMatchObject({ peer: alice.id, id: queued.id, text: 'while you were away' });
    await alice.cli.waitFor((e) => e.event === 'sent' && e.id === queued.id, { since: mark });
    await alice.cli.waitFor((e) => e.event === 'delivered' && e.id === queued.id, { since: mark });
    expectOnlyEvents(alice.cli, bobAgain.cli);
  });
});

describe('peerline --json: bad input', () => {
  it('answers each bad line with a readable error and keeps going', async () => {
    const { cli } = await jsonPeer('Alice');
    const closedPort = await freePort();
    const cases: Array<[line: string | Record<string, unknown>, expected: Record<string, unknown>]> = [
      ['this is not JSON', { message: 'That line is not JSON.' }],
      ['{"cmd": "peers"', { message: 'That line is not JSON.' }],
      ['[1, 2, 3]', { message: 'A command is a JSON object with a "cmd" field.' }],
      ['42', { message: 'A command is a JSON object with a "cmd" field.' }],
      ['null', { message: 'A command is a JSON object with a "cmd" field.' }],
      [{}, { message: 'A command needs a "cmd" field.' }],
      [{ cmd: 'dance' }, { cmd: 'dance', message: 'Unknown command "dance".' }],
      [{ cmd: 'send', text: 'hi' }, { cmd: 'send', message: '"send" needs the string field "peer".' }],
      [{ cmd: 'send', peer: 'ab'.repeat(32) }, { cmd: 'send', message: '"send" needs the string field "text".' }],
      [{ cmd: 'send', peer: 'ab'.repeat(32), text: 'hi' }, { cmd: 'send', message: 'There is no conversation with that peer.' }],
      [{ cmd: 'history' }, { cmd: 'history', message: '"history" needs the string field "peer".' }],
      [{ cmd: 'history', peer: 'ab'.repeat(32) }, { cmd: 'history', message: 'There is no conversation with that peer.' }],
      [{ cmd: 'history', peer: 'ab'.repeat(32), limit: 'ten' }, { cmd: 'history', message: '"limit" is a number.' }],
      [{ cmd: 'disconnect' }, { cmd: 'disconnect', message: '"disconnect" needs the string field "peer".' }],
      [{ cmd: 'connect' }, { cmd: 'connect', message: '"connect" needs the string field "address".' }],
      [{ cmd: 'connect', address: 'example.com:99999' }, { cmd: 'connect', message: 'Port must be a number from 1 to 65535.' }],
      [{ cmd: 'connect', address: '127.0.0.1:8000', mode: 'fast' }, { cmd: 'connect', message: '"mode" is "secure" or "plain".' }],
      [{ cmd: 'connect', address: `127.0.0.1:${closedPort}` }, { cmd: 'connect', message: `Nobody is listening at 127.0.0.1:${closedPort}.` }],
    ];
    for (const [line, expected] of cases) {
      const since = cli.mark;
      cli.send(line);
      const error = await cli.waitFor('error', { since });
      expect(error, `the answer to ${JSON.stringify(line)}`).toEqual({ event: 'error', ...expected });
    }

    // Still alive and answering.
    const since = cli.mark;
    cli.send({ cmd: 'peers' });
    expect(await cli.waitFor('peers', { since })).toEqual({ event: 'peers', peers: [] });
    expect(cli.exit).toBeNull();
    expect(cli.all('error')).toHaveLength(cases.length);
    expectOnlyEvents(cli);
  });

  it('a blank line is ignored', async () => {
    const { cli } = await jsonPeer('Alice');
    cli.send('');
    cli.send('   ');
    cli.send({ cmd: 'peers' });
    await cli.waitFor('peers');
    expect(cli.all('error')).toEqual([]);
  });
});

describe('peerline --json: identity', () => {
  it('persists in --data-dir: a second run reports the same id, another dir another id', async () => {
    const dataDir = await tempDir();
    const first = await startJsonCli({ name: 'Alice', dataDir });
    expect(first.id).toMatch(HEX_ID);
    first.cli.send({ cmd: 'quit' });
    expect((await first.cli.waitForExit()).code).toBe(0);

    const second = await startJsonCli({ name: 'Alice', dataDir });
    expect(second.id).toBe(first.id);
    const other = await jsonPeer('Alice');
    expect(other.id).toMatch(HEX_ID);
    expect(other.id).not.toBe(first.id);
  });

  it('listening reports the host and the real port', async () => {
    const { cli, port } = await jsonPeer('Alice');
    expect(cli.events[0]).toEqual({ event: 'listening', host: '127.0.0.1', port, id: expect.stringMatching(HEX_ID) });
    expect(port).toBeGreaterThan(0);
  });
});

describe('peerline flags', () => {
  it('--help prints the usage on stdout and exits 0', async () => {
    const { exit, stdout, stderr } = await runCli(['--help']);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(stdout).toMatch(/^Usage: peerline \[options\]/);
    for (const flag of ['--host', '--port', '--name', '--data-dir', '--no-plain', '--json', '--help']) expect(stdout).toContain(flag);
    expect(stderr).toBe('');
  });

  it.each([
    [['--bogus'], "peerline: Unknown option '--bogus'"],
    [['--port', 'eighty'], 'peerline: --port must be a number from 0 to 65535, not "eighty".'],
    [['--port', '70000'], 'peerline: --port must be a number from 0 to 65535, not "70000".'],
  ])('%j exits 2 with a message on stderr', async (args, message) => {
    const { exit, stdout, stderr } = await runCli(args);
    expect(exit).toEqual({ code: 2, signal: null });
    expect(stderr).toContain(message);
    expect(stderr).toContain('Usage: peerline');
    expect(stdout).toBe('');
  });
});

describe('interactive peerline', () => {
  it('connects, chats both ways, shows peer text terminal-safe, and /quit exits', async () => {
    const dave = await jsonPeer('Dave');
    const carol = await startInteractiveCli({ name: 'Carol', dataDir: await tempDir() });
    expect(carol.cli.stdout).toMatch(/^Peerline \d+\.\d+\.\d+, listening on 127\.0\.0\.1:\d+\n/);

    carol.cli.send(`/connect 127.0.0.1:${dave.port}`);
    await carol.cli.waitForOutput(/\* connected: Dave at 127\.0\.0\.1:\d+ \(encrypted, fingerprint [A-Z2-7 ]{19}\)/);
    await carol.cli.waitForOutput('* talking to Dave');
    const daveSeesCarol = await dave.cli.waitFor('connected');
    expect(daveSeesCarol).toMatchObject({ name: 'Carol', mode: 'secure', fingerprint: carol.fingerprint });
    const carolId = daveSeesCarol.peer as string;

    // A line typed at the terminal reaches Dave.
    carol.cli.send('hello from the terminal, Dave');
    expect(await dave.cli.waitFor('message')).toMatchObject({ peer: carolId, id: expect.any(String), text: 'hello from the terminal, Dave' });

    // Dave's messages are printed with his name.
    dave.cli.send({ cmd: 'send', peer: carolId, text: 'hi Carol, good to see you' });
    await carol.cli.waitForOutput('[Dave] hi Carol, good to see you\n');

    // Escape sequences, C1 controls and bidi overrides in peer text arrive as visible escapes.
    const hostile = 'look \x1b]0;pwned\x07\x1b[31mred\x1b[0m \x9b2J \u202eTXT.exe end';
    const since = carol.cli.stdout.length;
    dave.cli.send({ cmd: 'send', peer: carolId, text: hostile });
    await carol.cli.waitForOutput('[Dave] look \\x1b]0;pwned\\x07\\x1b[31mred\\x1b[0m \\x9b2J \\u202eTXT.exe end\n', { since });

    carol.cli.send('/quit');
    expect(await carol.cli.waitForExit()).toEqual({ code: 0, signal: null });
    expect(carol.cli.stdout).toContain('Saying goodbye');
    expect(await dave.cli.waitFor('disconnected')).toMatchObject({ peer: carolId, reason: 'the peer left (quit)' });

    // Carol's stdout is a pipe, not a terminal: no control sequences at all reach it, least of all the peer's.
    expect(carol.cli.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
  });

  it('refused dials and unknown commands are reported, and end of input quits', async () => {
    const carol = await startInteractiveCli({ name: 'Carol', dataDir: await tempDir() });
    const closedPort = await freePort();
    carol.cli.send(`/connect 127.0.0.1:${closedPort}`);
    await carol.cli.waitForOutput(`! Nobody is listening at 127.0.0.1:${closedPort}.`);
    carol.cli.send('/frobnicate');
    await carol.cli.waitForOutput('! Unknown command /frobnicate; /help lists them.');
    carol.cli.send('anyone there?');
    await carol.cli.waitForOutput('! Nobody to talk to yet');
    carol.cli.endInput();
    expect(await carol.cli.waitForExit()).toEqual({ code: 0, signal: null });
  });
});

/** `from` sends `text` to `toId`: `sent` then `delivered` with one id at `from`, `message` at `to`. */
async function sendAndConfirm(from: CliProcess, to: CliProcess, toId: string, fromId: string, text: string): Promise<void> {
  const fromMark = from.mark;
  const toMark = to.mark;
  from.send({ cmd: 'send', peer: toId, text });
  const sent = await from.waitFor('sent', { since: fromMark });
  expect(sent).toEqual({ event: 'sent', peer: toId, id: expect.stringMatching(/^[0-9a-f]{32}$/) });
  const delivered = await from.waitFor('delivered', { since: fromMark });
  expect(delivered).toEqual({ event: 'delivered', peer: toId, id: sent.id });
  expect(from.events.indexOf(sent)).toBeLessThan(from.events.indexOf(delivered));
  expect(await to.waitFor('message', { since: toMark })).toEqual({ event: 'message', peer: fromId, id: sent.id, text });
}
