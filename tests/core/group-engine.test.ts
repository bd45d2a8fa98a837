import { describe, expect, it } from 'vitest';
import { toHex } from '../../shared/bytes';
import { newSigner, sodiumGroupCrypto } from '../../electron/core/features/groups/crypto';
import { GroupEngine, GroupRefusal, MAX_CLOCK_AHEAD_MS, MAX_WAITING_PER_AUTHOR } from '../../electron/core/features/groups/engine/engine';
import { encodeCarried, sealEnvelope, type GroupSigner } from '../../electron/core/features/groups/engine/envelope';
import { seededRandom } from '../helpers/random';

let time = 1_700_000_000_000;
const now = () => time;
const keyOf = (signer: GroupSigner) => toHex(signer.publicKey);
const record = (name: string) => ({ name, addresses: [] });

/** Everything `from` holds that `to` may have, delivered until nothing changes. */
function sync(from: GroupEngine, to: GroupEngine, toKey: string) {
  for (let round = 0; round < 50; round++) {
    const { batch, more } = from.missingFor(to.latestSeqs(), toKey);
    const wanted = from.wanted([...to.missingLinks(), ...to.bodiesLacked(toKey)], toKey);
    for (const item of [...wanted, ...batch]) to.receive(item.bytes);
    if (!more && wanted.length === 0) return;
  }
}

function group() {
  const alice = newSigner();
  const bob = newSigner();
  const carol = newSigner();
  const { engine: a } = GroupEngine.create('friends', alice, sodiumGroupCrypto, now);
  const b = new GroupEngine(a.groupId, sodiumGroupCrypto, now);
  const c = new GroupEngine(a.groupId, sodiumGroupCrypto, now);
  return { alice, bob, carol, a, b, c };
}

describe('group envelope accept rule', () => {
  it('the group id is the hash of the creator\'s signed first message, and a member added later can check everything', () => {
    const { alice, bob, a, b } = group();
    time++;
    a.writeText('before bob', alice);
    a.writeOp({ op: 'add', member: keyOf(bob), role: 'member', record: record('Bob') }, alice);
    a.writeText('hello bob', alice);
    sync(a, b, keyOf(bob));
    expect(b.size).toBe(a.size);
    expect(b.membership.members.has(keyOf(bob))).toBe(true);
    // Bob reads from his addition on; what came before reaches him as headers only.
    expect(b.ordered().map((entry) => (entry.body as { text: string }).text)).toEqual(['hello bob']);
  });

  it('drops a forged signature, a tampered body, random bytes and a truncated envelope, with a notice', () => {
    const { alice, a } = group();
    const { envelope } = a.writeText('real', alice);
    const fresh = new GroupEngine(a.groupId, sodiumGroupCrypto, now);
    const carried = encodeCarried(envelope, true);
    const badSignature = carried.slice();
    badSignature[envelope.headerLength + 3] ^= 1;
    const badBody = carried.slice();
    badBody[badBody.length - 1] ^= 1;
    const random = seededRandom(7);
    const junk = Uint8Array.from({ length: 300 }, () => Math.floor(random() * 256));
    expect(fresh.receive(badSignature).notices[0]!.reason).toBe('forged');
    expect(fresh.receive(badBody).notices[0]!.reason).toBe('forged');
    expect(fresh.receive(junk).notices[0]!.reason).toMatch(/malformed|forged/);
    for (let cut = 0; cut < carried.length; cut += 7) expect(fresh.receive(carried.subarray(0, cut)).accepted).toEqual([]);
    expect(fresh.size).toBe(0);
  });

  it('drops a well-formed message by someone who was never added, and whatever links it', () => {
    const { a } = group();
    const mallory = newSigner();
    const forged = sealEnvelope({ group: a.groupId, seq: 1, prev: null, clock: { ms: time + 5, counter: 0 }, parents: [a.groupId] }, { kind: 'text', text: 'hi' }, mallory, sodiumGroupCrypto);
    const next = sealEnvelope({ group: a.groupId, seq: 2, prev: forged.id, clock: { ms: time + 6, counter: 0 }, parents: [] }, { kind: 'text', text: 'hi again' }, mallory, sodiumGroupCrypto);
    expect(a.receive(encodeCarried(next, true)).missing).toEqual([forged.id]);
    const result = a.receive(encodeCarried(forged, true));
    expect(result.notices.map((n) => n.reason)).toEqual(['not-member', 'missing-link']);
    expect(a.has(forged.id) || a.has(next.id) || a.waitingCount > 0).toBe(false);
  });

  it('a member may not do what only admins do, and a removed member cannot write after learning of it', () => {
    const { alice, bob, carol, a, b } = group();
    a.writeOp({ op: 'add', member: keyOf(bob), role: 'member', record: record('Bob') }, alice);
    sync(a, b, keyOf(bob));
    expect(() => b.writeOp({ op: 'add', member: keyOf(carol), role: 'member', record: record('Carol') }, bob)).toThrow(GroupRefusal);
    a.writeOp({ op: 'remove', member: keyOf(bob) }, alice);
    sync(a, b, keyOf(bob));
    expect(b.membership.members.has(keyOf(bob))).toBe(false);
    expect(() => b.writeText('still here?', bob)).toThrow(/not a member/);
  });

  it('replays change nothing; a second message with the same number (a fork) is kept beside the first, and offered at every sync', () => {
    const { alice, a } = group();
    const { envelope } = a.writeText('one', alice);
    const before = a.size;
    expect(a.receive(encodeCarried(envelope, true))).toMatchObject({ accepted: [], shown: [], notices: [] });
    const fork = sealEnvelope({ group: a.groupId, seq: envelope.seq, prev: envelope.prev, clock: { ms: time + 1, counter: 9 }, parents: envelope.parents }, { kind: 'text', text: 'two' }, alice, sodiumGroupCrypto);
    expect(a.receive(encodeCarried(fork, true)).accepted.map((entry) => entry.envelope.id)).toEqual([fork.id]);
    expect(a.size).toBe(before + 1);
    expect(a.latestSeqs().get(keyOf(alice))).toBe(envelope.seq);
    // Someone who holds the author's number already still gets the other branch: the number cannot tell which it holds.
    const offered = a.lackingFor(a.latestSeqs(), keyOf(alice), 100).map((outgoing) => outgoing.id);
    expect(offered).toEqual([fork.id]);
    expect(a.receive(encodeCarried(fork, true)).accepted).toEqual([]);
  });

  it('a copy of what it holds changes nothing and is not verified again; a tampered copy is still refused; a copy with the body a bare header lacked reveals it', () => {
    const { alice, bob, carol, a } = group();
    a.writeOp({ op: 'add', member: keyOf(bob), role: 'member', record: record('Bob') }, alice);
    const { envelope } = a.writeText('once', alice);
    let verified = 0;
    const counting = { ...sodiumGroupCrypto, verify: (...args: Parameters<typeof sodiumGroupCrypto.verify>) => (verified++, sodiumGroupCrypto.verify(...args)) };
    const b = new GroupEngine(a.groupId, counting, now);
    sync(a, b, keyOf(bob));
    const before = verified;
    expect(b.receive(encodeCarried(envelope, true))).toMatchObject({ accepted: [], shown: [], notices: [] });
    expect(verified).toBe(before);
    const tampered = encodeCarried(envelope, true);
    tampered[40] ^= 1;
    expect(b.receive(tampered).notices[0]!.reason).toBe('forged');
    // Carol, added after Alice's text, holds its header only; the body arriving later (from a member who may
    // share it with her) is taken, though the signed bytes are a copy.
    a.writeOp({ op: 'add', member: keyOf(carol), role: 'member', record: record('Carol') }, alice);
    const c = new GroupEngine(a.groupId, sodiumGroupCrypto, now);
    sync(a, c, keyOf(carol));
    expect(c.entry(envelope.id)!.body).toBeNull();
    expect(c.receive(encodeCarried(envelope, false)).shown).toEqual([]);
    expect(c.receive(encodeCarried(envelope, true)).shown.map((s) => s.text)).toEqual(['once']);
  });

  it('says what hidden messages wait for: how many earlier messages of which author, and links it cannot attribute', () => {
    const { alice, bob, a, b } = group();
    a.writeOp({ op: 'add', member: keyOf(bob), role: 'member', record: record('Bob') }, alice);
    sync(a, b, keyOf(bob));
    expect(b.gaps()).toEqual({ byAuthor: new Map(), other: 0 });
    const written = [1, 2, 3, 4, 5].map((i) => a.writeText(`m${i}`, alice).envelope);
    // Bob gets the 4th and 5th first: Alice's 3 before them are missing.
    b.receive(encodeCarried(written[3]!, true));
    b.receive(encodeCarried(written[4]!, true));
    expect(b.gaps().byAuthor.get(keyOf(alice))).toBe(3);
    b.receive(encodeCarried(written[0]!, true));
    expect(b.gaps().byAuthor.get(keyOf(alice))).toBe(2);
    // A member who holds only Bob's first message: nothing of Bob's is missing, but its links are only ids.
    const fromBob = b.writeText('reply', bob).envelope;
    const c = new GroupEngine(a.groupId, sodiumGroupCrypto, now);
    c.receive(encodeCarried(fromBob, true));
    const gaps = c.gaps();
    expect(gaps.byAuthor.get(keyOf(bob))).toBe(undefined);
    expect(gaps.other).toBeGreaterThan(0);
    sync(a, b, keyOf(bob));
    expect(b.gaps()).toEqual({ byAuthor: new Map(), other: 0 });
  });

  it('refuses a clock that is not ahead of its links, or far in the future', () => {
    const { alice, a } = group();
    const { envelope } = a.writeText('one', alice);
    const behind = sealEnvelope({ group: a.groupId, seq: envelope.seq + 1, prev: envelope.id, clock: envelope.clock, parents: [] }, { kind: 'text', text: 'x' }, alice, sodiumGroupCrypto);
    expect(a.receive(encodeCarried(behind, true)).notices[0]!.reason).toBe('clock');
    const future = sealEnvelope({ group: a.groupId, seq: envelope.seq + 1, prev: envelope.id, clock: { ms: time + MAX_CLOCK_AHEAD_MS + 1000, counter: 0 }, parents: [] }, { kind: 'text', text: 'x' }, alice, sodiumGroupCrypto);
    expect(a.receive(encodeCarried(future, true)).notices[0]!.reason).toBe('clock');
  });

  it('keeps a message with missing links hidden, asks for them, and shows it once they come, marked late if earlier', () => {
    const { alice, bob, a, b } = group();
    a.writeOp({ op: 'add', member: keyOf(bob), role: 'member', record: record('Bob') }, alice);
    sync(a, b, keyOf(bob));
    time += 10;
    const first = a.writeText('first', alice).envelope;
    time += 10;
    const second = a.writeText('second', alice).envelope;
    const waiting = b.receive(encodeCarried(second, true));
    expect(waiting.missing).toEqual([first.id]);
    expect(b.ordered()).toHaveLength(0);
    const arrived = b.receive(encodeCarried(first, true));
    expect(arrived.shown.map((s) => s.text)).toEqual(['first', 'second']);
    time += 10;
    b.writeText('bob later', bob);
    // A message from a healed partition with an earlier clock goes in place and is marked.
    const c = new GroupEngine(a.groupId, sodiumGroupCrypto, now);
    sync(a, c, keyOf(alice));
    sync(b, c, keyOf(alice));
    expect(c.ordered().map((e) => (e.body as { text: string }).text)).toEqual(['first', 'second', 'bob later']);
  });

  it('bounds what waits for links per author', () => {
    const { a } = group();
    const mallory = newSigner();
    let dropped = 0;
    for (let i = 0; i < MAX_WAITING_PER_AUTHOR + 10; i++) {
      const orphan = sealEnvelope({ group: a.groupId, seq: 2, prev: toHex(Uint8Array.from({ length: 32 }, (_, j) => (j === 0 ? 1 : (i >> (8 * (j % 3))) & 0xff))), clock: { ms: time, counter: 0 }, parents: [] }, { kind: 'text', text: `${i}` }, mallory, sodiumGroupCrypto);
      dropped += a.receive(encodeCarried(orphan, true)).notices.filter((n) => n.reason === 'waiting-full').length;
    }
    expect(a.waitingCount).toBe(MAX_WAITING_PER_AUTHOR);
    expect(dropped).toBe(10);
  });
});

describe('group membership resolution', () => {
  function twoAdmins() {
    const g = group();
    g.a.writeOp({ op: 'add', member: keyOf(g.bob), role: 'admin', record: record('Bob') }, g.alice);
    g.a.writeOp({ op: 'add', member: keyOf(g.carol), role: 'member', record: record('Carol') }, g.alice);
    sync(g.a, g.b, keyOf(g.bob));
    sync(g.a, g.c, keyOf(g.carol));
    return g;
  }

  it('mutual removal: the less senior admin loses, on both sides and in any order', () => {
    const { alice, bob, a, b } = twoAdmins();
    time += 5;
    a.writeOp({ op: 'remove', member: keyOf(bob) }, alice);
    b.writeOp({ op: 'remove', member: keyOf(alice) }, bob);
    sync(a, b, keyOf(bob));
    sync(b, a, keyOf(alice));
    for (const engine of [a, b]) {
      expect(engine.membership.members.has(keyOf(alice))).toBe(true);
      expect(engine.membership.members.has(keyOf(bob))).toBe(false);
    }
  });

  it('a removal wins over a concurrent re-addition; what the removed admin did concurrently does not count', () => {
    const { alice, bob, carol, a, b } = twoAdmins();
    const dave = newSigner();
    time += 5;
    // Alice removes Carol; Bob, not knowing, removes Carol too and adds her back, and adds Dave.
    a.writeOp({ op: 'remove', member: keyOf(carol) }, alice);
    b.writeOp({ op: 'remove', member: keyOf(carol) }, bob);
    b.writeOp({ op: 'add', member: keyOf(carol), role: 'member', record: record('Carol') }, bob);
    time += 5;
    a.writeOp({ op: 'remove', member: keyOf(bob) }, alice);
    b.writeOp({ op: 'add', member: keyOf(dave), role: 'member', record: record('Dave') }, bob);
    sync(a, b, keyOf(bob));
    sync(b, a, keyOf(alice));
    const view = (engine: GroupEngine) => [...engine.membership.members.keys()].sort();
    expect(view(a)).toEqual([keyOf(alice)]);
    expect(view(b)).toEqual(view(a));
  });
});
