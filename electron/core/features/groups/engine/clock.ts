/**
 * A hybrid logical clock: wall-clock milliseconds and a counter. A new message's clock is ahead of everything
 * its author has seen, so ordering by clock never puts an effect before its cause, and stays close to real time.
 */
export interface Clock {
  ms: number;
  counter: number;
}

export const ZERO_CLOCK: Clock = Object.freeze({ ms: 0, counter: 0 });
const MAX_COUNTER = 0xffff;

export function compareClocks(a: Clock, b: Clock): number {
  return a.ms - b.ms || a.counter - b.counter;
}

export function maxClock(a: Clock, b: Clock): Clock {
  return compareClocks(a, b) >= 0 ? a : b;
}

/** The clock of a new message: after `latest` (the newest clock seen), at `now` if that is later. */
export function tick(latest: Clock, now: number): Clock {
  if (now > latest.ms) return { ms: now, counter: 0 };
  if (latest.counter < MAX_COUNTER) return { ms: latest.ms, counter: latest.counter + 1 };
  return { ms: latest.ms + 1, counter: 0 };
}
