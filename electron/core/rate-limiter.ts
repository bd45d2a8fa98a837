import type { PeerLimits } from '../../shared/protocol/limits';

/** A token bucket: it refills continuously at `perSecond`, up to `burst`. */
export class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = performance.now.bind(performance),
  ) {
    this.tokens = burst;
    this.refilledAt = now();
  }

  /**
   * Pays one token for something already done (a message already read), going into debt when none is left;
   * false when in debt, and the caller should wait `msUntilToken()`. Nothing goes unpaid, so the rate holds
   * however late the caller's timer wakes.
   */
  spend(): boolean {
    this.refill();
    this.tokens -= 1;
    return this.tokens >= 0;
  }

  msUntilToken(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) * 1000) / this.perSecond);
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) * this.perSecond) / 1000);
    this.refilledAt = now;
  }
}

/**
 * A peer's inbound message budget. Each message read is charged; while the budget is overdrawn, reading from the
 * peer pauses, which pushes back through TCP on the sender instead of dropping anything.
 */
export class InboundBudget {
  private readonly bucket: TokenBucket;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    limits: PeerLimits,
    private readonly reading: { pause(): void; resume(): void },
  ) {
    this.bucket = new TokenBucket(limits.inboundMessagesPerSecond, limits.inboundMessageBurst);
  }

  charge(): void {
    if (this.bucket.spend() || this.timer) return;
    this.reading.pause();
    this.timer = setTimeout(() => {
      this.timer = null;
      this.reading.resume();
    }, this.bucket.msUntilToken());
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
