/**
 * A token bucket: `take()` spends a token if one is left. It refills continuously at `perSecond`, up to `burst`.
 * Used to pause reading from a peer that sends faster than its budget, which pushes back through TCP instead of
 * dropping anything.
 */
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

  /** Spends one token; false when the bucket is empty (the caller should wait `msUntilToken()`). */
  take(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /**
   * Pays one token for something already done (a message already read), going into debt when none is left;
   * false when in debt, and the caller should wait `msUntilToken()`. Unlike a failed `take()`, nothing goes
   * unpaid, so the rate holds however late the caller's timer wakes.
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
