import { afterEach, describe, expect, it } from 'vitest';
import { once } from 'node:events';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { startJsonCli, stopAllClis } from '../helpers/cli';
import { cleanUp, collect, nextEvent, onCleanUp, startPeer, tempDir, waitUntil } from '../helpers/peers';
import { rawServer } from '../helpers/net';

afterEach(async () => {
  await stopAllClis();
  await cleanUp();
});

const GREETING = 'Hello from the classic client';
const REFUSAL_NOTICE = 'This Peerline accepts only encrypted Peerline connections.\n';

describe('a classic socket client dials Peerline', () => {
  it('its line without a newline arrives as a message with no id, and our reply reaches it with a newline', async () => {
    const alice = await startPeer('Alice');
    const connected = nextEvent(alice, 'connected');
    const gets = nextEvent(alice, 'message');
    const client = await classicClient(alice.port);
    const peer = `plain:127.0.0.1:${client.localPort}`;
    client.write(GREETING);

    expect(await connected).toEqual({ peer, mode: 'plain', direction: 'inbound', address: `127.0.0.1:${client.localPort}`, dialAddress: `127.0.0.1:${client.localPort}`, path: 'tcp' });
    const message = await gets;
    expect(message).toEqual({ peer, text: GREETING });
    expect(message.id).toBeUndefined();

    const sent = nextEvent(alice, 'sent');
    const id = alice.send(peer, 'Hello, classic client');
    expect(await sent).toEqual({ peer, id });
    await waitUntil(() => client.received() === 'Hello, classic client\n', 'the client gets the reply');

    // The classic client closes after its one reply.
    const gone = nextEvent(alice, 'disconnected');
    client.socket.end();
    expect(await gone).toEqual({ peer, reason: 'the peer closed the connection', byPeerUser: false });
    expect(alice.peers()).toEqual([]);
  });

  it('through the CLI: a message event, and a send command reaches the client', async () => {
    const { cli, port } = await startJsonCli({ name: 'Alice', dataDir: await tempDir() });
    const client = await classicClient(port);
    const peer = `plain:127.0.0.1:${client.localPort}`;
    client.write(GREETING);

    const connected = await cli.waitFor('connected');
    const address = `127.0.0.1:${client.localPort}`;
    expect(connected).toEqual({ event: 'connected', peer, address, dialAddress: address, mode: 'plain', path: 'tcp' });
    // A plain-text line carries no id: it gets one of ours, the one `history` shows it under.
    expect(await cli.waitFor('message')).toEqual({ event: 'message', peer, id: expect.stringMatching(/^[0-9a-f]{32}$/), text: GREETING });

    cli.send({ cmd: 'send', peer, text: 'Hello, classic client' });
    expect(await cli.waitFor('sent')).toEqual({ event: 'sent', peer, id: expect.stringMatching(/^[0-9a-f]{32}$/) });
    await waitUntil(() => client.received() === 'Hello, classic client\n', 'the client gets the reply');

    client.socket.end();
    expect(await cli.waitFor('disconnected')).toEqual({ event: 'disconnected', peer, reason: 'the peer closed the connection' });
    // Nobody acknowledges plain text.
    expect(cli.all('delivered')).toEqual([]);
    expect(cli.badLines).toEqual([]);
  });
});

describe('Peerline dials a classic socket server', () => {
  it('node.connect(…, "plain"): the server gets our line, its echo is a message, then it is gone', async () => {
    const server = await classicServer((data) => `Echo: ${data}`);
    const alice = await startPeer('Alice');
    const messages = collect(alice, 'message');
    const disconnected = nextEvent(alice, 'disconnected');
    const info = await alice.connect('127.0.0.1', server.port, 'plain');
    const peer = `plain:127.0.0.1:${server.port}`;
    expect(info).toEqual({ peer, mode: 'plain', direction: 'outbound', address: `127.0.0.1:${server.port}`, dialAddress: `127.0.0.1:${server.port}`, path: 'tcp' });

    alice.send(peer, 'Hello from Peerline');
    expect(await disconnected).toEqual({ peer, reason: 'the peer closed the connection', byPeerUser: false });
    expect(server.received).toEqual(['Hello from Peerline\n']);
    // The message came before the disconnect (collected by then).
    expect(messages).toEqual([{ peer, text: 'Echo: Hello from Peerline' }]);
    expect(alice.peers()).toEqual([]);
  });

  it('a reply without a newline is delivered when the server closes', async () => {
    const server = await classicServer((data) => `Echo: ${data.trimEnd()}`);
    const alice = await startPeer('Alice');
    const messages = collect(alice, 'message');
    const { peer } = await alice.connect('127.0.0.1', server.port, 'plain');
    const disconnected = nextEvent(alice, 'disconnected');
    alice.send(peer, 'ping');
    await disconnected;
    expect(messages.map((m) => m.text)).toEqual(['Echo: ping']);
  });

  it('through the CLI: connect with mode "plain", send, see the echo, then disconnected', async () => {
    const server = await classicServer((data) => `Echo: ${data}`);
    const { cli } = await startJsonCli({ name: 'Alice', dataDir: await tempDir() });
    const peer = `plain:127.0.0.1:${server.port}`;
    cli.send({ cmd: 'connect', address: `127.0.0.1:${server.port}`, mode: 'plain' });
    const address = `127.0.0.1:${server.port}`;
    expect(await cli.waitFor('connected')).toEqual({ event: 'connected', peer, address, dialAddress: address, mode: 'plain', path: 'tcp' });

    cli.send({ cmd: 'send', peer, text: 'Hello from the Peerline CLI' });
    const message = await cli.waitFor('message');
    expect(message).toEqual({ event: 'message', peer, id: expect.stringMatching(/^[0-9a-f]{32}$/), text: 'Echo: Hello from the Peerline CLI' });
    const disconnected = await cli.waitFor('disconnected');
    expect(disconnected).toEqual({ event: 'disconnected', peer, reason: 'the peer closed the connection' });
    expect(cli.events.indexOf(message)).toBeLessThan(cli.events.indexOf(disconnected));
    expect(server.received).toEqual(['Hello from the Peerline CLI\n']);
    expect(cli.all('error')).toEqual([]);
    expect(cli.badLines).toEqual([]);
  });
});

describe('plain-text lines', () => {
  /** A raw client writes `chunks` (`gapMs` apart) to a fresh peer, then a sentinel line; returns the messages before it. */
  async function linesFrom(chunks: Array<string | Buffer>, gapMs = 0): Promise<string[]> {
    const alice = await startPeer('Alice');
    const messages = collect(alice, 'message');
    const client = await classicClient(alice.port);
    for (const chunk of chunks) {
      client.write(chunk);
      if (gapMs > 0) await sleep(gapMs);
    }
    client.write('-- end --\n');
    await waitUntil(() => messages.some((m) => m.text === '-- end --'), 'the sentinel line arrives');
    expect(messages.every((m) => m.id === undefined && m.peer === `plain:127.0.0.1:${client.localPort}`)).toBe(true);
    return messages.map((m) => m.text).slice(0, -1);
  }

  it('strips "\\r\\n" line endings', async () => {
    expect(await linesFrom(['line one\r\nline two\r\n', 'line three\n'])).toEqual(['line one', 'line two', 'line three']);
  });

  it('several lines in one chunk are several messages, in order', async () => {
    expect(await linesFrom(['first\nsecond\nthird\n'])).toEqual(['first', 'second', 'third']);
  });

  it('a line split across writes arrives whole', async () => {
    expect(await linesFrom(['hel', 'lo wo', 'rld\n'], 20)).toEqual(['hello world']);
  });

  it('a multi-byte UTF-8 character split across writes arrives intact', async () => {
    const bytes = Buffer.from('grüße 😀 done\n');
    const emoji = bytes.indexOf(Buffer.from('😀'));
    const u = bytes.indexOf(Buffer.from('ü'));
    // Cut inside the two-byte "ü" and twice inside the four-byte emoji.
    const pieces = [bytes.subarray(0, u + 1), bytes.subarray(u + 1, emoji + 1), bytes.subarray(emoji + 1, emoji + 3), bytes.subarray(emoji + 3)];
    expect(await linesFrom(pieces, 20)).toEqual(['grüße 😀 done']);
  });

  it('drops empty lines', async () => {
    expect(await linesFrom(['\n\n\r\n', 'real\n\n\r\n\n', '\n'])).toEqual(['real']);
  });
});

describe('refusing plain-text peers', () => {
  it('allowPlain: false turns a plain client away with a notice and says why in the log; secure peers still work', async () => {
    const alice = await startPeer('Alice', { allowPlain: false });
    const connected = collect(alice, 'connected');
    const messages = collect(alice, 'message');
    const log = nextEvent(alice, 'log', (line) => line.includes('plain-text peers are not allowed'));
    const client = await classicClient(alice.port);
    client.write(GREETING);

    await client.closed;
    expect(client.received()).toBe(REFUSAL_NOTICE);
    expect(await log).toBe(`turned away 127.0.0.1:${client.localPort}: plain-text peers are not allowed`);
    expect(connected).toEqual([]);
    expect(messages).toEqual([]);

    const bob = await startPeer('Bob');
    await bob.connect('127.0.0.1', alice.port);
    const gets = nextEvent(alice, 'message');
    bob.send(alice.id, 'encrypted is fine');
    expect(await gets).toMatchObject({ peer: bob.id, text: 'encrypted is fine' });
  });

  it('a silent client (a person at a netcat prompt) is turned away once the sniff deadline passes', async () => {
    const alice = await startPeer('Alice', { allowPlain: false, timeouts: { prefaceSniffMs: 100 } });
    const log = nextEvent(alice, 'log');
    const client = await classicClient(alice.port);
    await client.closed;
    expect(client.received()).toBe(REFUSAL_NOTICE);
    expect(await log).toContain('plain-text peers are not allowed');
  });

  it('setAllowPlain switches it at run time', async () => {
    const alice = await startPeer('Alice', { allowPlain: false });
    alice.setAllowPlain(true);
    const gets = nextEvent(alice, 'message');
    const client = await classicClient(alice.port);
    client.write('let me in\n');
    expect((await gets).text).toBe('let me in');
  });

  it('--no-plain in the CLI: a notice to the client, the reason on stderr, no events; secure peers still work', async () => {
    const alice = await startJsonCli({ name: 'Alice', dataDir: await tempDir(), args: ['--no-plain'] });
    const client = await classicClient(alice.port);
    client.write(GREETING);
    await client.closed;
    expect(client.received()).toBe(REFUSAL_NOTICE);
    await alice.cli.waitForStderr(new RegExp(`peerline: turned away 127\\.0\\.0\\.1:${client.localPort}: plain-text peers are not allowed\\n`));

    const bob = await startJsonCli({ name: 'Bob', dataDir: await tempDir() });
    bob.cli.send({ cmd: 'connect', address: `127.0.0.1:${alice.port}` });
    await bob.cli.waitFor('connected');
    bob.cli.send({ cmd: 'send', peer: alice.id, text: 'encrypted is fine' });
    expect(await alice.cli.waitFor('message')).toMatchObject({ peer: bob.id, text: 'encrypted is fine' });
    expect(alice.cli.all('connected')).toEqual([expect.objectContaining({ peer: bob.id, mode: 'secure' })]);
    expect(alice.cli.badLines).toEqual([]);
  });
});

describe('a plain peer is never marked secure', () => {
  it('inbound and outbound plain peers have mode "plain" and no id, fingerprint or name', async () => {
    const server = await classicServer(() => '');
    const alice = await startPeer('Alice');
    const bob = await startPeer('Bob');
    // A plain client that types a real peer id and a hello-like line is still just text.
    const inbound = nextEvent(alice, 'connected');
    const client = await classicClient(alice.port);
    client.write(`${bob.id}\n{"type":"hello","name":"Bob"}\n`);
    const outbound = await alice.connect('127.0.0.1', server.port, 'plain');

    for (const info of [await inbound, outbound, ...alice.peers()]) {
      expect(info.mode).toBe('plain');
      expect(info.peer).toMatch(/^plain:127\.0\.0\.1:\d+$/);
      for (const key of ['id', 'fingerprint', 'name', 'appVersion', 'listenPort']) expect(info).not.toHaveProperty(key);
    }
    expect(alice.peers()).toHaveLength(2);
    expect(alice.peers().some((p) => p.peer === bob.id || p.mode === 'secure')).toBe(false);
  });

  it('through the CLI: connected and peers carry mode "plain" and no key, name or fingerprint', async () => {
    const { cli, port } = await startJsonCli({ name: 'Alice', dataDir: await tempDir() });
    const client = await classicClient(port);
    client.write('hi\n');
    const connected = await cli.waitFor('connected');
    expect(Object.keys(connected).sort()).toEqual(['address', 'dialAddress', 'event', 'mode', 'path', 'peer']);
    expect(connected.mode).toBe('plain');
    await cli.waitFor('message');

    cli.send({ cmd: 'peers' });
    const { peers } = await cli.waitFor('peers');
    expect(peers).toEqual([{ peer: connected.peer, address: connected.address, dialAddress: connected.address, mode: 'plain', path: 'tcp' }]);
  });
});

/**
 * The classic socket example's client: connect, write, read the reply. `received()` is all text read so far;
 * `closed` settles when the socket is gone.
 */
async function classicClient(port: number) {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.on('error', () => {});
  onCleanUp(() => void socket.destroy());
  await once(socket, 'connect');
  socket.setNoDelay(true);
  socket.setEncoding('utf8');
  let received = '';
  socket.on('data', (text: string) => (received += text));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return {
    socket,
    localPort: socket.localPort!,
    closed,
    received: () => received,
    write: (data: string | Buffer) => socket.write(data),
  };
}

/** The classic socket example's server: read once, reply, close. `received` holds what each client sent. */
async function classicServer(reply: (data: string) => string) {
  const received: string[] = [];
  const port = await rawServer((socket) =>
    socket.once('data', (data) => {
      received.push(data.toString('utf8'));
      socket.end(reply(data.toString('utf8')));
    }),
  );
  return { port, received };
}
