import { describe, expect, it } from 'vitest';
import { GroupMesh, MESH_DIALS_PER_CHECK, MESH_RETRY_MS, type MeshHost } from '../../electron/core/features/groups/mesh';

const key = (n: number) => n.toString(16).padStart(64, '0');
const me = key(999);

function host(overrides: Partial<MeshHost> = {}) {
  let time = 1_000_000;
  const connected = new Set<string>();
  const dials: string[] = [];
  const settle: Array<(answered: string) => void> = [];
  const wrong: Array<[string, string]> = [];
  const h: MeshHost = {
    me,
    now: () => time,
    isConnected: (k) => connected.has(k),
    dial: (k) => {
      dials.push(k);
      return new Promise((resolve) => settle.push(resolve));
    },
    wrongPeer: (expected, answered) => wrong.push([expected, answered]),
    log: () => {},
    ...overrides,
  };
  return { h, connected, dials, settle, wrong, advance: (ms: number) => (time += ms) };
}

const members = (count: number, addresses = ['127.0.0.1:1']) => [{ key: me, addresses }, ...Array.from({ length: count }, (_, i) => ({ key: key(i + 1), addresses }))];

describe('group mesh: a few sessions per member, dialed from records', () => {
  it('dials no more than a few at once, none it is connected to, and none again before the retry time', async () => {
    const { h, connected, dials, settle, advance } = host();
    const mesh = new GroupMesh(h, 3);
    connected.add(key(1));
    mesh.check(members(10));
    expect(dials).toHaveLength(MESH_DIALS_PER_CHECK);
    expect(dials).not.toContain(key(1));
    mesh.check(members(10));
    expect(dials).toHaveLength(MESH_DIALS_PER_CHECK);
    for (const [i, resolve] of settle.entries()) resolve(dials[i]!);
    await new Promise((resolve) => setImmediate(resolve));
    // Both dials answered but their sessions went again: they are not dialed before the retry time.
    mesh.check(members(10));
    expect(dials).toHaveLength(2 * MESH_DIALS_PER_CHECK);
    expect(new Set(dials).size).toBe(dials.length);
    for (const [i, resolve] of settle.entries()) resolve(dials[i]!);
    await new Promise((resolve) => setImmediate(resolve));
    advance(MESH_RETRY_MS);
    const before = dials.length;
    mesh.check(members(10));
    expect(dials.length).toBeGreaterThan(before);
  });

  it('with enough sessions it dials nobody; members without addresses, and itself, are never dialed', () => {
    const { h, connected, dials } = host();
    const mesh = new GroupMesh(h, 3);
    for (let i = 1; i <= 3; i++) connected.add(key(i));
    mesh.check(members(10));
    expect(dials).toEqual([]);
    const bare = host();
    new GroupMesh(bare.h, 3).check(members(10, []));
    expect(bare.dials).toEqual([]);
    const off = host();
    new GroupMesh(off.h, 0).check(members(10));
    expect(off.dials).toEqual([]);
  });

  it('someone else answering at a member\'s recorded address is told, not taken for the member', async () => {
    const { h, dials, settle, wrong } = host();
    new GroupMesh(h, 1).check(members(2));
    expect(dials).toHaveLength(1);
    settle[0]!(key(77));
    await new Promise((resolve) => setImmediate(resolve));
    expect(wrong).toEqual([[dials[0], key(77)]]);
  });

  it('a failed dial is logged and counts as tried', async () => {
    const lines: string[] = [];
    const { h, advance } = host();
    let calls = 0;
    const mesh = new GroupMesh({ ...h, dial: async () => { calls++; throw new Error('refused'); }, log: (line) => lines.push(line) }, 1);
    mesh.check(members(1));
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines[0]).toMatch(/not reached at 127\.0\.0\.1:1: refused/);
    mesh.check(members(1));
    expect(calls).toBe(1);
    advance(MESH_RETRY_MS);
    mesh.check(members(1));
    expect(calls).toBe(2);
  });
});
