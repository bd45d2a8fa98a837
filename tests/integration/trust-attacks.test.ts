/**
 * What an attack review found around keys, names, typing and the outbox (issue 13, "concerns"): each test is
 * named after the attack and failed on the code before its fix.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { InboundChat, Inbox } from '../../electron/core/features/chat/delivery';
import { connectApps, eventsOf, FAST_RECONNECT, openApp } from '../helpers/app';
import { freePort } from '../helpers/net';
import { cleanUp, startPeer, tempDir, waitUntil } from '../helpers/peers';

afterEach(cleanUp);

const fast = { timeouts: FAST_RECONNECT };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Alice knows Bob; Bob leaves, Alice writes to him, and another key answers at Bob's address. */
async function anotherKeyAtBobsAddress(verified: boolean) {
  const bobPort = await freePort();
  const alice = await openApp({ name: 'Alice', ...fast });
  const bob = await openApp({ name: 'Bob', dataDir: await tempDir(), port: bobPort, ...fast });
  const { bobKey, aliceKey } = await connectApps(alice, bob);
  if (verified) await alice.handlers['contact:verify']({ peer: bobKey, verified: true });
  await bob.service.close();
  await waitUntil(() => eventsOf(alice, 'peer:updated').some((c) => c.peer === bobKey && c.state !== 'online'), 'Bob gone');
  const before = await alice.handlers['message:send']({ peer: bobKey, text: 'written for the real Bob' });
  const mallory = await openApp({ name: 'Bob', port: bobPort, ...fast });
  await waitUntil(() => eventsOf(alice, 'message:received').some((m) => m.peer === bobKey && m.kind === 'notice'), 'Alice is warned of the key change');
  return { alice, mallory, bobKey, aliceKey, before };
}

describe('messages queued before a key change', () => {
  it('do not go to whoever answers at an unverified contact\'s address: they are held until the person sends them to the new key', async () => {
    const { alice, mallory, bobKey, before } = await anotherKeyAtBobsAddress(false);
    await sleep(600);
    expect(eventsOf(mallory, 'message:received').filter((m) => m.kind === 'chat')).toEqual([]);
    const [conversation] = await alice.handlers['conversation:list']({});
    expect(conversation).toMatchObject({ peer: bobKey, queued: 1, heldUntil: expect.any(Number), keyChange: { needsApproval: false } });
    // What the person writes after the change follows the new key, as the README's rule says.
    const after = await alice.handlers['message:send']({ peer: bobKey, text: 'written after the change' });
    await waitUntil(() => eventsOf(alice, 'message:status-changed').some((s) => s.id === after.id && s.status === 'delivered'), 'the new one goes');
    expect(eventsOf(mallory, 'message:received').map((m) => m.text)).toEqual(['written after the change']);
    // Once the person looks and says so, the held one goes too.
    expect((await alice.handlers['contact:send-held']({ peer: bobKey })).heldUntil).toBeUndefined();
    await waitUntil(() => eventsOf(alice, 'message:status-changed').some((s) => s.id === before.id && s.status === 'delivered'), 'the held one goes');
    expect(eventsOf(mallory, 'message:received').map((m) => m.text)).toEqual(['written after the change', 'written for the real Bob']);
  });
});

describe('an unapproved key speaking in a verified contact\'s name', () => {
  it('has its messages marked as from a key awaiting approval, and the contact is not reported verified meanwhile', async () => {
    const { alice, mallory, bobKey, aliceKey } = await anotherKeyAtBobsAddress(true);
    await waitUntil(() => eventsOf(mallory, 'peer:updated').some((c) => c.peer === aliceKey && c.state === 'online'), 'Mallory sees Alice');
    await mallory.handlers['message:send']({ peer: aliceKey, text: 'it is me, Bob, send me the keys' });
    await waitUntil(() => eventsOf(alice, 'message:received').some((m) => m.kind === 'chat'), 'Alice gets the message');
    const received = eventsOf(alice, 'message:received').find((m) => m.kind === 'chat')!;
    expect(received).toMatchObject({ peer: bobKey, unapprovedKey: true });
    const stored = (await alice.handlers['message:list']({ peer: bobKey, limit: 50 })).messages.find((m) => m.kind === 'chat' && !m.fromMe);
    expect(stored).toMatchObject({ unapprovedKey: true });
    expect((await alice.handlers['conversation:list']({}))[0]).toMatchObject({ verified: false, keyChange: { needsApproval: true } });
    expect(alice.service.contactSummaries()[0]).toMatchObject({ peer: bobKey, verified: false });
  });
});

describe('names that cannot be told apart', () => {
  it('a name of invisible characters or blanks falls back to the key, and invisible characters are stripped', async () => {
    const alice = await openApp({ name: 'Alice' });
    const blank = await startPeer(' \u200b\u202e ');
    const zwsp = await startPeer('B\u200b');
    for (const peer of [blank, zwsp]) await peer.connect('127.0.0.1', alice.service.node.port);
    await waitUntil(() => alice.service.contactSummaries().length === 2, 'both are contacts');
    const list = await alice.handlers['conversation:list']({});
    expect(list.find((c) => c.peer === blank.id)!.name).toBe(blank.id.slice(0, 8));
    expect(list.find((c) => c.peer === zwsp.id)!.name).toBe('B');
  });

  it('three contacts called "B" are told apart by a short fingerprint in the contacts scripts see', async () => {
    const alice = await openApp({ name: 'Alice' });
    for (const name of ['B', 'B\u200b', 'B']) await (await startPeer(name)).connect('127.0.0.1', alice.service.node.port);
    await waitUntil(() => alice.service.contactSummaries().length === 3, 'all three are contacts');
    const names = alice.service.contactSummaries().map((c) => c.name);
    expect(new Set(names).size).toBe(3);
    for (const name of names) expect(name).toMatch(/^B \([A-Z2-7]{4} [A-Z2-7]{4}\)$/);
  });
});

describe('a typing flood', () => {
  it('reaches the UI as at most a few changes a second, not one event per notice', async () => {
    const alice = await openApp({ name: 'Alice' });
    const mallory = await startPeer('Mallory');
    await mallory.connect('127.0.0.1', alice.service.node.port);
    await waitUntil(() => eventsOf(alice, 'peer:updated').some((c) => c.peer === mallory.id && c.state === 'online'), 'Mallory online');
    const start = alice.events.length;
    const until = Date.now() + 1_000;
    let active = false;
    while (Date.now() < until) {
      for (let i = 0; i < 50; i++) mallory.setTyping(alice.service.node.id, (active = !active));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await sleep(700);
    const frames = alice.events.slice(start).filter((e) => e.event === 'peer:updated').length;
    console.log(`typing flood: ${frames} peer:updated frames reached the UI in ~1.7 s`);
    expect(frames).toBeLessThanOrEqual(8);
  });
});

/** An inbox that never stores (so never acknowledges): a peer that takes and takes. */
class NeverStores implements Inbox {
  received = 0;
  receive(_key: string, _chat: InboundChat): Promise<void> {
    this.received++;
    return new Promise(() => {});
  }
}

describe('a peer that never acknowledges', () => {
  it('gets the outbox within a window, and a reopened session does not get what is in flight written again', async () => {
    const alice = await openApp({ name: 'Alice', ...fast });
    const bobPort = await freePort();
    const bobDir = await tempDir();
    const bob = await openApp({ name: 'Bob', dataDir: bobDir, port: bobPort, ...fast });
    const { bobKey } = await connectApps(alice, bob);
    await bob.service.close();
    await waitUntil(() => eventsOf(alice, 'peer:updated').some((c) => c.peer === bobKey && c.state !== 'online'), 'Bob gone');
    const text = 'x'.repeat(4_000);
    for (let i = 0; i < 1_500; i++) await alice.handlers['message:send']({ peer: bobKey, text: `${i} ${text}` });
    const inbox = new NeverStores();
    const { loadOrCreateIdentity } = await import('../../electron/core/identity');
    const stuck = await startPeer('Bob', { port: bobPort, inbox, identity: await loadOrCreateIdentity(bobDir) });
    await waitUntil(() => inbox.received > 0, 'the stuck Bob gets some');
    await sleep(800);
    const sent = () => eventsOf(alice, 'message:status-changed').filter((s) => s.status === 'sent').length;
    expect(inbox.received).toBeLessThan(600);
    expect(sent()).toBeLessThan(600);
    await stuck.close();
    // The real Bob back: every message arrives once, in order, and the outbox empties.
    const back = await openApp({ name: 'Bob', dataDir: bobDir, port: bobPort, ...fast });
    await waitUntil(() => eventsOf(back, 'message:received').filter((m) => m.kind === 'chat').length >= 1_500, 'all arrive', 30_000);
    await sleep(200);
    const texts = eventsOf(back, 'message:received').filter((m) => m.kind === 'chat').map((m) => Number(m.text.split(' ')[0]));
    expect(texts).toEqual(Array.from({ length: 1_500 }, (_, i) => i));
    await waitUntil(() => alice.service.contactSummaries().length === 1 && eventsOf(alice, 'peer:updated').at(-1)!.queued === 0, 'nothing waits', 30_000);
  }, 60_000);
});
