/**
 * Baselines measured in the same run as the Peerline figures: plain `node:net` sockets, and bare
 * `@hyperswarm/secret-stream` directly over such sockets (no preface, guard, codec, acks or PeerNode).
 */
import net, { type AddressInfo, type Server, type Socket } from 'node:net';
import NoiseSecretStream from '@hyperswarm/secret-stream';
import { nowMs, onceEvent, type Transfer } from './stats';

const HOST = '127.0.0.1';

/** A loopback server whose accepted sockets are handed to whoever waits in `accept()`. */
class LoopbackServer {
  private readonly server: Server;
  private readonly waiting: Array<(socket: Socket) => void> = [];
  private readonly accepted: Socket[] = [];

  private constructor(server: Server) {
    this.server = server;
    server.on('connection', (socket) => {
      socket.setNoDelay(true);
      const waiter = this.waiting.shift();
      if (waiter) waiter(socket);
      else this.accepted.push(socket);
    });
  }

  static async start(): Promise<LoopbackServer> {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: HOST, port: 0 }, () => resolve());
    });
    return new LoopbackServer(server);
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  accept(): Promise<Socket> {
    const ready = this.accepted.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function dial(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: HOST, port }, () => {
      socket.off('error', reject);
      socket.setNoDelay(true);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

async function destroyAndWait(...sockets: Socket[]): Promise<void> {
  await Promise.all(
    sockets.map((socket) => {
      if (socket.destroyed && socket.closed) return Promise.resolve();
      const closed = onceEvent(socket, 'close');
      socket.destroy();
      return closed;
    }),
  );
}

/** A connected client/server socket pair on loopback, with Nagle off on both ends. */
async function socketPair(): Promise<{ client: Socket; server: Socket; close: () => Promise<void> }> {
  const listener = await LoopbackServer.start();
  const [client, server] = await Promise.all([dial(listener.port), listener.accept()]);
  return {
    client,
    server,
    close: async () => {
      await destroyAndWait(client, server);
      await listener.close();
    },
  };
}

/** Two secret-stream ends over a fresh socket pair, resolved once both have finished the handshake. */
async function secretStreamPair(): Promise<{ initiator: NoiseSecretStream; responder: NoiseSecretStream; close: () => Promise<void> }> {
  const pair = await socketPair();
  const initiator = new NoiseSecretStream(true, pair.client, { keyPair: NoiseSecretStream.keyPair() });
  const responder = new NoiseSecretStream(false, pair.server, { keyPair: NoiseSecretStream.keyPair() });
  await Promise.all([initiator.opened, responder.opened]);
  return {
    initiator,
    responder,
    close: async () => {
      initiator.destroy();
      responder.destroy();
      await pair.close();
    },
  };
}

// -------------------------------------------------------------------------------------------------------------
// Connects

/** TCP connect until both the dialer's `connect` and the listener's accept have happened. */
export async function rawConnectTimes(iterations: number, warmup: number): Promise<number[]> {
  const listener = await LoopbackServer.start();
  const samples: number[] = [];
  for (let i = 0; i < warmup + iterations; i++) {
    const start = nowMs();
    const [client, server] = await Promise.all([dial(listener.port), listener.accept()]);
    const elapsed = nowMs() - start;
    if (i >= warmup) samples.push(elapsed);
    await destroyAndWait(client, server);
  }
  await listener.close();
  return samples;
}

/**
 * TCP connect + Noise XX (secret-stream, fresh ephemeral keys, fixed static keys) + one small message each way
 * once both sides are open: the same round trips as a Peerline connect, without the preface, guard and hello codec.
 */
export async function bareHandshakeTimes(iterations: number, warmup: number): Promise<number[]> {
  const listener = await LoopbackServer.start();
  const dialerKeys = NoiseSecretStream.keyPair();
  const listenerKeys = NoiseSecretStream.keyPair();
  const hello = Buffer.alloc(48, 0x68);
  const samples: number[] = [];
  for (let i = 0; i < warmup + iterations; i++) {
    const start = nowMs();
    const dialed = dial(listener.port).then((socket) => new NoiseSecretStream(true, socket, { keyPair: dialerKeys }));
    const accepted = listener.accept().then((socket) => new NoiseSecretStream(false, socket, { keyPair: listenerKeys }));
    const [initiator, responder] = await Promise.all([dialed, accepted]);
    // Each side sends its "hello" once its handshake is done and is finished when it has read the other's.
    const exchange = (stream: NoiseSecretStream) =>
      new Promise<void>((resolve, reject) => {
        stream.once('data', () => resolve());
        stream.once('error', reject);
        void stream.opened.then(() => stream.write(hello));
      });
    await Promise.all([exchange(initiator), exchange(responder)]);
    const elapsed = nowMs() - start;
    if (i >= warmup) samples.push(elapsed);
    const closed = Promise.all([onceEvent(initiator, 'close'), onceEvent(responder, 'close')]);
    initiator.destroy();
    responder.destroy();
    await closed;
  }
  await listener.close();
  return samples;
}

// -------------------------------------------------------------------------------------------------------------
// Round trips

/** Sequential ping-pong of `size`-byte buffers over raw sockets; the server echoes what it reads. */
export async function rawRoundTrips(count: number, warmup: number, size: number): Promise<number[]> {
  const pair = await socketPair();
  pair.server.on('data', (chunk: Buffer) => pair.server.write(chunk));
  let received = 0;
  let wake: (() => void) | null = null;
  pair.client.on('data', (chunk: Buffer) => {
    received += chunk.byteLength;
    if (received >= size && wake) {
      received -= size;
      const w = wake;
      wake = null;
      w();
    }
  });
  const payload = Buffer.alloc(size, 0x70);
  const samples: number[] = [];
  for (let i = 0; i < warmup + count; i++) {
    const back = new Promise<void>((resolve) => (wake = resolve));
    const start = nowMs();
    pair.client.write(payload);
    await back;
    if (i >= warmup) samples.push(nowMs() - start);
  }
  await pair.close();
  return samples;
}

/** Sequential ping-pong of `size`-byte messages over bare secret-stream; the responder echoes each message. */
export async function bareRoundTrips(count: number, warmup: number, size: number): Promise<number[]> {
  const pair = await secretStreamPair();
  pair.responder.on('data', (message: Buffer) => pair.responder.write(message));
  let wake: (() => void) | null = null;
  pair.initiator.on('data', () => {
    const w = wake;
    wake = null;
    w?.();
  });
  const payload = Buffer.alloc(size, 0x70);
  const samples: number[] = [];
  for (let i = 0; i < warmup + count; i++) {
    const back = new Promise<void>((resolve) => (wake = resolve));
    const start = nowMs();
    pair.initiator.write(payload);
    await back;
    if (i >= warmup) samples.push(nowMs() - start);
  }
  await pair.close();
  return samples;
}

// -------------------------------------------------------------------------------------------------------------
// Bulk

/** Writes `count` buffers of `size` bytes through `write`, waiting for 'drain' whenever it asks to. */
function pumpWrites(count: number, size: number, writable: { write(chunk: Buffer): boolean; once(event: 'drain', fn: () => void): unknown }): void {
  const chunk = Buffer.alloc(size, 0x62);
  let written = 0;
  const pump = () => {
    while (written < count) {
      written++;
      if (!writable.write(chunk)) {
        writable.once('drain', pump);
        return;
      }
    }
  };
  pump();
}

/** Raw `node:net`: the client writes `count × size` bytes (respecting backpressure); timed until the server read all. */
export async function rawBulk(count: number, size: number): Promise<Transfer> {
  const pair = await socketPair();
  const total = count * size;
  let received = 0;
  const done = new Promise<void>((resolve) => {
    pair.server.on('data', (chunk: Buffer) => {
      received += chunk.byteLength;
      if (received >= total) resolve();
    });
  });
  const start = nowMs();
  pumpWrites(count, size, pair.client);
  await done;
  const ms = nowMs() - start;
  await pair.close();
  return { bytes: total, messages: count, ms };
}

/** Bare secret-stream: `count` messages of `size` bytes, each one write (one encrypted frame); timed until all are read. */
export async function bareBulk(count: number, size: number): Promise<Transfer> {
  const pair = await secretStreamPair();
  const total = count * size;
  let received = 0;
  const done = new Promise<void>((resolve) => {
    pair.responder.on('data', (message: Buffer) => {
      received += message.byteLength;
      if (received >= total) resolve();
    });
  });
  const start = nowMs();
  pumpWrites(count, size, pair.initiator);
  await done;
  const ms = nowMs() - start;
  await pair.close();
  return { bytes: total, messages: count, ms };
}

// -------------------------------------------------------------------------------------------------------------
// Bulk with the receiving end elsewhere (another thread or process, see remote.ts). The receiver listens for one
// connection, reads until it has `total` payload bytes, then answers with one small "done" write over the same
// connection; the sender times from its first write until that answer arrives, on its own clock.

const DONE = Buffer.from([0x64]);

/** Receiving end: listens on 127.0.0.1 for one connection of `kind`; resolves with the port once listening. */
export async function startBulkSink(kind: 'raw' | 'bare', total: number): Promise<number> {
  const listener = await LoopbackServer.start();
  void listener.accept().then((socket) => {
    socket.on('error', () => {});
    socket.once('close', () => void listener.close());
    let received = 0;
    if (kind === 'raw') {
      socket.on('data', (chunk: Buffer) => {
        received += chunk.byteLength;
        if (received === total) socket.write(DONE);
      });
      return;
    }
    const responder = new NoiseSecretStream(false, socket, { keyPair: NoiseSecretStream.keyPair() });
    responder.on('error', () => {});
    responder.on('data', (message: Buffer) => {
      received += message.byteLength;
      if (received === total) responder.write(DONE);
    });
  });
  return listener.port;
}

/** Resolves at the receiver's "done"; rejects if the connection closes first. */
function doneSignal(stream: { once(event: string, fn: (...args: never[]) => void): unknown }, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once('data', () => resolve());
    stream.once('error', (err: Error) => reject(new Error(`${what}: ${err.message}`)));
    stream.once('close', () => reject(new Error(`${what}: the receiver closed the connection before it had everything`)));
  });
}

/** Sending end, raw `node:net`: `count × size` bytes to a `startBulkSink('raw')` at `port`, respecting backpressure. */
export async function rawBulkTo(port: number, count: number, size: number): Promise<Transfer> {
  const socket = await dial(port);
  const done = doneSignal(socket, 'raw bulk');
  const start = nowMs();
  pumpWrites(count, size, socket);
  await done;
  const ms = nowMs() - start;
  await destroyAndWait(socket);
  return { bytes: count * size, messages: count, ms };
}

/**
 * Sending end, bare secret-stream: `count` messages of `size` bytes (one write, one encrypted frame each) to a
 * `startBulkSink('bare')` at `port`. The handshake is done before the clock starts.
 */
export async function bareBulkTo(port: number, count: number, size: number): Promise<Transfer> {
  const socket = await dial(port);
  const initiator = new NoiseSecretStream(true, socket, { keyPair: NoiseSecretStream.keyPair() });
  const done = doneSignal(initiator, 'bare secret-stream bulk');
  if (!(await initiator.opened)) throw new Error('bare secret-stream bulk: the handshake failed');
  const start = nowMs();
  pumpWrites(count, size, initiator);
  await done;
  const ms = nowMs() - start;
  initiator.destroy();
  await destroyAndWait(socket);
  return { bytes: count * size, messages: count, ms };
}
