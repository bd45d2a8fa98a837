import { afterEach, describe, expect, it, vi } from 'vitest';
import { contactId } from '../../shared/ids';
import { PresenceBoard, TYPING_SHOWN_EVERY_MS } from '../../electron/core/features/presence/presence';

afterEach(() => vi.useRealTimers());

describe('typing as a state', () => {
  it('a flood of typing notices is told at most once per interval, and the latest state is told last', () => {
    vi.useFakeTimers();
    const board = new PresenceBoard();
    const peer = contactId('ab'.repeat(32));
    board.cameOnline(peer, 'ab'.repeat(32) as never);
    const told: boolean[] = [];
    board.on('changed', () => told.push(board.peek(peer)!.typing));
    for (let i = 0; i < 10_000; i++) board.setTyping(peer, i % 2 === 0);
    board.setTyping(peer, true);
    vi.advanceTimersByTime(TYPING_SHOWN_EVERY_MS * 3);
    expect(told).toEqual([true]);
    board.setTyping(peer, false);
    vi.advanceTimersByTime(TYPING_SHOWN_EVERY_MS);
    expect(told).toEqual([true, false]);
    board.close();
  });
});
