/**
 * Section 7 of `npm run bench` (alone: `node out/bench/bench.js durable`): durable chat, two ends. How many
 * messages a second Peerline delivers end to end when the whole app runs at both ends, with both stores on disk:
 * the sender's AppService stores each message before it is sent (`message:send`, group-committed fsync), the
 * receiving AppService, as its node's inbox, stores each before it is acknowledged, and the sender writes
 * "delivered" to disk before it reports it (`message:status-changed`). The receiving app runs in the receiver
 * thread or process of sections 3 and 4 (remote.ts), the sending one here.
 *
 * Baseline, in the same run and the same setup: two bare PeerNodes (no store, the default in-memory inbox), the
 * receiver over there with the same lifted limits, the same texts, count and in-flight bound, and the same
 * sending policy (`windowedPump`). Runs are interleaved, best of each shown. Data directories are temporary
 * (os.tmpdir()) and removed afterwards; a watchdog stops the section if it overruns.
 */
import { readFile, realpath } from 'node:fs/promises';
import os from 'node:os';
import { AppService } from '../../electron/core/app-service';
import type { EventPayload } from '../../shared/ipc/contract';
import type { PeerLimits } from '../../shared/protocol/limits';
import { cleanUp, onCleanUp, startPeer, tempDir } from '../helpers/peers';
import { pumpChats, settleAcks, windowedPump, type ChatPumpResult } from './peer-scenarios';
import type { ReceiverKind, RemoteReceiver } from './remote';
import { int, mergeJson, ms, ratio, renderTable, type Row } from './report';
import { fastest, messagesPerSecond, nowMs, summarize, withCpu, withPeakRss, withTimeout, type Summary } from './stats';

export const DURABLE_CONFIG = {
  messages: 20_000,
  textBytes: 100,
  /** At most this many sent and not yet 'delivered' (refilled when half have been), for both variants. */
  window: 2_000,
  /** Untimed, per variant, first: opens the stores' files, warms the JIT. */
  warmup: 2_000,
  /** Measured runs per variant, interleaved; the best is shown. */
  runs: 3,
  /** Then, per variant, this many sent one at a time (≤ 1 in flight): the latency of one message, not of a queue. */
  oneAtATime: 300,
  /** Any one run that takes longer fails the section with a message. */
  runTimeoutMs: 15_000,
  /** The whole section, from starting the receiver to removing the data directories. */
  watchdogMs: 40_000,
};

const TEMP_PREFIX = 'peerline-durable-bench-';
const HOST = '127.0.0.1';

/** An AppService opened for the bench, and how many chats it has stored from each peer. */
export interface BenchApp {
  service: AppService;
  received(from: string): number;
}

/**
 * Opens an AppService on 127.0.0.1 (any port) in a new temporary data directory, as the app does: its own store,
 * which is its node's inbox. Closed, and its directory removed, by `cleanUp()` of tests/helpers/peers.
 */
export async function openBenchApp(name: string, limits: Partial<PeerLimits> = {}): Promise<BenchApp> {
  const dataDir = await tempDir(TEMP_PREFIX);
  // The receiving app takes the sender's messages as a contact's (as a person who accepted it), not as a request.
  const service = await AppService.open({ dataDir, appVersion: 'bench', host: HOST, port: 0, name, limits, requests: { acceptStrangers: true } });
  onCleanUp(() => service.close());
  const counts = new Map<string, number>();
  service.subscribe((event, payload) => {
    if (event !== 'message:received') return;
    const message = payload as EventPayload<'message:received'>;
    if (!message.fromMe && message.kind === 'chat') counts.set(message.peer, (counts.get(message.peer) ?? 0) + 1);
  });
  return { service, received: (from) => counts.get(from) ?? 0 };
}

/**
 * Sends `total` chats of `text` through the app's own handler (`message:send`, which stores each first), with the
 * sending policy of every chat-rate run (`windowedPump`), timed from the first send until the last
 * `message:status-changed` to 'delivered' (written to disk before it is told). Each chat's handler call →
 * 'delivered' time is pushed to `latencies`.
 */
function pumpApp(sender: AppService, peer: string, total: number, text: string, window: number, latencies: number[]): Promise<ChatPumpResult> {
  const sentAt = new Map<string, number>();
  /** 'delivered' told before `message:send` resolved: the handler resolves long before an ack can come, but a run must not hang on it. */
  const deliveredFirst = new Map<string, number>();
  const delivered = (at: number, deliveredAt: number) => {
    latencies.push(deliveredAt - at);
    pump.delivered();
  };
  const pump = windowedPump(total, window, Buffer.byteLength(text), () => {
    const at = nowMs();
    sender.handlers['message:send']({ peer, text }).then(
      (message) => {
        if (message.status === 'failed') return pump.fail(new Error(`message:send stored a failed message: ${message.failure}`));
        const deliveredAt = deliveredFirst.get(message.id);
        if (deliveredAt === undefined) return void sentAt.set(message.id, at);
        deliveredFirst.delete(message.id);
        delivered(at, deliveredAt);
      },
      (err: unknown) => pump.fail(new Error(`message:send failed: ${err instanceof Error ? err.message : String(err)}`)),
    );
  });
  const unsubscribe = sender.subscribe((event, payload) => {
    if (event === 'error:raised') return pump.fail(new Error(`the sending app raised an error: ${(payload as EventPayload<'error:raised'>).message}`));
    if (event !== 'message:status-changed') return;
    const change = payload as EventPayload<'message:status-changed'>;
    if (change.peer !== peer || change.status !== 'delivered') return;
    const at = sentAt.get(change.id);
    if (at === undefined) return void deliveredFirst.set(change.id, nowMs());
    sentAt.delete(change.id);
    delivered(at, nowMs());
  });
  const onDisconnected = ({ peer: gone, reason }: { peer: string; reason: string }) => {
    if (gone === peer) pump.fail(new Error(`the session closed mid-run: ${reason}`));
  };
  sender.sessions.on('disconnected', onDisconnected);
  return pump.run().finally(() => {
    unsubscribe();
    sender.sessions.off('disconnected', onDisconnected);
  });
}

/** One measured run: the pump's figures, how many the receiver stored, latencies and memory over the run. */
interface DurableRun extends ChatPumpResult {
  received: number;
  latencyMs: Summary;
  peakRssMB: number;
  peakHeapMB: number;
}

type Variant = 'bare' | 'app';

/** The measured runs of each variant, and each one's run of messages sent one at a time. */
type DurableRuns = Record<Variant, DurableRun[]> & { oneAtATime: Record<Variant, DurableRun> };

/** The file system a path lives on ("ext4", "tmpfs", …), from /proc/mounts; "unknown" where it cannot tell. */
async function fileSystemOf(dir: string): Promise<string> {
  try {
    const real = await realpath(dir);
    let best = { mount: '', type: 'unknown' };
    for (const line of (await readFile('/proc/mounts', 'utf8')).split('\n')) {
      const [, mount, type] = line.split(' ');
      if (!mount || !type) continue;
      const covers = real === mount || real.startsWith(mount.endsWith('/') ? mount : `${mount}/`);
      if (covers && mount.length >= best.mount.length) best = { mount, type };
    }
    return best.type;
  } catch {
    return 'unknown';
  }
}

export interface DurableSectionOptions {
  quick: boolean;
  progress: (text: string) => void;
  /** out/bench/results.json: the section's figures go in under `durableChat`, its rows among `rows`. */
  outFile: string;
  receiverKind: ReceiverKind;
  startReceiver: () => Promise<RemoteReceiver>;
  /** The receivers' limits, lifted as in section 3, and the sentence that says so. */
  receiverLimits: Partial<PeerLimits>;
  limitsNote: string;
}

/** Runs section 7 (a tenth of the messages with `quick`), prints its table and adds it to `outFile`. */
export async function runDurableSection(opts: DurableSectionOptions): Promise<void> {
  const config = opts.quick ? { ...DURABLE_CONFIG, messages: DURABLE_CONFIG.messages / 10, warmup: DURABLE_CONFIG.warmup / 10, oneAtATime: DURABLE_CONFIG.oneAtATime / 10 } : DURABLE_CONFIG;
  const watchdog = setTimeout(() => {
    console.error(
      `\nSection 7 (durable chat) did not finish within ${config.watchdogMs / 1000} s: stopped. The last line above says what ran last; ` +
        `its data directories ${TEMP_PREFIX}* may be left in ${os.tmpdir()}.`,
    );
    process.exit(1);
  }, config.watchdogMs);
  watchdog.unref();
  const start = nowMs();
  const step = async <T>(label: string, run: () => Promise<T>): Promise<T> => {
    const begun = nowMs();
    const result = await run();
    opts.progress(`${label} (${((nowMs() - begun) / 1000).toFixed(1)} s)`);
    return result;
  };
  const rssBeforeMB = process.memoryUsage().rss / 1e6;
  const fileSystem = await fileSystemOf(os.tmpdir());
  const receiver = await step(`durable: receiving end started (${opts.receiverKind})`, opts.startReceiver);
  let runs: DurableRuns;
  try {
    runs = await measureRuns(config, opts, receiver, step);
  } finally {
    // Both apps say goodbye, close their stores and remove their directories; then the receiver ends.
    await step('durable: apps and peers closed, data directories removed', async () => {
      await withTimeout(cleanUp(), 10_000, 'closing the sending app and peer');
      await receiver.close();
    }).catch((err: unknown) => console.error(`durable: closing failed: ${err instanceof Error ? err.message : String(err)}`));
  }
  clearTimeout(watchdog);
  const { rows, json } = summarizeRuns(config, opts, runs, { rssBeforeMB, fileSystem });
  console.log('');
  console.log(renderTable(rows));
  console.log('');
  console.log(`Durable setup: the sending end in this thread, the receiving end in a separate ${opts.receiverKind === 'thread' ? 'worker thread' : 'child process'} started from this bundle,`);
  console.log('over 127.0.0.1 TCP, as in sections 3 and 4. Apps: a whole AppService at each end, its store (LevelDB, every write synced by');
  console.log("group commit) in a new temporary directory; messages go in through the app's own message:send handler. Baseline: two bare");
  console.log('PeerNodes in the same setup, with the same texts, count, in-flight bound and sending policy. Timing is on the sender’s clock.');
  const checked: Array<[string, DurableRun]> = (['bare', 'app'] as const).flatMap((variant) => [
    ...runs[variant].map((run, i): [string, DurableRun] => [`${variant} run ${i + 1}`, run]),
    [`${variant} one at a time`, runs.oneAtATime[variant]] as [string, DurableRun],
  ]);
  for (const [label, run] of checked) {
    if (run.received !== run.messages) console.log(`WARNING: durable ${label}: ${run.messages} delivered but ${run.received} received`);
  }
  await mergeJson(opts.outFile, 'durableChat', { date: new Date().toISOString(), durationSeconds: (nowMs() - start) / 1000, ...json }, rows);
  console.log(`Durable results: ${opts.outFile} (durableChat)`);
}

/** Opens both pairs of ends, warms each up, then runs them interleaved. */
async function measureRuns(
  config: typeof DURABLE_CONFIG,
  opts: DurableSectionOptions,
  receiver: RemoteReceiver,
  step: <T>(label: string, run: () => Promise<T>) => Promise<T>,
): Promise<DurableRuns> {
  const text = 'd'.repeat(config.textBytes);
  // The baseline's ends: bare PeerNodes, the receiver over there with the limits lifted.
  const bareSender = await startPeer('durable-bench-bare-sender');
  const bareTo = await receiver.startPeer('durable-bench-bare-receiver', opts.receiverLimits);
  await receiver.guard(bareSender.connect(HOST, bareTo.port), 15_000, 'connecting to the bare receiver');
  // The app's ends: an AppService here and one over there, each with its store on disk.
  const app = await openBenchApp('durable-bench-sender');
  const appTo = await receiver.startApp('durable-bench-receiver', opts.receiverLimits);
  const { peer } = await receiver.guard(app.service.handlers['peer:connect']({ host: HOST, port: appTo.port, mode: 'secure' }), 15_000, 'connecting to the receiving app');
  type Send = (count: number, window: number, latencies: number[]) => Promise<ChatPumpResult>;
  const variants: Record<Variant, { send: Send; received: () => Promise<number>; name: string }> = {
    bare: {
      send: (count, window, latencies) => pumpChats(bareSender, bareTo.id, count, text, window, [], latencies),
      received: () => receiver.received('durable-bench-bare-receiver', bareSender.id),
      name: 'bare PeerNodes',
    },
    app: {
      send: (count, window, latencies) => pumpApp(app.service, peer, count, text, window, latencies),
      received: () => receiver.received('durable-bench-receiver', app.service.node.id),
      name: 'Peerline apps (stores on disk)',
    },
  };
  const measure = async (variant: Variant, count: number, window: number, what: string): Promise<DurableRun> => {
    const label = `durable: ${what}, ${variants[variant].name}`;
    const latencies: number[] = [];
    const before = await variants[variant].received();
    const { result, peakRssMB, peakHeapMB } = await step(label, () =>
      withPeakRss(() => receiver.guard(withCpu(() => variants[variant].send(count, window, latencies), receiver), config.runTimeoutMs, label)),
    );
    const received = (await variants[variant].received()) - before;
    await settleAcks();
    return { ...result, received, latencyMs: summarize(latencies), peakRssMB, peakHeapMB };
  };
  await measure('bare', config.warmup, config.window, `warm-up ×${int(config.warmup)}`);
  await measure('app', config.warmup, config.window, `warm-up ×${int(config.warmup)}`);
  const runs: DurableRuns = { bare: [], app: [], oneAtATime: {} as DurableRuns['oneAtATime'] };
  for (let run = 1; run <= config.runs; run++) {
    runs.bare.push(await measure('bare', config.messages, config.window, `×${int(config.messages)}, run ${run}`));
    runs.app.push(await measure('app', config.messages, config.window, `×${int(config.messages)}, run ${run}`));
  }
  for (const variant of ['bare', 'app'] as const) runs.oneAtATime[variant] = await measure(variant, config.oneAtATime, 1, `×${config.oneAtATime} one at a time`);
  return runs;
}

/** The section's rows and its part of results.json. */
function summarizeRuns(
  config: typeof DURABLE_CONFIG,
  opts: DurableSectionOptions,
  runs: DurableRuns,
  context: { rssBeforeMB: number; fileSystem: string },
): { rows: Row[]; json: Record<string, unknown> } {
  const bare = fastest(runs.bare);
  const app = fastest(runs.app);
  const alone = runs.oneAtATime;
  const bareRate = messagesPerSecond(bare);
  const appRate = messagesPerSecond(app);
  const rates = (list: readonly DurableRun[]) => list.map((r) => int(messagesPerSecond(r))).join(', ');
  const latency = (run: DurableRun) => `${ms(run.latencyMs.p50)} / ${ms(run.latencyMs.p99)}`;
  const busy = (run: DurableRun) => {
    if (!run.cpu) return 'no CPU figures on this platform';
    const share = (cpuMs: number) => `${Math.round((100 * cpuMs) / run.ms)}%`;
    const perThousand = (cpuMs: number) => `${((1000 * cpuMs) / run.messages).toFixed(1)} ms`;
    const { senderMs, receiverMs = NaN } = run.cpu;
    return `best run: sender busy ${share(senderMs)}, receiver ${share(receiverMs)}; CPU per 1,000 msgs: sender ${perThousand(senderMs)}, receiver ${perThousand(receiverMs)}`;
  };
  const peak = (list: readonly DurableRun[], key: 'peakRssMB' | 'peakHeapMB') => Math.max(...list.map((r) => r[key]));
  const section =
    `7. Durable chat, two ends — ${int(config.messages)} × ${config.textBytes}-byte texts per run, ≤ ${int(config.window)} awaiting 'delivered'; ` +
    `after a warm-up, ${config.runs} runs each (interleaved), the best shown`;
  const rows: Row[] = [
    {
      section,
      label: 'bare PeerNodes (no store: the in-memory inbox)',
      figure: `${int(bareRate)} msg/s`,
      note: `runs: ${rates(runs.bare)} msg/s; ${busy(bare)}; ${int(bare.received)} received; ${opts.limitsNote}`,
    },
    {
      section,
      label: 'Peerline apps, both stores on disk',
      figure: `${int(appRate)} msg/s`,
      baseline: `bare ${int(bareRate)}`,
      ratio: ratio(appRate / bareRate),
      note:
        `runs: ${rates(runs.app)} msg/s; ${busy(app)}; ${int(app.received)} received and stored; message:send → stored (synced) → session → ` +
        `the receiving AppService stores it (synced) → ack → 'delivered' stored (synced) → told; the receiving app's limits lifted as above; ` +
        `data directories in ${os.tmpdir()} (${context.fileSystem})`,
    },
    {
      section,
      label: `  send → 'delivered' told, p50 / p99`,
      figure: latency(app),
      baseline: `bare ${latency(bare)}`,
      ratio: ratio(app.latencyMs.p50 / bare.latencyMs.p50),
      note:
        `best runs, from the call of message:send (bare: PeerNode.send) to that message's 'delivered'; the ratio is of the p50s. ` +
        `With up to ${int(config.window)} in flight, mostly time spent waiting behind the others (≈ in flight ÷ rate)`,
    },
    {
      section,
      label: `  the same, one at a time (≤ 1 in flight)`,
      figure: latency(alone.app),
      baseline: `bare ${latency(alone.bare)}`,
      ratio: ratio(alone.app.latencyMs.p50 / alone.bare.latencyMs.p50),
      note: `${config.oneAtATime} messages each, after the runs above: what one message costs, three synced writes included (the message at each end, then 'delivered')`,
    },
    {
      section,
      label: `  RSS peak during the app runs`,
      figure: `${int(peak(runs.app, 'peakRssMB'))} MB`,
      note:
        (opts.receiverKind === 'thread'
          ? 'the whole process, the receiving thread’s memory too (--receiver=process measures the sending end alone); '
          : 'the sending process alone (the receiver is a child process); ') +
        `${int(context.rssBeforeMB)} MB before the section. The sending thread's own V8 heap in use, peak: ${int(peak(runs.app, 'peakHeapMB'))} MB ` +
        `over the app runs, ${int(peak(runs.bare, 'peakHeapMB'))} MB over the bare ones (interleaved, with the apps open and idle)`,
    },
  ];
  const withRate = (run: DurableRun) => ({ ...run, messagesPerSecond: messagesPerSecond(run) });
  const json = {
    quick: opts.quick,
    receiver: opts.receiverKind,
    config,
    receiverLimits: opts.receiverLimits,
    tmpdir: { path: os.tmpdir(), fileSystem: context.fileSystem },
    rssBeforeMB: context.rssBeforeMB,
    runs: { bare: runs.bare.map(withRate), app: runs.app.map(withRate) },
    oneAtATime: { bare: withRate(alone.bare), app: withRate(alone.app) },
    best: { bareMessagesPerSecond: bareRate, appMessagesPerSecond: appRate, appOverBare: appRate / bareRate, bareLatencyMs: bare.latencyMs, appLatencyMs: app.latencyMs },
  };
  return { rows, json };
}
