/** Timing and summary helpers for the benchmark. Durations are milliseconds as floating-point numbers. */
import { readFileSync } from 'node:fs';

export interface Summary {
  n: number;
  min: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** A monotonic clock in milliseconds with sub-microsecond resolution. */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Nearest-rank percentiles of `samples` (not modified). */
export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new Error('no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
  const sum = sorted.reduce((total, x) => total + x, 0);
  return { n: sorted.length, min: sorted[0], p50: at(0.5), p90: at(0.9), p95: at(0.95), p99: at(0.99), max: sorted[sorted.length - 1], mean: sum / sorted.length };
}

/** A throughput run: how much moved in how long. */
export interface Transfer {
  bytes: number;
  messages: number;
  ms: number;
  /** CPU time the sending and the receiving thread spent over the run, where the platform tells (Linux). */
  cpu?: RunCpu;
}

export interface RunCpu {
  senderMs: number;
  /** Absent when both ends are the same thread: then `senderMs` is the cost of both. */
  receiverMs?: number;
}

/** Linux reports thread CPU time in clock ticks of 1/USER_HZ s; USER_HZ is 100 on every architecture Node runs on. */
const MS_PER_TICK = 10;

/**
 * CPU time (user + system) the calling thread has used so far, in ms with a resolution of 10 ms, or null where
 * /proc/thread-self is not there. Unlike wall-clock time, it barely changes when other programs compete for the
 * cores, so it tells how much work a run cost, and (divided by the wall time) whether the thread was kept waiting.
 */
export function threadCpuMs(): number | null {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    // Fields after the command name, which is in parentheses and may itself contain spaces or parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK; // utime and stime: fields 14 and 15 of stat
  } catch {
    return null;
  }
}

/**
 * Runs `run`, adding the CPU time this thread and, when given, the receiving end (its `cpuMs()`, e.g. a
 * RemoteReceiver) spent over it. Without CPU figures on this platform, the run comes back as it was.
 */
export async function withCpu<T extends Transfer>(run: () => Promise<T>, receiver?: { cpuMs(): Promise<number | null> }): Promise<T> {
  const sender0 = threadCpuMs();
  const receiver0 = receiver ? await receiver.cpuMs() : null;
  const result = await run();
  const sender1 = threadCpuMs();
  const receiver1 = receiver ? await receiver.cpuMs() : null;
  if (sender0 === null || sender1 === null) return result;
  const cpu: RunCpu = { senderMs: sender1 - sender0 };
  if (receiver0 !== null && receiver1 !== null) cpu.receiverMs = receiver1 - receiver0;
  return { ...result, cpu };
}

/**
 * Samples memory every 100 ms while `run` runs; resolves with its result and the peaks: the process's RSS (every
 * thread's, a receiver thread's too) and the V8 heap in use of the calling thread alone.
 */
export async function withPeakRss<T>(run: () => Promise<T>): Promise<{ result: T; peakRssMB: number; peakHeapMB: number }> {
  let rss = 0;
  let heap = 0;
  const sample = () => {
    const usage = process.memoryUsage();
    rss = Math.max(rss, usage.rss);
    heap = Math.max(heap, usage.heapUsed);
  };
  sample();
  const timer = setInterval(sample, 100);
  try {
    const result = await run();
    sample();
    return { result, peakRssMB: rss / 1e6, peakHeapMB: heap / 1e6 };
  } finally {
    clearInterval(timer);
  }
}

export function mbPerSecond(run: Transfer): number {
  return run.bytes / 1e6 / (run.ms / 1000);
}

export function messagesPerSecond(run: Transfer): number {
  return run.messages / (run.ms / 1000);
}

/** The faster of several runs of the same measurement (the one with the least interference). */
export function fastest<T extends Transfer>(runs: readonly T[]): T {
  return runs.reduce((best, run) => (run.bytes / run.ms > best.bytes / best.ms ? run : best));
}

/** Resolves when `emitter` emits `event` once; a small stand-in for `events.once` without its array result. */
export function onceEvent(emitter: { once(event: string, listener: (...args: never[]) => void): unknown }, event: string): Promise<void> {
  return new Promise((resolve) => emitter.once(event, () => resolve()));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `promise`, or a rejection naming `what` when it has not settled within `ms`. The timer never keeps Node alive. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${(ms / 1000).toFixed(0)} s: ${what}`)), ms);
    timer.unref();
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/** This process's resident set size, sampled every 50 ms between `watch()` and `peak()`: the highest seen. */
export class RssWatch {
  private timer: NodeJS.Timeout | null = null;
  private highest = 0;

  /** Starts (again) and returns the RSS now. */
  watch(): number {
    this.stop();
    this.highest = process.memoryUsage().rss;
    this.timer = setInterval(() => (this.highest = Math.max(this.highest, process.memoryUsage().rss)), 50);
    return this.highest;
  }

  /** Stops and returns the highest RSS seen. */
  peak(): number {
    this.stop();
    return Math.max(this.highest, process.memoryUsage().rss);
  }

  private stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}
