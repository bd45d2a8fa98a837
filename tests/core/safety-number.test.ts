import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { safetyNumber } from '../../electron/core/safety-number';

const alice = '11'.repeat(32);
// RFC 8032's first test public key.
const bob = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
const freshKey = () => randomBytes(32).toString('hex');

describe('safety numbers', () => {
  it('are 60 digits in 12 groups of 5', () => {
    expect(safetyNumber(alice, bob)).toMatch(/^\d{5}( \d{5}){11}$/);
  });

  it('are the same whichever side computes them', () => {
    expect(safetyNumber(alice, bob)).toBe(safetyNumber(bob, alice));
    const [a, b] = [freshKey(), freshKey()];
    expect(safetyNumber(a, b)).toBe(safetyNumber(b, a));
  });

  it('are stable: a fixed vector (computed apart from this code, with Python hashlib)', () => {
    // Each half: SHA-512 over (u16 version 0 ‖ key ‖ key), then 1,999 more rounds over (digest ‖ key); six 5-byte
    // big-endian chunks mod 100000. The smaller half comes first.
    expect(safetyNumber(alice, bob)).toBe('77483 22052 26689 56506 87198 49227 91122 16938 63222 60931 65235 66010');
  });

  it('change when either key changes', () => {
    const base = safetyNumber(alice, bob);
    const otherAlice = '12' + alice.slice(2);
    const otherBob = bob.slice(0, -1) + 'b';
    expect(safetyNumber(otherAlice, bob)).not.toBe(base);
    expect(safetyNumber(alice, otherBob)).not.toBe(base);
    // Each key has a half of its own: changing one key changes only its half.
    const halves = (number: string) => new Set([number.replaceAll(' ', '').slice(0, 30), number.replaceAll(' ', '').slice(30)]);
    const shared = [...halves(base)].filter((half) => halves(safetyNumber(otherAlice, bob)).has(half));
    expect(shared).toHaveLength(1);
  });

  it('read a key in either case alike', () => {
    expect(safetyNumber(alice, bob.toUpperCase())).toBe(safetyNumber(alice, bob));
  });

  it('refuse what is not a hex ed25519 key', () => {
    for (const bad of ['', 'ab', bob.slice(2), bob + '00', 'zz' + bob.slice(2)]) {
      expect(() => safetyNumber(alice, bad)).toThrow(RangeError);
    }
  });

  it('cost milliseconds, not more, for two keys never seen', () => {
    const startedAt = performance.now();
    safetyNumber(freshKey(), freshKey());
    // About 4 ms on the 2-core build machine; the bound leaves room for a busy one.
    expect(performance.now() - startedAt).toBeLessThan(100);
  });
});
