import { describe, expect, it } from 'vitest';
import { buildTimeline, dayKey, daysAgo, formatDay, GROUP_GAP_MS } from '../../renderer/lib/timeline';
import { initials, previewText } from '../../renderer/lib/format';

// Local times, so the tests hold in every time zone.
const at = (y: number, m: number, d: number, h = 12, min = 0) => new Date(y, m - 1, d, h, min).getTime();
const msg = (id: string, time: number, fromMe = false) => ({ id, at: time, fromMe });

describe('renderer timeline: day separators and groups', () => {
  it('puts a separator before the first message of every local day', () => {
    const items = buildTimeline([
      msg('a', at(2026, 3, 1, 9)),
      msg('b', at(2026, 3, 1, 23, 59)),
      msg('c', at(2026, 3, 2, 0, 1)),
      msg('d', at(2026, 3, 5, 8)),
    ]);
    expect(items.map((item) => (item.kind === 'day' ? `day:${item.key}` : item.message.id))).toEqual([
      'day:day-2026-03-01',
      'a',
      'b',
      'day:day-2026-03-02',
      'c',
      'day:day-2026-03-05',
      'd',
    ]);
  });

  it('starts a group when the side changes, after a gap, and on a new day', () => {
    const t = at(2026, 3, 1, 10);
    const items = buildTimeline([
      msg('1', t),
      msg('2', t + 1000),
      msg('3', t + 2000, true),
      msg('4', t + 3000, true),
      msg('5', t + 3000 + GROUP_GAP_MS + 1, true),
    ]);
    const starts = items.flatMap((item) => (item.kind === 'message' ? [[item.message.id, item.startsGroup]] : []));
    expect(starts).toEqual([
      ['1', true],
      ['2', false],
      ['3', true],
      ['4', false],
      ['5', true],
    ]);
  });

  it('returns nothing for no messages', () => {
    expect(buildTimeline([])).toEqual([]);
  });

  it('counts calendar days, not 24-hour periods', () => {
    expect(daysAgo(at(2026, 3, 1, 23, 59), at(2026, 3, 2, 0, 1))).toBe(1);
    expect(daysAgo(at(2026, 3, 2, 0, 1), at(2026, 3, 2, 23, 59))).toBe(0);
    expect(dayKey(at(2026, 12, 31, 23, 30))).toBe('2026-12-31');
  });

  it('labels days: Today, Yesterday, a weekday this week, a date before', () => {
    const now = at(2026, 3, 12, 15); // a Thursday
    expect(formatDay(at(2026, 3, 12, 1), now, 'en-US')).toBe('Today');
    expect(formatDay(at(2026, 3, 11, 23), now, 'en-US')).toBe('Yesterday');
    expect(formatDay(at(2026, 3, 9), now, 'en-US')).toBe('Monday');
    expect(formatDay(at(2026, 2, 20), now, 'en-US')).toBe('Fri, February 20');
    expect(formatDay(at(2025, 12, 24), now, 'en-US')).toBe('Wed, December 24, 2025');
  });
});

describe('renderer format helpers', () => {
  it('previews one bounded line', () => {
    expect(previewText('hello\n  world')).toBe('hello world');
    expect(previewText('x'.repeat(64 * 1024), 10)).toBe('xxxxxxxxx…');
  });

  it('makes initials', () => {
    expect(initials('Alice Smith')).toBe('AS');
    expect(initials('bob')).toBe('B');
    expect(initials('plain:127.0.0.1:5000')).toBe('P');
    expect(initials('127.0.0.1:5000')).toBe('#');
    expect(initials('   ')).toBe('#');
    expect(initials('Élodie')).toBe('É');
  });
});
