import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StallWatch } from '../../electron/core/features/files/stall-watch';

describe('stall watch of a transfer we receive', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function watch(waiting = () => true) {
    const events: string[] = [];
    const stall = new StallWatch({ stallMs: 1000, maxStalls: 2 }, {
      waiting,
      stalledChanged: (stalled) => events.push(stalled ? 'stalled' : 'flowing'),
      askAgain: () => events.push('ask'),
      giveUp: (reason) => events.push(`give up: ${reason}`),
    });
    stall.start();
    return { stall, events };
  }

  it('nothing for the stall time: shown stalled and asked again; a byte: flowing again', () => {
    const { stall, events } = watch();
    vi.advanceTimersByTime(999);
    expect(events).toEqual([]);
    vi.advanceTimersByTime(250);
    expect(events).toEqual(['stalled', 'ask']);
    expect(stall.stalled).toBe(true);
    stall.byteCame();
    vi.advanceTimersByTime(250);
    expect(events).toEqual(['stalled', 'ask', 'flowing']);
    stall.stop();
  });

  it('a sender that never sends is given up after the stalls in a row, with a sentence', () => {
    const { events } = watch();
    vi.advanceTimersByTime(10_000);
    expect(events.filter((e) => e === 'ask')).toHaveLength(2);
    expect(events.at(-1)).toBe('give up: the sender sent nothing for 3.0 s, though asked 3 times');
  });

  it('a transfer not waiting for anything (paused, done, no session) never stalls', () => {
    let waiting = false;
    const { events } = watch(() => waiting);
    vi.advanceTimersByTime(60_000);
    expect(events).toEqual([]);
    waiting = true; // and when it waits again, its clock starts then
    vi.advanceTimersByTime(999);
    expect(events).toEqual([]);
  });
});
