import { describe, expect, it } from 'vitest';
import { evictionFor, type Slot } from '../../electron/core/admission';

/** Slots in the order given, one ms apart; `!` marks one that may not be evicted (a contact, an active peer). */
function slots(...specs: string[]): Array<Slot & { name: string }> {
  return specs.map((spec, i) => ({ name: `${spec}#${i}`, address: spec.replace('!', ''), since: 1_000 + i, evictable: !spec.endsWith('!') }));
}

function victimOf(table: Array<Slot & { name: string }>, newcomer: string): string | null {
  return evictionFor(table, newcomer)?.name ?? null;
}

describe('evictionFor: which slot goes for a newcomer', () => {
  it('takes the oldest slot of the address holding the most', () => {
    expect(victimOf(slots('b', 'a', 'a', 'c', 'a', 'b'), 'z')).toBe('a#1');
  });

  it('on a tie between addresses, takes the oldest of them', () => {
    expect(victimOf(slots('b', 'a', 'a', 'b'), 'z')).toBe('b#0');
  });

  it('refuses a newcomer whose own address holds as many as the most crowded one', () => {
    expect(victimOf(slots('a', 'a', 'b', 'b'), 'a')).toBeNull();
    expect(victimOf(slots('a', 'b'), 'a')).toBeNull();
  });

  it('lets a newcomer from an address with fewer slots in', () => {
    expect(victimOf(slots('a', 'a', 'a', 'b'), 'b')).toBe('a#0');
    expect(victimOf(slots('a', 'b'), 'z')).toBe('a#0');
  });

  it('never takes a slot that may not be evicted, though it counts for its address', () => {
    // a holds three (one protected), b two: a still goes first, its oldest evictable slot.
    expect(victimOf(slots('a!', 'b', 'a', 'b', 'a'), 'z')).toBe('a#2');
    // Every slot of the crowded address is protected: the next address gives one.
    expect(victimOf(slots('a!', 'a!', 'a!', 'b', 'b'), 'z')).toBe('b#3');
    // A protected address does not make its own newcomer more deserving.
    expect(victimOf(slots('a!', 'a!', 'b'), 'b')).toBeNull();
  });

  it('refuses when nothing may be evicted', () => {
    expect(victimOf(slots('a!', 'b!', 'c!'), 'z')).toBeNull();
    expect(victimOf([], 'z')).toBeNull();
  });

  it('a slowloris from a dozen addresses gives way most-crowded first', () => {
    // 4 from a, 2 from b, one from each of ten others: successive newcomers from fresh addresses.
    const table = slots('a', 'a', 'a', 'a', 'b', 'b', ...'cdefghijkl'.split(''));
    const order: string[] = [];
    for (let n = 0; n < 4; n++) {
      const victim = evictionFor(table, `new${n}`)!;
      order.push(victim.name);
      table.splice(table.indexOf(victim), 1, { name: `new${n}`, address: `new${n}`, since: 2_000 + n, evictable: true });
    }
    expect(order).toEqual(['a#0', 'a#1', 'a#2', 'b#4']);
  });
});
