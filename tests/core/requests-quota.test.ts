import { describe, expect, it } from 'vitest';
import { contactId } from '../../shared/ids';
import { admits, DEFAULT_REQUEST_QUOTA, expiredPlainRequests, plainHost, sum } from '../../electron/core/features/requests/quota';
import { InboundBudget, TokenBucket } from '../../electron/core/rate-limiter';
import { DEFAULT_LIMITS, MAX_MESSAGE_BYTES } from '../../shared/protocol/limits';
import type { ContactRecord } from '../../electron/core/store/types';

const q = DEFAULT_REQUEST_QUOTA;
const none = { messages: 0, bytes: 0 };
const record = (id: string, mode: 'secure' | 'plain', request?: ContactRecord['request']): ContactRecord => ({
  id: contactId(id), mode, peerName: id, addresses: [], firstSeen: 0, verified: false, keyHistory: [], ...(request && { request }),
});

describe('the request quota', () => {
  it('admits up to the count and the bytes of one request, and of all requests together', () => {
    expect(admits({ messages: q.maxMessages - 1, bytes: 0 }, none, 10, q)).toBe(true);
    expect(admits({ messages: q.maxMessages, bytes: 0 }, none, 10, q)).toBe(false);
    expect(admits({ messages: 0, bytes: q.maxBytes - 10 }, none, 11, q)).toBe(false);
    expect(admits(none, { messages: q.maxTotalMessages, bytes: 0 }, 1, q)).toBe(false);
    expect(admits(none, { messages: 0, bytes: q.maxTotalBytes }, 1, q)).toBe(false);
  });

  it('plain-text requests from one host share a quota; they expire; accepted contacts count for nothing', () => {
    expect(plainHost(record('plain:10.0.0.5:40001', 'plain'))).toBe('10.0.0.5');
    expect(plainHost(record('plain:[::1]:40001', 'plain'))).toBe('[::1]');
    expect(plainHost(record('ab'.repeat(32), 'secure'))).toBeNull();
    const all = [record('plain:h:1', 'plain', { messages: 2, bytes: 20, lastAt: 0 }), record('plain:h:2', 'plain', { messages: 3, bytes: 30, lastAt: 5 }), record('x', 'secure')];
    expect(sum(all)).toEqual({ messages: 5, bytes: 50 });
    expect(expiredPlainRequests(all, q.plainTtlMs + 1, q).map((c) => c.id)).toEqual(['plain:h:1']);
  });
});

describe('the byte budget', () => {
  it('a token bucket pays a cost of many tokens, into debt, and says how long until one is back', () => {
    let now = 0;
    const bucket = new TokenBucket(1000, 1000, () => now);
    expect(bucket.spend(1500)).toBe(false);
    expect(bucket.msUntilToken()).toBe(501);
    now = 600;
    expect(bucket.spend()).toBe(true);
  });

  it('pauses reading when a peer sends more bytes than its budget, though within its message count, and resumes', async () => {
    const calls: string[] = [];
    const budget = new InboundBudget({ ...DEFAULT_LIMITS, inboundBytesPerSecond: MAX_MESSAGE_BYTES * 10, inboundByteBurst: MAX_MESSAGE_BYTES }, {
      pause: () => calls.push('pause'),
      resume: () => calls.push('resume'),
    });
    budget.charge(MAX_MESSAGE_BYTES);
    expect(calls).toEqual([]);
    budget.charge(MAX_MESSAGE_BYTES);
    expect(calls).toEqual(['pause']);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(calls).toEqual(['pause', 'resume']);
    budget.stop();
  });
});
