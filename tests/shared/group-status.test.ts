import { describe, expect, it } from 'vitest';
import { gapsText, lastSeenText, pendingText } from '../../shared/group-status';

const now = 1_800_000_000_000;

describe('group status in words', () => {
  it('last seen: just now, minutes, hours, days, never; a clock ahead of ours reads as just now', () => {
    expect(lastSeenText(null, now)).toBe('never');
    expect(lastSeenText(now - 30_000, now)).toBe('just now');
    expect(lastSeenText(now + 90_000, now)).toBe('just now');
    expect(lastSeenText(now - 60_000, now)).toBe('1 minute ago');
    expect(lastSeenText(now - 5 * 60_000, now)).toBe('5 minutes ago');
    expect(lastSeenText(now - 3 * 3_600_000, now)).toBe('3 hours ago');
    expect(lastSeenText(now - 2 * 86_400_000, now)).toBe('2 days ago');
  });

  it('who lacks a message: one line each', () => {
    expect(pendingText([{ name: 'Carol', lastSeen: now - 2 * 86_400_000 }, { name: 'Dan', lastSeen: null }], now)).toEqual([
      'Carol: pending — last seen 2 days ago',
      'Dan: pending — last seen never',
    ]);
  });

  it('what hidden messages wait for, by author, and links whose author is not known yet', () => {
    expect(gapsText([], 0)).toBeNull();
    expect(gapsText([{ name: 'Bob', missing: 2 }], 0)).toBe('Waiting for 2 earlier messages from Bob.');
    expect(gapsText([{ name: 'Bob', missing: 1 }], 0)).toBe('Waiting for 1 earlier message from Bob.');
    expect(gapsText([{ name: 'Bob', missing: 2 }, { name: 'Carol', missing: 1 }], 0)).toBe('Waiting for 2 earlier messages from Bob and 1 from Carol.');
    expect(gapsText([], 3)).toBe('Waiting for 3 earlier messages they follow.');
    expect(gapsText([{ name: 'Bob', missing: 2 }], 1)).toBe('Waiting for 2 earlier messages from Bob and 1 more they follow.');
  });
});
