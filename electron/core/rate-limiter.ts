import { INBOUND_BYTE_BURST, INBOUND_BYTES_PER_SECOND, MAX_MESSAGE_BYTES, type PeerLimits } from '../../shared/protocol/limits';

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
   * Pays `cost` tokens (one by default) for something already done (a message already read), going into debt
   * when too few are left; false when in debt, and the caller should wait `msUntilToken()`. Nothing goes unpaid,
   * so the rate holds however late the caller's timer wakes.
   */
  spend(cost = 1): boolean {
    this.refill();
    this.tokens -= cost;
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
 * A peer's inbound budget: messages and bytes per second. Each message read is charged to both; while either is
 * overdrawn, reading from the peer pauses, which pushes back through TCP on the sender instead of dropping
 * anything.
 */
export class InboundBudget {
  private readonly messages: TokenBucket;
  private readonly bytes: TokenBucket;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    limits: PeerLimits,
    private readonly reading: { pause(): void; resume(): void },
  ) {
    this.messages = new TokenBucket(limits.inboundMessagesPerSecond, limits.inboundMessageBurst);
    this.bytes = new TokenBucket(limits.inboundBytesPerSecond ?? INBOUND_BYTES_PER_SECOND, Math.max(limits.inboundByteBurst ?? INBOUND_BYTE_BURST, MAX_MESSAGE_BYTES));
  }

  /** Charges one message of `size` bytes already read. */
  charge(size = 0): void {
    const withinCount = this.messages.spend();
    const withinBytes = this.bytes.spend(size);
    if ((withinCount && withinBytes) || this.timer) return;
    this.reading.pause();
    this.timer = setTimeout(() => {
      this.timer = null;
      this.reading.resume();
    }, Math.max(this.messages.msUntilToken(), this.bytes.msUntilToken()));
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
