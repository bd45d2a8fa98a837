/**
 * `npm run bench`: Peerline's performance on 127.0.0.1, next to baselines measured in the same run
 * (DESIGN §6). Everything runs in this one Node process: both peers share its event loop, so every figure is
 * the cost of both ends together, for Peerline and for the baselines alike. Figures are informational: targets
 * are shown with ✓/✗, nothing fails. All figures are also written to out/bench/results.json.
 *
 *   node out/bench/bench.js [--quick]     --quick: a fraction of the iterations, for trying the bench itself
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_LIMITS } from '../../shared/protocol/limits';
import { cleanUp, startPeer } from '../helpers/peers';
import { bareBulk, bareHandshakeTimes, bareRoundTrips, rawBulk, rawConnectTimes, rawRoundTrips } from './baselines';
import { peerConnectTimes, peerRoundTrips, pumpChats, settleAcks, type ChatPumpResult } from './peer-scenarios';
import { int, ms, ratio, renderTable, writeJson, type Row } from './report';
import { fastest, mbPerSecond, messagesPerSecond, nowMs, summarize, type Transfer } from './stats';

const quick = process.argv.includes('--quick');
const scale = (n: number) => (quick ? Math.max(1, Math.round(n / 10)) : n);

const CONFIG = {
  handshake: { iterations: scale(200), warmup: scale(20) },
  roundTrip: { count: scale(5_000), warmup: scale(200), textBytes: 100 },
  chat: {
    textBytes: 100,
    total: scale(400_000),
    warmup: scale(20_000),
    window: 4_096,
    /** The receiver's limit during the capacity measurement: high enough never to engage. */
    liftedLimit: 1_000_000_000,
    /** Default-limit run: enough to empty the burst bucket, then a steady stretch to time. */
    defaultTotal: 30_000,
    defaultSteadyFrom: 12_000,
  },
  bulk: { messageBytes: 60 * 1024, messages: scale(30_720), warmup: scale(1_000), runs: 2, window: 64 },
};

const TARGETS = {
  rttP50Ms: 1,
  rttP99Ms: 5,
  messagesPerSecond: 20_000,
  secureOverBare: 0.8,
  secureOverRaw: 0.25,
};

const outFile = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results.json');

function progress(text: string): void {
  process.stdout.write(`· ${text}\n`);
}

async function timed<T>(label: string, run: () => Promise<T>): Promise<T> {
  const start = nowMs();
  const result = await run();
  progress(`${label} (${((nowMs() - start) / 1000).toFixed(1)} s)`);
  return result;
}

async function main(): Promise<void> {
  const benchStart = nowMs();
  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    v8: process.versions.v8,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    quick,
  };
  console.log(`Peerline bench — ${meta.date}`);
  console.log(`node ${meta.node} (V8 ${meta.v8}) · ${meta.cpu} · ${meta.cores} cores · ${meta.platform}${quick ? ' · QUICK MODE' : ''}`);
  console.log('All peers and baselines run in this one process over 127.0.0.1; each figure includes both ends.\n');

  const lifted = { inboundMessagesPerSecond: CONFIG.chat.liftedLimit, inboundMessageBurst: CONFIG.chat.liftedLimit };
  const alice = await startPeer('bench-alice');
  const bob = await startPeer('bench-bob', { limits: lifted }); // receiver for capacity figures: limiter lifted
  const carol = await startPeer('bench-carol'); // receiver with the default limits

  // 1. Handshakes ---------------------------------------------------------------------------------------------
  const { iterations, warmup } = CONFIG.handshake;
  const tcpConnect = summarize(await timed(`raw TCP connect ×${iterations}`, () => rawConnectTimes(iterations, warmup)));
  const bareConnect = summarize(await timed(`bare secret-stream handshake ×${iterations}`, () => bareHandshakeTimes(iterations, warmup)));
  const peerTimes = await timed(`Peerline connect + disconnect ×${iterations}`, () => peerConnectTimes(alice, bob, iterations, warmup));
  const peerConnect = summarize(peerTimes.connect);
  const peerDisconnect = summarize(peerTimes.disconnect);

  // 2. Round trips --------------------------------------------------------------------------------------------
  const rt = CONFIG.roundTrip;
  const text100 = 'r'.repeat(rt.textBytes);
  const rawRtt = summarize(await timed(`raw TCP ping-pong ×${rt.count}`, () => rawRoundTrips(rt.count, rt.warmup, rt.textBytes)));
  const bareRtt = summarize(await timed(`bare secret-stream ping-pong ×${rt.count}`, () => bareRoundTrips(rt.count, rt.warmup, rt.textBytes)));
  await alice.connect('127.0.0.1', bob.port);
  await alice.connect('127.0.0.1', carol.port);
  const peerRtt = summarize(await timed(`Peerline round trips ×${rt.count}`, () => peerRoundTrips(alice, bob, rt.count, rt.warmup, text100)));

  // 3. Chat messages per second -------------------------------------------------------------------------------
  const chat = CONFIG.chat;
  const chatText = 'm'.repeat(chat.textBytes);
  await timed(`chat warm-up ×${chat.warmup}`, () => pumpChats(alice, bob, chat.warmup, chatText, chat.window));
  await settleAcks();
  const capacity = await timed(`chat capacity ×${chat.total} (receiver limit lifted)`, () => pumpChats(alice, bob, chat.total, chatText, chat.window));
  await settleAcks();
  const limited = await timed(`chat with default limits ×${chat.defaultTotal}`, () =>
    pumpChats(alice, carol, chat.defaultTotal, chatText, chat.window, [chat.defaultSteadyFrom, chat.defaultTotal]),
  );
  await settleAcks();
  const steadyMs = limited.markTimes[chat.defaultTotal] - limited.markTimes[chat.defaultSteadyFrom];
  const limitedSteady = (chat.defaultTotal - chat.defaultSteadyFrom) / (steadyMs / 1000);

  // 4. Bulk ---------------------------------------------------------------------------------------------------
  const bulk = CONFIG.bulk;
  const bulkText = 'b'.repeat(bulk.messageBytes);
  const runs = { raw: [] as Transfer[], bare: [] as Transfer[], peerline: [] as ChatPumpResult[] };
  await timed(`bulk warm-up, ${bulk.warmup} × 60 KiB each way (untimed)`, async () => {
    await rawBulk(bulk.warmup, bulk.messageBytes);
    await bareBulk(bulk.warmup, bulk.messageBytes);
    await pumpChats(alice, bob, bulk.warmup, bulkText, bulk.window);
  });
  await settleAcks();
  for (let run = 1; run <= bulk.runs; run++) {
    runs.raw.push(await timed(`bulk raw TCP, run ${run}`, () => rawBulk(bulk.messages, bulk.messageBytes)));
    runs.bare.push(await timed(`bulk bare secret-stream, run ${run}`, () => bareBulk(bulk.messages, bulk.messageBytes)));
    runs.peerline.push(await timed(`bulk Peerline, run ${run}`, () => pumpChats(alice, bob, bulk.messages, bulkText, bulk.window)));
    await settleAcks();
  }
  const bestRaw = fastest(runs.raw);
  const bestBare = fastest(runs.bare);
  const bestPeer = fastest(runs.peerline);

  await cleanUp();

  // Report ----------------------------------------------------------------------------------------------------
  const capacityRate = messagesPerSecond(capacity);
  const rawMBps = mbPerSecond(bestRaw);
  const bareMBps = mbPerSecond(bestBare);
  const peerMBps = mbPerSecond(bestPeer);
  const bulkMB = (bulk.messages * bulk.messageBytes) / 1e6;
  const bulkSection = `4. Bulk — ${int(bulk.messages)} × 60 KiB = ${bulkMB.toFixed(1)} MB per run; after a warm-up, ${bulk.runs} runs each (interleaved), the better shown`;
  const rows: Row[] = [
    {
      section: `1. Handshake — ${iterations} connects each, after ${warmup} warm-up; p50 / p90`,
      label: 'raw TCP connect (connect + accept)',
      figure: `${ms(tcpConnect.p50)} / ${ms(tcpConnect.p90)}`,
    },
    {
      section: `1. Handshake — ${iterations} connects each, after ${warmup} warm-up; p50 / p90`,
      label: 'bare secret-stream (TCP + Noise XX + 1 msg each way)',
      figure: `${ms(bareConnect.p50)} / ${ms(bareConnect.p90)}`,
      baseline: `TCP ${ms(tcpConnect.p50)}`,
      ratio: ratio(bareConnect.p50 / tcpConnect.p50),
    },
    {
      section: `1. Handshake — ${iterations} connects each, after ${warmup} warm-up; p50 / p90`,
      label: 'Peerline connect (TCP + preface + Noise XX + hello both ways)',
      figure: `${ms(peerConnect.p50)} / ${ms(peerConnect.p90)}`,
      baseline: `bare ${ms(bareConnect.p50)}`,
      ratio: ratio(peerConnect.p50 / bareConnect.p50),
      note: 'no target set; timed until the dialer’s connect() resolved and the listener emitted `connected`',
    },
    {
      section: `1. Handshake — ${iterations} connects each, after ${warmup} warm-up; p50 / p90`,
      label: 'Peerline disconnect (bye → both sides report gone)',
      figure: `${ms(peerDisconnect.p50)} / ${ms(peerDisconnect.p90)}`,
    },
    {
      section: `2. Round trip — ${rt.count} sequential, after ${rt.warmup} warm-up; ${rt.textBytes}-byte payload`,
      label: 'raw TCP ping-pong p50 / p99',
      figure: `${ms(rawRtt.p50)} / ${ms(rawRtt.p99)}`,
    },
    {
      section: `2. Round trip — ${rt.count} sequential, after ${rt.warmup} warm-up; ${rt.textBytes}-byte payload`,
      label: 'bare secret-stream ping-pong p50 / p99',
      figure: `${ms(bareRtt.p50)} / ${ms(bareRtt.p99)}`,
      baseline: `TCP ${ms(rawRtt.p50)}`,
      ratio: ratio(bareRtt.p50 / rawRtt.p50),
    },
    {
      section: `2. Round trip — ${rt.count} sequential, after ${rt.warmup} warm-up; ${rt.textBytes}-byte payload`,
      label: 'Peerline send → reply received, p50',
      figure: ms(peerRtt.p50),
      baseline: `TCP ${ms(rawRtt.p50)}`,
      ratio: ratio(peerRtt.p50 / rawRtt.p50),
      target: { text: `≤ ${TARGETS.rttP50Ms} ms`, met: peerRtt.p50 <= TARGETS.rttP50Ms },
    },
    {
      section: `2. Round trip — ${rt.count} sequential, after ${rt.warmup} warm-up; ${rt.textBytes}-byte payload`,
      label: 'Peerline send → reply received, p99',
      figure: ms(peerRtt.p99),
      baseline: `TCP ${ms(rawRtt.p99)}`,
      ratio: ratio(peerRtt.p99 / rawRtt.p99),
      target: { text: `≤ ${TARGETS.rttP99Ms} ms`, met: peerRtt.p99 <= TARGETS.rttP99Ms },
    },
    {
      section: `3. Chat messages/s — ${chat.textBytes}-byte texts, ≤ ${int(chat.window)} unacked in flight, timed until all delivered (acked)`,
      label: `capacity: ${int(chat.total)} msgs, receiver rate limit LIFTED`,
      figure: `${int(capacityRate)} msg/s`,
      target: { text: `≥ ${int(TARGETS.messagesPerSecond)} msg/s`, met: capacityRate >= TARGETS.messagesPerSecond },
      note: `receiver limits: inboundMessagesPerSecond = inboundMessageBurst = ${int(chat.liftedLimit)} (default ${int(DEFAULT_LIMITS.inboundMessagesPerSecond)}/s, burst ${int(DEFAULT_LIMITS.inboundMessageBurst)}); ${int(capacity.received)} received; ${(capacity.ms / 1000).toFixed(2)} s`,
    },
    {
      section: `3. Chat messages/s — ${chat.textBytes}-byte texts, ≤ ${int(chat.window)} unacked in flight, timed until all delivered (acked)`,
      label: `default limits: steady rate after the burst`,
      figure: `${int(limitedSteady)} msg/s`,
      baseline: `limit ${int(DEFAULT_LIMITS.inboundMessagesPerSecond)}/s`,
      ratio: ratio(limitedSteady / DEFAULT_LIMITS.inboundMessagesPerSecond),
      note: `deliveries ${int(chat.defaultSteadyFrom)} → ${int(chat.defaultTotal)}; whole run incl. the ${int(DEFAULT_LIMITS.inboundMessageBurst)} burst: ${int(messagesPerSecond(limited))} msg/s over ${(limited.ms / 1000).toFixed(2)} s; expected ≈ ${int(DEFAULT_LIMITS.inboundMessagesPerSecond)}/s`,
    },
    {
      section: bulkSection,
      label: 'raw node:net (socket write/read loop)',
      figure: `${rawMBps.toFixed(1)} MB/s`,
      note: `runs: ${runs.raw.map((r) => mbPerSecond(r).toFixed(1)).join(', ')} MB/s`,
    },
    {
      section: bulkSection,
      label: 'bare secret-stream (60 KiB writes over raw sockets)',
      figure: `${bareMBps.toFixed(1)} MB/s`,
      baseline: `raw ${rawMBps.toFixed(1)}`,
      ratio: ratio(bareMBps / rawMBps),
      note: `runs: ${runs.bare.map((r) => mbPerSecond(r).toFixed(1)).join(', ')} MB/s`,
    },
    {
      section: bulkSection,
      label: 'Peerline session (60 KiB chats until delivered)',
      figure: `${peerMBps.toFixed(1)} MB/s`,
      baseline: `bare ${bareMBps.toFixed(1)}`,
      ratio: ratio(peerMBps / bareMBps),
      target: { text: `≥ ${TARGETS.secureOverBare.toFixed(2)}× bare secret-stream`, met: peerMBps / bareMBps >= TARGETS.secureOverBare },
      note: `runs: ${runs.peerline.map((r) => mbPerSecond(r).toFixed(1)).join(', ')} MB/s; ≤ ${bulk.window} chats unacked in flight`,
    },
    {
      section: bulkSection,
      label: 'Peerline session vs raw TCP',
      figure: `${peerMBps.toFixed(1)} MB/s`,
      baseline: `raw ${rawMBps.toFixed(1)}`,
      ratio: ratio(peerMBps / rawMBps),
      target: { text: `≥ ${TARGETS.secureOverRaw.toFixed(2)}× raw TCP`, met: peerMBps / rawMBps >= TARGETS.secureOverRaw },
    },
  ];

  const totalSeconds = (nowMs() - benchStart) / 1000;
  console.log('');
  console.log(renderTable(rows));
  console.log('');
  // Every delivered (acked) chat must also have reached the receiver's app exactly once.
  const chatRuns: Array<[string, ChatPumpResult]> = [
    ['chat capacity', capacity],
    ['chat with default limits', limited],
    ...runs.peerline.map((run, i): [string, ChatPumpResult] => [`bulk Peerline run ${i + 1}`, run]),
  ];
  for (const [label, run] of chatRuns) {
    if (run.received !== run.messages) console.log(`WARNING: ${label}: ${run.messages} delivered but ${run.received} received`);
  }
  console.log('Targets are informational (✓ met, ✗ not met); nothing here fails the build.');

  await writeJson(outFile, {
    meta: { ...meta, durationSeconds: totalSeconds },
    config: CONFIG,
    targets: TARGETS,
    handshake: { rawTcpConnectMs: tcpConnect, bareSecretStreamMs: bareConnect, peerlineConnectMs: peerConnect, peerlineDisconnectMs: peerDisconnect },
    roundTrip: { rawTcpMs: rawRtt, bareSecretStreamMs: bareRtt, peerlineMs: peerRtt },
    chat: {
      capacity: { ...capacity, messagesPerSecond: capacityRate, receiverLimits: lifted },
      defaultLimits: {
        ...limited,
        messagesPerSecondOverall: messagesPerSecond(limited),
        steadyMessagesPerSecond: limitedSteady,
        steadyFrom: chat.defaultSteadyFrom,
        receiverLimits: { inboundMessagesPerSecond: DEFAULT_LIMITS.inboundMessagesPerSecond, inboundMessageBurst: DEFAULT_LIMITS.inboundMessageBurst },
      },
    },
    bulk: {
      bytesPerRun: bulk.messages * bulk.messageBytes,
      runs: Object.fromEntries(Object.entries(runs).map(([name, list]) => [name, list.map((r) => ({ ...r, mbPerSecond: mbPerSecond(r) }))])),
      bestMBps: { raw: rawMBps, bareSecretStream: bareMBps, peerline: peerMBps },
      ratios: { peerlineOverBare: peerMBps / bareMBps, peerlineOverRaw: peerMBps / rawMBps, bareOverRaw: bareMBps / rawMBps },
    },
    rows,
  });
  console.log(`Results: ${outFile}`);
  console.log(`Bench took ${totalSeconds.toFixed(1)} s.`);
}

main().then(
  () => process.exit(0),
  async (err: unknown) => {
    console.error(err);
    await cleanUp().catch(() => {});
    process.exit(1);
  },
);
