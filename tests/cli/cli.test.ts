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

  it('keeps contacts across runs: /contacts and /to, a line to an offline contact waits and is told delivered in one line, /history', async () => {
    const bobDir = await tempDir();
    const bobPort = await freePort();
    const carolOptions = { name: 'Carol', dataDir: await tempDir(), args: ['--port', String(await freePort())] };
    const bob = await startJsonCli({ name: 'Bob', dataDir: bobDir, args: ['--port', String(bobPort)] });
    let carol = await startInteractiveCli(carolOptions);
    carol.cli.send(`/connect 127.0.0.1:${bobPort}`);
    await carol.cli.waitForOutput('* talking to Bob\n');
    const carolId = (await bob.cli.waitFor('connected')).peer as string;
    carol.cli.send('hello Bob');
    await bob.cli.waitFor((e) => e.event === 'message' && e.text === 'hello Bob');
    bob.cli.send({ cmd: 'send', peer: carolId, text: 'hi Carol \x1b[2J' });
    await carol.cli.waitForOutput('[Bob] hi Carol \\x1b[2J\n');

    // Bob leaves: what Carol types now waits for him, even after she quits.
    bob.cli.send({ cmd: 'quit' });
    await carol.cli.waitForOutput('* Bob disconnected: the peer left (quit); what you type to Bob now waits until Bob is back\n');
    carol.cli.send('are you there?');
    await carol.cli.waitForOutput('* queued for Bob: will be sent when Bob is back\n');
    carol.cli.send('/quit');
    expect(await carol.cli.waitForExit()).toEqual({ code: 0, signal: null });

    // Carol again, on the same data directory: Bob is a contact, offline, with one message waiting.
    carol = await startInteractiveCli(carolOptions);
    await carol.cli.waitForOutput('  1 contact, 1 message waiting: /contacts lists them\n');
    const say = (line: string, expected: string | RegExp) => typeAndWait(carol.cli, line, expected);
    await say('/contacts', '  1. Bob (offline, 1 waiting)\n');
    await say('one more thing', '! Nobody to talk to yet: /contacts lists your contacts, /to N picks one.');
    await say('/to 2', '! There is no contact 2; /contacts lists them.');
    await say('/to x', `! No contact's name starts with "x"; /contacts lists them.`);
    await say('/to 1', '* talking to Bob (offline: what you type waits until Bob is back)\n');
    // Switching to a conversation shows its last few messages.
    await carol.cli.waitForOutput(/  (?:\d{4}-\d\d-\d\d )?\d\d:\d\d me: are you there\?  \[queued\]\n/);
    await say('/to b', '* talking to Bob (offline');
    await say('one more thing', '* queued for Bob: will be sent when Bob is back\n');
    await say('/contacts', '  1. Bob (offline, 2 waiting)  <- current\n');

    // Bob comes back and dials Carol: both waiting messages go, in order, and Carol hears of it in one line.
    const deliveredSince = carol.cli.stdout.length;
    const bobAgain = await startJsonCli({ name: 'Bob', dataDir: bobDir, args: ['--port', String(bobPort)] });
    await carol.cli.waitForOutput('* delivered to Bob (2 waiting messages)\n', { since: deliveredSince });
    await bobAgain.cli.waitFor((e) => e.event === 'message' && e.text === 'one more thing');
    expect(bobAgain.cli.all('message').map((m) => m.text)).toEqual(['are you there?', 'one more thing']);
    await say('/contacts', '  1. Bob (online)  <- current\n');
    await say('/peers', /  1\. Bob at 127\.0\.0\.1:\d+ \(encrypted, fingerprint [A-Z2-7 ]{19}\)  <- current\n/);

    // Online, a line goes at once, and its delivery is not worth a line.
    const onlineSince = carol.cli.stdout.length;
    carol.cli.send('back to normal');
    await bobAgain.cli.waitFor((e) => e.event === 'message' && e.text === 'back to normal');
    let history = '';
    for (let tries = 0; !history.includes('back to normal  [delivered]'); tries++) {
      expect(tries, 'the last message is shown delivered').toBeLessThan(50);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const since = carol.cli.stdout.length;
      carol.cli.send('/history');
      history = String(await carol.cli.waitForOutput(/\* history with Bob:\n(?:  .*\n)+/, { since }));
    }
    // HH:MM, after a date when the message is from another day (a test that runs over midnight).
    const time = '(?:\\d{4}-\\d\\d-\\d\\d )?\\d\\d:\\d\\d';
    expect(history).toMatch(
      new RegExp(
        [
          '\\* history with Bob:',
          `  ${time} me: hello Bob  \\[delivered\\]`,
          `  ${time} Bob: hi Carol \\\\x1b\\[2J`,
          `  ${time} me: are you there\\?  \\[delivered\\]`,
          `  ${time} me: one more thing  \\[delivered\\]`,
          `  ${time} me: back to normal  \\[delivered\\]`,
          '',
        ].join('\n'),
      ),
    );
    expect(carol.cli.stdout.slice(onlineSince)).not.toContain('* delivered');
    await say('/history 2', '* history with Bob (the last 2; /history 10 shows more):\n');
    await say('/history many', '! /history N shows the last N messages, N from 1 to 500.');
  });

  it('a verified contact with a new key: the change is shown, lines to it wait, /approve sends them', async () => {
    const bobPort = await freePort();
    const bob = await startJsonCli({ name: 'Bob', dataDir: await tempDir(), args: ['--port', String(bobPort)] });
    const carol = await startInteractiveCli({ name: 'Carol', dataDir: await tempDir() });
    const say = (line: string, expected: string | RegExp) => typeAndWait(carol.cli, line, expected);
    await say('/approve', '! Pick a contact first: /contacts lists them, /to N picks one.');
    // The first peer to connect becomes the current one; /to picks another by number or by its name.
    const bobby = await startJsonCli({ name: 'Bobby', dataDir: await tempDir() });
    await say(`/connect 127.0.0.1:${bobby.port}`, '* talking to Bobby\n');
    await say(`/connect 127.0.0.1:${bobPort}`, /\* connected: Bob at /);
    await say('/peers', /  1\. Bobby at .*  <- current\n  2\. Bob at 127\.0\.0\.1:\d+ \(encrypted, fingerprint [A-Z2-7 ]{19}\)\n/);
    await say('/to bo', '! "bo" could be Bobby (1) or Bob (2): type more of the name, or /to N.');
    await say('/to BOB', '* talking to Bob\n');
    await say('/to 1', '* talking to Bobby\n');
    await say('/to bob', '* talking to Bob\n');
    await say('/verify', /\* safety number with Bob: \d{5}(?: \d{5}){11}\n.*\n\* compare these digits with Bob .*: \/verify yes\n/);
    await say('/verify yes', '* Bob is marked verified\n');
    await say('/contacts', '  1. Bobby (online)\n  2. Bob (online, ✓ verified)  <- current\n');
    bob.cli.send({ cmd: 'quit' });
    await carol.cli.waitForOutput('* Bob disconnected');

    // Someone else answers at Bob's address.
    const comesBack = carol.cli.stdout.length;
    const other = await startJsonCli({ name: 'Bob', dataDir: await tempDir(), args: ['--port', String(bobPort)] });
    // Dials Bob now (unless Carol's own retry got there first).
    await say('/connect', /\* (dialing Bob again…|Bob is connected already)\n/);
    const connected = (await carol.cli.waitForOutput(/\* connected: Bob at 127\.0\.0\.1:\d+ \(encrypted, fingerprint ([A-Z2-7 ]{19})\)\n/, { since: comesBack })) as RegExpExecArray;
    await carol.cli.waitForOutput("* Bob's safety number changed. You had verified Bob, so messages to Bob wait until you approve the new key.");
    await carol.cli.waitForOutput('* messages to Bob wait for your approval: /verify to compare, then /approve\n');
    await say('is it really you?', "* queued for Bob: will be sent once you /approve Bob's new key\n");
    await say('/contacts', '  2. Bob (online, 1 waiting, new key: /approve)  <- current\n');
    await say('/verify', `* Bob's key changed: fingerprint ${connected[1]}, was `);
    expect(other.cli.all('message')).toEqual([]);

    const since = carol.cli.stdout.length;
    carol.cli.send('/approve');
    await carol.cli.waitForOutput("* You approved Bob's new key. Messages that were waiting are on their way.\n", { since });
    await carol.cli.waitForOutput('* delivered to Bob (1 waiting message)\n', { since });
    expect(await other.cli.waitFor('message')).toMatchObject({ text: 'is it really you?' });
    await say('/contacts', '  2. Bob (online)  <- current\n');
  });
});

/** Types `line` into an interactive peerline and waits until what it prints after shows `expected`. */
function typeAndWait(cli: CliProcess, line: string, expected: string | RegExp): Promise<RegExpExecArray | string> {
  const since = cli.stdout.length;
  cli.send(line);
  return cli.waitForOutput(expected, { since });
}

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
