import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay, DEFAULT_BACKOFF, Reconnector, type Backoff, type ReconnectorOptions } from '../../electron/core/reconnector';
import { DEFAULT_TIMEOUTS, RECONNECT_FACTOR, RECONNECT_JITTER } from '../../shared/protocol/limits';

const backoff: Backoff = { initialMs: 1_000, maxMs: 8_000, factor: 2, jitter: 0.3 };

interface Dial {
  peer: string;
  address: string;
  at: number;
  signal: AbortSignal;
  resolve: () => void;
  reject: (err: Error) => void;
}

/** A reconnector whose dials wait for the test to settle them (an aborted dial rejects, as PeerNode.connect does). */
function harness(opts: Partial<ReconnectorOptions> = {}) {
  const dials: Dial[] = [];
  const changed: string[] = [];
  const reconnector = new Reconnector({
    dial: (peer, address, signal) =>
      new Promise<void>((resolve, reject) => {
        dials.push({ peer, address, at: Date.now(), signal, resolve, reject });
        signal.addEventListener('abort', () => reject(new Error('cancelled')), { once: true });
      }),
    backoff,
    random: () => 0,
    ...opts,
  });
  reconnector.on('changed', (peer) => changed.push(peer));
  const pending = () => dials.filter((dial) => !settled.has(dial));
  const settled = new Set<Dial>();
  /** Settles the latest dial and lets the reconnector react. */
  const settleLast = async (outcome: 'connect' | 'fail') => {
    const dial = dials.at(-1)!;
    settled.add(dial);
    if (outcome === 'connect') dial.resolve();
    else dial.reject(new Error('refused'));
    await vi.advanceTimersByTimeAsync(0);
  };
  return { reconnector, dials, changed, pending, settleLast };
}

/** A harness whose contact 'p' is tracked and its first dial under way. */
async function withFirstDial(addresses = ['a:1'], opts: Partial<ReconnectorOptions> = {}) {
  const h = harness(opts);
  h.reconnector.track('p', addresses);
  await vi.advanceTimersByTimeAsync(0);
  return h;
}

/** A reconnector whose every dial fails at once: the times of the dials show the waits. */
function failingHarness(opts: Partial<ReconnectorOptions> = {}) {
  const at: number[] = [];
  const reconnector = new Reconnector({
    dial: async () => {
      at.push(Date.now());
      throw new Error('refused');
    },
    backoff,
    random: () => 0,
    ...opts,
  });
  const gaps = () => at.slice(1).map((time, i) => time - at[i]!);
  return { reconnector, at, gaps };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('reconnector', () => {
  it('takes its defaults from the named constants next to the other timeouts', () => {
    expect(DEFAULT_BACKOFF).toEqual({
      initialMs: DEFAULT_TIMEOUTS.reconnectInitialMs,
      maxMs: DEFAULT_TIMEOUTS.reconnectMaxMs,
      factor: RECONNECT_FACTOR,
      jitter: RECONNECT_JITTER,
    });
    expect(DEFAULT_TIMEOUTS.reconnectInitialMs).toBe(1_000);
    expect(DEFAULT_TIMEOUTS.reconnectMaxMs).toBe(60_000);
  });

  it('dials a tracked contact at once, trying its addresses in order until one connects', async () => {
    const { reconnector, dials, settleLast } = harness();
    reconnector.track('p', ['10.0.0.1:8000', '10.0.0.2:8000', '10.0.0.3:8000']);
    expect(reconnector.nextRetryAt('p')).toBe(Date.now());
    await vi.advanceTimersByTimeAsync(0);
    expect(reconnector.dialing('p')).toBe(true);
    expect(dials.map((d) => [d.peer, d.address])).toEqual([['p', '10.0.0.1:8000']]);
    await settleLast('fail');
    expect(dials.map((d) => d.address)).toEqual(['10.0.0.1:8000', '10.0.0.2:8000']);
    await settleLast('connect');
    // A try that connects counts as connected: nothing more is scheduled.
    expect(reconnector.dialing('p')).toBe(false);
    expect(reconnector.nextRetryAt('p')).toBeUndefined();
    await vi.advanceTimersByTimeAsync(10 * backoff.maxMs);
    expect(dials).toHaveLength(2);
  });

  it('waits longer after each failed try, by the factor, up to the cap', async () => {
    const { reconnector, gaps } = failingHarness();
    reconnector.track('p', ['a:1']);
    await vi.advanceTimersByTimeAsync(40_000);
    expect(gaps().slice(0, 6)).toEqual([1_000, 2_000, 4_000, 8_000, 8_000, 8_000]);
  });

  it('tells when the next try is due, and dials then and not before', async () => {
    const { reconnector, at } = failingHarness();
    reconnector.track('p', ['a:1']);
    await vi.advanceTimersByTimeAsync(0);
    expect(at).toHaveLength(1);
    expect(reconnector.nextRetryAt('p')).toBe(Date.now() + 1_000);
    await vi.advanceTimersByTimeAsync(999);
    expect(at).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(at).toHaveLength(2);
    expect(reconnector.nextRetryAt('p')).toBe(Date.now() + 2_000);
  });

  it('shortens each wait by up to the jitter, never lengthens it', async () => {
    for (const random of [0, 0.25, 0.5, 0.999_999]) {
      for (let retries = 0; retries < 8; retries++) {
        const base = Math.min(backoff.maxMs, backoff.initialMs * backoff.factor ** retries);
        const delay = backoffDelay(backoff, retries, random);
        expect(delay).toBeLessThanOrEqual(base);
        expect(delay).toBeGreaterThan(base * (1 - backoff.jitter));
      }
    }
    const { reconnector, gaps } = failingHarness({ random: () => 0.5 });
    reconnector.track('p', ['a:1']);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(gaps().slice(0, 4)).toEqual([850, 1_700, 3_400, 6_800]);
  });

  it('stays finite and capped after very many failures', () => {
    expect(backoffDelay(backoff, 10_000, 0)).toBe(backoff.maxMs);
    expect(backoffDelay({ ...backoff, initialMs: 0 }, 10_000, 0)).toBe(0);
  });

  it('stops on connected, and after the session ends starts over from the initial delay', async () => {
    const { reconnector, at } = failingHarness();
    reconnector.track('p', ['a:1']);
    await vi.advanceTimersByTimeAsync(7_000); // tries at 0, 1 s, 3 s, 7 s: the next wait would be 8 s
    expect(at).toHaveLength(4);
    reconnector.connected('p');
    expect(reconnector.nextRetryAt('p')).toBeUndefined();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(at).toHaveLength(4);
    const endedAt = Date.now();
    reconnector.disconnected('p');
    expect(reconnector.nextRetryAt('p')).toBe(endedAt + 1_000);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(at.slice(4).map((time) => time - endedAt)).toEqual([1_000, 3_000]);
  });

  it('waits the initial delay, with jitter, before the first try after a session ends', async () => {
    const { reconnector, dials, settleLast } = await withFirstDial(['a:1'], { random: () => 0.5 });
    await settleLast('connect');
    reconnector.disconnected('p');
    expect(reconnector.nextRetryAt('p')).toBe(Date.now() + 850);
    await vi.advanceTimersByTimeAsync(849);
    expect(dials).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(dials).toHaveLength(2);
  });

  it('pauses (aborting a try under way) until resumed', async () => {
    const { reconnector, dials, pending } = await withFirstDial();
    expect(pending()).toHaveLength(1);
    reconnector.pause('p');
    expect(dials[0]!.signal.aborted).toBe(true);
    expect(reconnector.dialing('p')).toBe(false);
    expect(reconnector.nextRetryAt('p')).toBeUndefined();
    reconnector.disconnected('p');
    await vi.advanceTimersByTimeAsync(10 * backoff.maxMs);
    expect(dials).toHaveLength(1);
    reconnector.resume('p');
    expect(reconnector.nextRetryAt('p')).toBe(Date.now() + backoff.initialMs);
    await vi.advanceTimersByTimeAsync(backoff.initialMs);
    expect(dials).toHaveLength(2);
  });

  it('a session that opens (the contact dialed in) ends a pause: the next drop is dialed again', async () => {
    const { reconnector, dials } = await withFirstDial();
    reconnector.pause('p');
    reconnector.disconnected('p');
    reconnector.connected('p');
    reconnector.disconnected('p');
    expect(reconnector.nextRetryAt('p')).toBe(Date.now() + backoff.initialMs);
    await vi.advanceTimersByTimeAsync(backoff.initialMs);
    expect(dials).toHaveLength(2);
  });

  it('dials at once on "retry now", ending a pause, and keeps the backoff growing if it fails', async () => {
    const { reconnector, at, gaps } = failingHarness();
    reconnector.track('p', ['a:1']);
    await vi.advanceTimersByTimeAsync(3_000); // tries at 0, 1 s and 3 s; the next is due at 7 s
    reconnector.pause('p');
    await vi.advanceTimersByTimeAsync(500);
    reconnector.dialNow('p');
    expect(at).toHaveLength(4);
    await vi.advanceTimersByTimeAsync(0);
    expect(reconnector.nextRetryAt('p')).toBe(Date.now() + 8_000);
    await vi.advanceTimersByTimeAsync(8_000);
    expect(gaps()).toEqual([1_000, 2_000, 500, 8_000]);
  });

  it('never doubles a try under way', async () => {
    const { reconnector, dials, pending, settleLast } = await withFirstDial(['a:1', 'b:2']);
    reconnector.dialNow('p');
    reconnector.track('p', ['a:1', 'b:2']);
    reconnector.disconnected('p');
    reconnector.resume('p');
    await vi.advanceTimersByTimeAsync(10 * backoff.maxMs);
    expect(pending()).toHaveLength(1);
    await settleLast('fail');
    // The second address, still within the same try.
    expect(pending()).toHaveLength(1);
    expect(dials.map((d) => d.address)).toEqual(['a:1', 'b:2']);
    reconnector.dialNow('p');
    expect(pending()).toHaveLength(1);
  });

  it('does not dial a contact that came online during a try, nor its remaining addresses', async () => {
    const { reconnector, dials, settleLast } = await withFirstDial(['a:1', 'b:2']);
    reconnector.connected('p'); // it dialed us
    await settleLast('fail');
    expect(dials).toHaveLength(1);
    expect(reconnector.dialing('p')).toBe(false);
    expect(reconnector.nextRetryAt('p')).toBeUndefined();
    reconnector.dialNow('p');
    expect(dials).toHaveLength(1);
  });

  it('tries again when the session it reported ended before the try settled', async () => {
    const { reconnector, dials, settleLast } = await withFirstDial();
    reconnector.connected('p');
    reconnector.disconnected('p');
    await settleLast('connect');
    expect(reconnector.nextRetryAt('p')).toBe(Date.now() + backoff.initialMs);
    await vi.advanceTimersByTimeAsync(backoff.initialMs);
    expect(dials).toHaveLength(2);
  });

  it('a contact that is online already, tracked and reported connected in the same turn, is not dialed', async () => {
    const { reconnector, dials } = harness();
    reconnector.track('p', ['a:1']);
    reconnector.connected('p');
    await vi.advanceTimersByTimeAsync(10 * backoff.maxMs);
    expect(dials).toHaveLength(0);
  });

  it('updates the addresses of a tracked contact, used from its next try', async () => {
    const { reconnector, dials, settleLast } = await withFirstDial(['old:1']);
    reconnector.track('p', ['new:1', 'old:1']);
    await settleLast('fail');
    expect(dials.map((d) => d.address)).toEqual(['old:1']);
    await vi.advanceTimersByTimeAsync(backoff.initialMs);
    expect(dials.map((d) => d.address)).toEqual(['old:1', 'new:1']);
  });

  it('waits for an address before dialing a contact that has none', async () => {
    const { reconnector, dials } = harness();
    reconnector.track('p', []);
    await vi.advanceTimersByTimeAsync(10 * backoff.maxMs);
    expect(dials).toHaveLength(0);
    expect(reconnector.nextRetryAt('p')).toBeUndefined();
    reconnector.track('p', ['a:1']);
    await vi.advanceTimersByTimeAsync(0);
    expect(dials).toHaveLength(1);
  });

  it('forgets an untracked contact, aborting its try', async () => {
    const { reconnector, dials, changed } = await withFirstDial();
    changed.length = 0;
    reconnector.untrack('p');
    expect(dials[0]!.signal.aborted).toBe(true);
    expect(changed).toEqual(['p']);
    expect(reconnector.dialing('p')).toBe(false);
    reconnector.disconnected('p');
    reconnector.dialNow('p');
    await vi.advanceTimersByTimeAsync(10 * backoff.maxMs);
    expect(dials).toHaveLength(1);
    expect(reconnector.nextRetryAt('p')).toBeUndefined();
  });

  it('after close, dials nothing: timers cancelled, tries aborted, new calls ignored', async () => {
    const { reconnector, dials } = harness();
    reconnector.track('p', ['a:1']);
    reconnector.track('q', ['b:1']);
    await vi.advanceTimersByTimeAsync(0);
    dials[1]!.reject(new Error('refused')); // q waits for its next try
    await vi.advanceTimersByTimeAsync(0);
    expect(reconnector.nextRetryAt('q')).toBeDefined();
    reconnector.close();
    expect(dials[0]!.signal.aborted).toBe(true);
    reconnector.track('r', ['c:1']);
    reconnector.disconnected('p');
    reconnector.dialNow('q');
    reconnector.resume('q');
    await vi.advanceTimersByTimeAsync(10 * backoff.maxMs);
    expect(dials).toHaveLength(2);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("emits 'changed' whenever nextRetryAt or dialing changes", async () => {
    const { reconnector, changed, settleLast } = harness();
    const seen: Array<[number | undefined, boolean]> = [];
    reconnector.on('changed', (peer) => seen.push([reconnector.nextRetryAt(peer), reconnector.dialing(peer)]));
    const t0 = Date.now();
    reconnector.track('p', ['a:1']);
    await vi.advanceTimersByTimeAsync(0);
    await settleLast('fail');
    reconnector.pause('p');
    expect(changed.every((peer) => peer === 'p')).toBe(true);
    expect(seen).toEqual([
      [t0, false],
      [undefined, true],
      [t0 + backoff.initialMs, false],
      [undefined, false],
    ]);
  });

  it('refuses a backoff that makes no sense', () => {
    const dial = async () => {};
    expect(() => new Reconnector({ dial, backoff: { factor: 0.5 } })).toThrow(RangeError);
    expect(() => new Reconnector({ dial, backoff: { jitter: 2 } })).toThrow(RangeError);
    expect(() => new Reconnector({ dial, backoff: { initialMs: 5_000, maxMs: 1_000 } })).toThrow(RangeError);
  });
});
