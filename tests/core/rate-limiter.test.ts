import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../electron/core/rate-limiter';
import { RecentIds } from '../helpers/recent-ids';

describe('token bucket', () => {
  it('allows a burst, then refills at the rate, and charges what is spent in debt', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 3, () => now);
    expect([bucket.spend(), bucket.spend(), bucket.spend(), bucket.spend()]).toEqual([true, true, true, false]);
    // One token in debt: two tokens' time until the next is available.
    expect(bucket.msUntilToken()).toBe(200);
    now += 200;
    expect(bucket.spend()).toBe(true);
    expect(bucket.spend()).toBe(false);
    now += 10_000;
    expect([bucket.spend(), bucket.spend(), bucket.spend(), bucket.spend()]).toEqual([true, true, true, false]);
  });
});

describe('recent ids', () => {
  it('forgets the oldest beyond its capacity', () => {
    const ids = new RecentIds(2);
    ids.add('a');
    ids.add('b');
    ids.add('c');
    expect([ids.has('a'), ids.has('b'), ids.has('c')]).toEqual([false, true, true]);
  });
});
