/**
 * Section 8 of `npm run bench` (alone: `node out/bench/bench.js bulk`): chat round trip under bulk. One session
 * carries a synthetic bulk channel at full speed (64 KiB frames on the bulk lane, each sent as soon as the socket
 * has room, as file transfer will) while chat round trips run on the same session; baseline: the same round
 * trips on the same kind of session with nothing else on it, measured in the same run. Both ends in this thread,
 * so a figure includes the receiving end's work on the bulk frames ahead of each chat frame.
 */
import type { ChannelSpec } from '../../electron/core/channels';
import { ProtocolError } from '../../shared/protocol/codec';
import { cleanUp, startPeer, type TestPeer } from '../helpers/peers';
import { peerRoundTrips } from './peer-scenarios';
import { mergeJson, ms, ratio, renderTable, type Row } from './report';
import { nowMs, summarize, withTimeout } from './stats';

export const BULK_CONFIG = {
  chunkBytes: 64 * 1024,
  roundTrips: 2_000,
  warmup: 100,
  textBytes: 100,
  /** Target: a chat round trip's p99 while the session carries bulk at full speed. */
  targetP99Ms: 25,
  watchdogMs: 60_000,
};

/** A bulk channel as a later feature (files) has one: each message is a chunk of bytes, type code first. */
export const BULK_CHANNEL: ChannelSpec<Uint8Array> = {
  name: 'bench-bulk/1',
  codec: {
    encode: (chunk) => chunk,
    decode: (bytes) => {
      if (bytes[0] !== 1) throw new ProtocolError('a bulk chunk starts with type code 1');
      return bytes;
    },
  },
};

export async function peerWithBulk(name: string, onChunk: (bytes: number) => void, opts: Parameters<typeof startPeer>[1] = {}): Promise<TestPeer> {
  const peer = await startPeer(name, { ...opts, limits: { inboundMessagesPerSecond: 1_000_000_000, inboundMessageBurst: 1_000_000_000 } });
  peer.channel(BULK_CHANNEL, { message: (_session, chunk) => void onChunk(chunk.byteLength) });
  return peer;
}

/** Sends chunks to `to` on the bulk lane until `stop()`, each once the socket has room; resolves with bytes sent. */
function pumpBulk(from: TestPeer, to: TestPeer): { stop: () => Promise<number> } {
  const chunk = new Uint8Array(BULK_CONFIG.chunkBytes).fill(7);
  chunk[0] = 1;
  let running = true;
  let sent = 0;
  const done = (async () => {
    while (running) {
      const session = from.session(to.id, BULK_CHANNEL);
      if (!session || !(await session.sendBulk(chunk))) break;
      sent += chunk.byteLength;
    }
  })();
  return {
    stop: async () => {
      running = false;
      await done;
      return sent;
    },
  };
}

export async function runBulkSection(opts: { quick: boolean; progress: (text: string) => void; outFile: string }): Promise<void> {
  const count = opts.quick ? Math.round(BULK_CONFIG.roundTrips / 10) : BULK_CONFIG.roundTrips;
  const text = 'x'.repeat(BULK_CONFIG.textBytes);
  const section = '8. Chat round trip under bulk, one session, one thread';
  const run = async (): Promise<Row[]> => {
    let received = 0;
    const alice = await peerWithBulk('Alice', () => {});
    const bob = await peerWithBulk('Bob', (bytes) => (received += bytes));
    await alice.connect('127.0.0.1', bob.port);
    const idle = summarize(await peerRoundTrips(alice, bob, count, BULK_CONFIG.warmup, text));
    opts.progress(`idle round trips: p99 ${ms(idle.p99)}`);
    const bulk = pumpBulk(alice, bob);
    const start = nowMs();
    const busy = summarize(await peerRoundTrips(alice, bob, count, BULK_CONFIG.warmup, text));
    const sent = await bulk.stop();
    const seconds = (nowMs() - start) / 1000;
    opts.progress(`round trips under bulk: p99 ${ms(busy.p99)}, bulk ${(sent / seconds / 1e6).toFixed(0)} MB/s`);
    await mergeJson(opts.outFile, 'chatUnderBulk', { idle, busy, bulkBytes: sent, bulkReceived: received, seconds }, []);
    return [
      {
        section,
        label: 'chat round trip p50 / p99 while the session carries bulk',
        figure: `${ms(busy.p50)} / ${ms(busy.p99)}`,
        baseline: `${ms(idle.p50)} / ${ms(idle.p99)} idle`,
        ratio: ratio(busy.p99 / idle.p99),
        target: { text: `p99 ≤ ${BULK_CONFIG.targetP99Ms} ms`, met: busy.p99 <= BULK_CONFIG.targetP99Ms },
        note: `${count} sequential 100-byte round trips each; meanwhile ${(sent / 1e6).toFixed(0)} MB of 64 KiB bulk frames went at ${(sent / seconds / 1e6).toFixed(0)} MB/s on the same session`,
      },
    ];
  };
  try {
    const rows = await withTimeout(run(), BULK_CONFIG.watchdogMs, 'the chat-under-bulk section');
    console.log(renderTable(rows));
  } finally {
    await cleanUp();
  }
}
