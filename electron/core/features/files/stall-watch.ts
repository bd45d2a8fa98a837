/**
 * Stall detection for a transfer we receive: blocks asked for and nothing came for `stallMs` → the transfer is
 * shown as stalled and asks anew for everything it misses (the sender drops what it had queued); `maxStalls` in
 * a row with no byte between → it is given up with a reason, its partial files kept for a resume by hand. The
 * session and other transfers are not touched.
 */
import type { FileTimeouts } from '../../../../shared/files/limits';

export interface StallHost {
  /** Whether blocks are asked for and awaited: the transfer runs (not paused, its session open) and misses some. */
  waiting(): boolean;
  stalledChanged(stalled: boolean): void;
  askAgain(): void;
  giveUp(reason: string): void;
}

/** A duration for a sentence: whole seconds, or tenths under ten. */
function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

export class StallWatch {
  stalled = false;
  private lastByteAt = Date.now();
  private stalls = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly timeouts: Pick<FileTimeouts, 'stallMs' | 'maxStalls'>,
    private readonly host: StallHost,
  ) {}

  /** Blocks were just asked for: the wait for them starts now. */
  asked(): void {
    this.lastByteAt = Date.now();
  }

  /** A byte came: the transfer is not stalled, and the count of stalls in a row starts again. */
  byteCame(): void {
    this.lastByteAt = Date.now();
    this.stalls = 0;
  }

  start(): void {
    if (this.timer !== null) return;
    const { stallMs, maxStalls } = this.timeouts;
    this.timer = setInterval(() => this.check(stallMs, maxStalls), stallMs / 4);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private check(stallMs: number, maxStalls: number): void {
    const waiting = this.host.waiting();
    if (!waiting) this.lastByteAt = Date.now();
    if (!waiting || Date.now() - this.lastByteAt < stallMs) {
      if (this.stalled) this.setStalled(false);
      return;
    }
    if (++this.stalls > maxStalls) return this.host.giveUp(`the sender sent nothing for ${seconds(stallMs * (maxStalls + 1))}, though asked ${maxStalls + 1} times`);
    this.setStalled(true);
    this.host.askAgain();
  }

  private setStalled(stalled: boolean): void {
    this.stalled = stalled;
    this.host.stalledChanged(stalled);
  }
}
