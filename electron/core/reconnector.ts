import { EventEmitter } from 'node:events';
import { DEFAULT_TIMEOUTS, RECONNECT_FACTOR, RECONNECT_JITTER } from '../../shared/protocol/limits';

/** How long to wait between tries: the n-th wait is min(maxMs, initialMs · factor^n), less up to `jitter` of it. */
export interface Backoff {
  initialMs: number;
  maxMs: number;
  factor: number;
  /** 0 to 1: each wait is multiplied by (1 − jitter · random()), so it lies in ((1 − jitter) · wait, wait]. */
  jitter: number;
}

export const DEFAULT_BACKOFF: Readonly<Backoff> = Object.freeze({
  initialMs: DEFAULT_TIMEOUTS.reconnectInitialMs,
  maxMs: DEFAULT_TIMEOUTS.reconnectMaxMs,
  factor: RECONNECT_FACTOR,
  jitter: RECONNECT_JITTER,
});

/**
 * Dials one address of a peer: resolves once a session with that peer is open, rejects otherwise. It must settle
 * (PeerNode.connect does, within its connect and handshake deadlines), and should give up when `signal` aborts.
 */
export type Dial = (peer: string, address: string, signal: AbortSignal) => Promise<void>;

export interface ReconnectorOptions {
  dial: Dial;
  backoff?: Partial<Backoff>;
  /** [0, 1), for the jitter. */
  random?: () => number;
  now?: () => number;
}

export interface ReconnectorEvents {
  /** `nextRetryAt` or `dialing` of this peer changed. */
  changed: [peer: string];
}

/** Exponents past this already exceed any sane maximum, and keep `initialMs · factor^n` finite. */
const MAX_EXPONENT = 64;

/** The wait before a try, after `retries` earlier waits since the last session; `random` in [0, 1). */
export function backoffDelay(backoff: Backoff, retries: number, random: number): number {
  const base = Math.min(backoff.maxMs, backoff.initialMs * backoff.factor ** Math.min(retries, MAX_EXPONENT));
  return base * (1 - backoff.jitter * random);
}

interface Tracked {
  /** Most recent first: each try goes down the list until one connects. */
  addresses: string[];
  online: boolean;
  /** The person disconnected on purpose: no tries until `resume` or `dialNow`. */
  paused: boolean;
  /** Waits scheduled since the last session, which set how long the next one is. */
  retries: number;
  timer: NodeJS.Timeout | null;
  nextAt: number | undefined;
  /** The try under way, if any; aborting it stops the dial. */
  attempt: AbortController | null;
  /** `disconnected` was called while a try was under way: its success, if it succeeds, is already over. */
  lostDuringAttempt: boolean;
}

/**
 * Dials known contacts again while they are offline, with exponential backoff and jitter. Only scheduling lives
 * here: the dialing itself is the injected `dial`, and whoever owns the sessions says when a contact comes
 * (`connected`) and goes (`disconnected`). A try that is under way is never doubled.
 *
 * The first try after `track` is made at once (on the next turn of the event loop, so a `connected` in the same
 * turn, for a contact that is online already, cancels it); after a session ends the first try waits the initial
 * delay. A try that succeeds counts as `connected`.
 */
export class Reconnector extends EventEmitter<ReconnectorEvents> {
  private readonly dial: Dial;
  private readonly backoff: Backoff;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly tracked = new Map<string, Tracked>();
  private closed = false;

  constructor(opts: ReconnectorOptions) {
    super();
    this.dial = opts.dial;
    this.backoff = { ...DEFAULT_BACKOFF, ...opts.backoff };
    this.random = opts.random ?? Math.random;
    this.now = opts.now ?? Date.now;
    const { initialMs, maxMs, factor, jitter } = this.backoff;
    if (!(initialMs >= 0 && maxMs >= initialMs && factor >= 1 && jitter >= 0 && jitter <= 1)) {
      throw new RangeError(`a backoff needs 0 ≤ initialMs ≤ maxMs, factor ≥ 1 and jitter from 0 to 1, not ${JSON.stringify(this.backoff)}`);
    }
  }

  /** A known contact: tries to reach it while it is offline. For one tracked already, updates its addresses. */
  track(peer: string, addresses: string[]): void {
    if (this.closed) return;
    let entry = this.tracked.get(peer);
    if (!entry) {
      entry = { addresses: [], online: false, paused: false, retries: 0, timer: null, nextAt: undefined, attempt: null, lostDuringAttempt: false };
      this.tracked.set(peer, entry);
    }
    entry.addresses = [...addresses];
    // New, or waiting for an address to dial: the first try is now.
    if (this.idle(entry) && entry.addresses.length > 0) this.schedule(peer, entry, 0);
  }

  /** Forgets a contact (removed): no more tries, and one under way is aborted. */
  untrack(peer: string): void {
    const entry = this.tracked.get(peer);
    if (!entry) return;
    this.tracked.delete(peer);
    this.stop(entry);
    this.emit('changed', peer);
  }

  /** A session with the contact is open: no tries until it ends, and the backoff starts over. */
  connected(peer: string): void {
    const entry = this.tracked.get(peer);
    if (!entry || this.closed) return;
    entry.online = true;
    entry.retries = 0;
    // A session is open again (they dialed in, or the person connected): a pause for a past disconnect is over.
    entry.paused = false;
    // A try under way is left to finish: its session may be the one just reported.
    if (this.clearTimer(entry)) this.emit('changed', peer);
  }

  /** The contact's session ended: the next try after the initial delay (with jitter). */
  disconnected(peer: string): void {
    const entry = this.tracked.get(peer);
    if (!entry || this.closed) return;
    entry.online = false;
    if (entry.attempt) entry.lostDuringAttempt = true;
    if (this.idle(entry)) this.scheduleRetry(peer, entry);
  }

  /** The person disconnected on purpose: no tries (one under way is aborted) until `resume` or `dialNow`. */
  pause(peer: string): void {
    const entry = this.tracked.get(peer);
    if (!entry || this.closed || entry.paused) return;
    entry.paused = true;
    this.stop(entry);
    this.emit('changed', peer);
  }

  /**
   * The person connected or sent again: tries resume, from the initial delay (a session being opened meanwhile,
   * as after a manual connect, is reported by `connected` before it).
   */
  resume(peer: string): void {
    const entry = this.tracked.get(peer);
    if (!entry || this.closed || !entry.paused) return;
    entry.paused = false;
    entry.retries = 0;
    if (this.idle(entry)) this.scheduleRetry(peer, entry);
  }

  /** "Retry now": tries at once (and ends a pause), unless the contact is online or a try is under way. */
  dialNow(peer: string): void {
    const entry = this.tracked.get(peer);
    if (!entry || this.closed || entry.online || entry.attempt) return;
    entry.paused = false;
    this.clearTimer(entry);
    void this.attempt(peer, entry);
  }

  /** When the next try is due (per `now`), or undefined when none is scheduled. */
  nextRetryAt(peer: string): number | undefined {
    return this.tracked.get(peer)?.nextAt;
  }

  /** Whether a try is under way. */
  dialing(peer: string): boolean {
    return this.tracked.get(peer)?.attempt != null;
  }

  /** Cancels every timer and every try under way; nothing is dialed after this. */
  close(): void {
    this.closed = true;
    for (const entry of this.tracked.values()) this.stop(entry);
  }

  /** The person (or the peer's user) ended the contact's session: it is not dialed by itself until resumed. */
  isPaused(peer: string): boolean {
    return this.tracked.get(peer)?.paused ?? false;
  }

  /** Offline and not paused, with nothing scheduled or under way: nothing would ever try again. */
  private idle(entry: Tracked): boolean {
    return !entry.online && !entry.paused && entry.timer === null && entry.attempt === null;
  }

  private scheduleRetry(peer: string, entry: Tracked): void {
    this.schedule(peer, entry, backoffDelay(this.backoff, entry.retries++, this.random()));
  }

  private schedule(peer: string, entry: Tracked, delayMs: number): void {
    this.clearTimer(entry);
    entry.nextAt = this.now() + delayMs;
    entry.timer = setTimeout(() => {
      entry.timer = null;
      entry.nextAt = undefined;
      void this.attempt(peer, entry);
    }, delayMs);
    entry.timer.unref?.();
    this.emit('changed', peer);
  }

  /** Tries the addresses in order until one connects; then waits, or counts the contact as online. */
  private async attempt(peer: string, entry: Tracked): Promise<void> {
    if (this.closed || this.tracked.get(peer) !== entry || entry.online || entry.paused || entry.attempt) return;
    const controller = new AbortController();
    entry.attempt = controller;
    entry.lostDuringAttempt = false;
    this.emit('changed', peer);
    let connected = false;
    for (const address of [...entry.addresses]) {
      if (controller.signal.aborted || entry.online) break;
      try {
        await this.dial(peer, address, controller.signal);
        connected = true;
        break;
      } catch {
        // That address did not answer as this contact: the next one.
      }
    }
    if (entry.attempt !== controller) return; // stopped: untracked, paused or closed while dialing
    entry.attempt = null;
    if (connected && !entry.lostDuringAttempt) {
      entry.online = true;
      entry.retries = 0;
    }
    if (this.idle(entry)) this.scheduleRetry(peer, entry);
    else this.emit('changed', peer);
  }

  /** Clears the timer; true if one was set. */
  private clearTimer(entry: Tracked): boolean {
    if (entry.timer === null) return false;
    clearTimeout(entry.timer);
    entry.timer = null;
    entry.nextAt = undefined;
    return true;
  }

  private stop(entry: Tracked): void {
    this.clearTimer(entry);
    entry.attempt?.abort();
    entry.attempt = null;
  }
}
