/** Timing and summary helpers for the benchmark. Durations are milliseconds as floating-point numbers. */

export interface Summary {
  n: number;
  min: number;
  p50: number;
  p90: number;
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
  return { n: sorted.length, min: sorted[0], p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted[sorted.length - 1], mean: sum / sorted.length };
}

/** A throughput run: how much moved in how long. */
export interface Transfer {
  bytes: number;
  messages: number;
  ms: number;
}

export function mbPerSecond(run: Transfer): number {
  return run.bytes / 1e6 / (run.ms / 1000);
}

export function messagesPerSecond(run: Transfer): number {
  return run.messages / (run.ms / 1000);
}

/** The faster of several runs of the same measurement (the one with the least interference). */
export function fastest(runs: readonly Transfer[]): Transfer {
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
