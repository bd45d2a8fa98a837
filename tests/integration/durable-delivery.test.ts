/**
 * History, contacts and guaranteed delivery through the contract: the outbox survives restarts, contacts are
 * dialed again by themselves, keys are pinned on first use, and a damaged store does not stop the app.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { dispatch } from '../../shared/ipc/dispatch';
import { connectApps, eventsOf, FAST_RECONNECT, openApp, type OpenedApp } from '../helpers/app';
import { freePort } from '../helpers/net';
import { cleanUp, collect, startPeer, tempDir, waitUntil } from '../helpers/peers';

afterEach(cleanUp);

const fast = { timeouts: FAST_RECONNECT };

async function received(app: OpenedApp, peer: string): Promise<string[]> {
  const { messages } = await app.handlers['message:list']({ peer, limit: 500 });
  return messages.filter((m) => m.kind === 'chat' && !m.fromMe).map((m) => m.text);
}

async function statuses(app: OpenedApp, peer: string): Promise<Array<string | undefined>> {
  const { messages } = await app.handlers['message:list']({ peer, limit: 500 });
  return messages.filter((m) => m.fromMe).map((m) => m.status);
}

/** Alice and Bob on fixed ports (so each can be dialed again at its stored address), connected once. */
async function contacts() {
  const alicePort = await freePort();
  const bobPort = await freePort();
  const aliceDir = await tempDir();
  const bobDir = await tempDir();
  const alice = await openApp({ name: 'Alice', dataDir: aliceDir, port: alicePort, ...fast });
  const bob = await openApp({ name: 'Bob', dataDir: bobDir, port: bobPort, ...fast });
  const keys = await connectApps(alice, bob);
  return { alice, bob, alicePort, bobPort, aliceDir, bobDir, ...keys };
}

describe('the outbox', () => {
  it('messages to an offline contact wait, survive a restart of the sender, and arrive in order when it is back', async () => {
    const { alice, bob, aliceDir, alicePort, bobDir, bobPort, bobKey, aliceKey } = await contacts();
    await bob.service.close();
    await waitUntil(() => eventsOf(alice, 'peer:updated').some((c) => c.peer === bobKey && c.state !== 'online'), 'Alice sees Bob gone');
    const texts = ['one', 'two', 'three', 'four', 'five'];
    for (const text of texts) expect(await alice.handlers['message:send']({ peer: bobKey, text })).toMatchObject({ status: 'queued' });
    await alice.service.close();

    const alice2 = await openApp({ name: 'Alice', dataDir: aliceDir, port: alicePort, ...fast });
    expect((await alice2.handlers['conversation:list']({}))[0]).toMatchObject({ peer: bobKey, name: 'Bob', queued: 5 });
    expect(await statuses(alice2, bobKey)).toEqual(['queued', 'queued', 'queued', 'queued', 'queued']);
    const bob2 = await openApp({ name: 'Bob', dataDir: bobDir, port: bobPort, ...fast });
    await waitUntil(() => eventsOf(bob2, 'message:received').length >= 5, 'the five arrive');
    expect(await received(bob2, aliceKey)).toEqual(texts);
    await waitUntil(() => eventsOf(alice2, 'message:status-changed').filter((s) => s.status === 'delivered').length === 5, 'all delivered');
    expect(await statuses(alice2, bobKey)).toEqual(['delivered', 'delivered', 'delivered', 'delivered', 'delivered']);
    expect((await alice2.handlers['conversation:list']({}))[0]).toMatchObject({ queued: 0, state: 'online' });
  });

  it('history, unread counts and contacts survive a restart', async () => {
    const { alice, bob, bobDir, bobPort, aliceKey, bobKey } = await contacts();
    for (const text of ['a', 'b', 'c']) await alice.handlers['message:send']({ peer: bobKey, text });
    await waitUntil(() => eventsOf(bob, 'message:received').length === 3, 'three arrive');
    await bob.service.close();
    const bob2 = await openApp({ name: 'Bob', dataDir: bobDir, port: bobPort, ...fast });
    const [conversation] = await bob2.handlers['conversation:list']({});
    expect(conversation).toMatchObject({ peer: aliceKey, name: 'Alice', unread: 3, lastMessage: { text: 'c', fromMe: false } });
    expect(await received(bob2, aliceKey)).toEqual(['a', 'b', 'c']);
    await bob2.handlers['conversation:mark-read']({ peer: aliceKey });
    expect((await bob2.handlers['conversation:list']({}))[0]!.unread).toBe(0);
  });

  it('a cancelled message leaves the conversation and never arrives; a retry needs a failed message', async () => {
    const { alice, bob, bobDir, bobPort, bobKey, aliceKey } = await contacts();
    await bob.service.close();
    await waitUntil(() => eventsOf(alice, 'peer:updated').some((c) => c.peer === bobKey && c.state !== 'online'), 'Bob gone');
    const keep = await alice.handlers['message:send']({ peer: bobKey, text: 'keep me' });
    const drop = await alice.handlers['message:send']({ peer: bobKey, text: 'never mind' });
    expect(await dispatch(alice.handlers, 'message:retry', { peer: bobKey, id: keep.id })).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    await alice.handlers['message:cancel']({ peer: bobKey, id: drop.id });
    expect(eventsOf(alice, 'message:removed')).toEqual([{ peer: bobKey, id: drop.id }]);
    const bob2 = await openApp({ name: 'Bob', dataDir: bobDir, port: bobPort, ...fast });
    await waitUntil(() => eventsOf(alice, 'message:status-changed').some((s) => s.id === keep.id && s.status === 'delivered'), 'kept one delivered');
    expect(await received(bob2, aliceKey)).toEqual(['keep me']);
    expect(await dispatch(alice.handlers, 'message:cancel', { peer: bobKey, id: keep.id })).toMatchObject({
      ok: false,
      error: { code: 'message-not-cancellable' },
    });
  });

  it('a contact that was offline at start-up is dialed again by itself, and shows when it will be', async () => {
    const { alice, bob, bobDir, bobPort, bobKey } = await contacts();
    await bob.service.close();
    await waitUntil(() => eventsOf(alice, 'peer:updated').some((c) => c.peer === bobKey && c.nextRetryAt !== undefined), 'a retry is scheduled');
    const scheduled = eventsOf(alice, 'peer:updated').find((c) => c.peer === bobKey && c.nextRetryAt !== undefined)!;
    expect(scheduled.nextRetryAt).toBeGreaterThan(Date.now() - 1_000);
    await openApp({ name: 'Bob', dataDir: bobDir, port: bobPort, ...fast });
    await waitUntil(() => eventsOf(alice, 'peer:updated').at(-1)?.state === 'online', 'Alice reconnects');
  });
});

describe('disconnecting on purpose', () => {
  it('neither side dials the other again on its own; a message from either side resumes it', async () => {
    const { alice, bob, aliceKey, bobKey } = await contacts();
    await alice.handlers['peer:disconnect']({ peer: bobKey });
    await waitUntil(() => eventsOf(bob, 'peer:updated').some((c) => c.peer === aliceKey && c.state === 'offline'), 'Bob sees Alice go');
    // Many retry periods (50 ms at first) pass with both sides offline, and no retry is even scheduled.
    await new Promise((resolve) => setTimeout(resolve, 600));
    for (const [app, peer] of [[alice, bobKey], [bob, aliceKey]] as const) {
      expect((await app.handlers['conversation:list']({}))[0]).toMatchObject({ peer, state: 'offline', lastReason: expect.stringContaining('closed by the user') });
      expect((await app.handlers['conversation:list']({}))[0]!.nextRetryAt).toBeUndefined();
    }
    const note = await bob.handlers['message:send']({ peer: aliceKey, text: 'one more thing' });
    expect(note.status).toBe('queued');
    await waitUntil(() => eventsOf(bob, 'message:status-changed').some((s) => s.id === note.id && s.status === 'delivered'), 'delivered after the resumed dial');
  });
});

/** Bob's port is answered by a new identity (a reinstall elsewhere, or someone else): a new key at his address. */
async function bobReinstalls(verified: boolean) {
  const setup = await contacts();
  const { alice, bob, bobDir, bobPort, bobKey } = setup;
  if (verified) await alice.handlers['contact:verify']({ peer: bobKey, verified: true });
  await bob.service.close();
  await waitUntil(() => eventsOf(alice, 'peer:updated').some((c) => c.peer === bobKey && c.state !== 'online'), 'Bob gone');
  const waiting = await alice.handlers['message:send']({ peer: bobKey, text: 'for Bob' });
  const newBob = await openApp({ name: 'Bob', port: bobPort, ...fast });
  await waitUntil(() => eventsOf(alice, 'message:received').some((m) => m.peer === bobKey && m.kind === 'notice'), 'Alice is warned of the key change');
  /** The new key leaves, and the real Bob, with the key Alice pinned, is back at his address. */
  const oldBobReturns = async () => {
    await newBob.service.close();
    return openApp({ name: 'Bob', dataDir: bobDir, port: bobPort, ...fast });
  };
  return { ...setup, newBob, waiting, oldBobReturns };
}

describe('trust on first use', () => {
  it('both sides show the same safety number; verifying is kept', async () => {
    const { alice, bob, aliceKey, bobKey } = await contacts();
    const [fromAlice] = await alice.handlers['conversation:list']({});
    const [fromBob] = await bob.handlers['conversation:list']({});
    expect(fromAlice!.safetyNumber).toMatch(/^\d{5}( \d{5}){11}$/);
    expect(fromAlice!.safetyNumber).toBe(fromBob!.safetyNumber);
    expect(await alice.handlers['contact:verify']({ peer: bobKey, verified: true })).toMatchObject({ verified: true });
    expect((await bob.handlers['conversation:list']({}))[0]).toMatchObject({ peer: aliceKey, verified: false });
  });

  it('a changed key of an unverified contact is pinned with a warning; what waited goes to it once the person says so', async () => {
    const { alice, newBob, bobKey, waiting } = await bobReinstalls(false);
    const [conversation] = await alice.handlers['conversation:list']({});
    expect(conversation).toMatchObject({ peer: bobKey, verified: false, keyChange: { needsApproval: false } });
    expect(await dispatch(alice.handlers, 'contact:approve-key', { peer: bobKey })).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    expect(conversation!.keyChange!.fingerprint).not.toBe(conversation!.keyChange!.previousFingerprint);
    const notices = (await alice.handlers['message:list']({ peer: bobKey, limit: 50 })).messages.filter((m) => m.kind === 'notice');
    expect(notices).toEqual([expect.objectContaining({ text: expect.stringContaining("Bob's safety number changed") })]);
    expect(conversation!.heldUntil).toBeGreaterThanOrEqual(waiting.at);
    await alice.handlers['contact:send-held']({ peer: bobKey });
    await waitUntil(() => eventsOf(alice, 'message:status-changed').some((s) => s.id === waiting.id && s.status === 'delivered'), 'delivered to the new key');
    expect(eventsOf(newBob, 'message:received').map((m) => m.text)).toEqual(['for Bob']);
    // The safety number now comes from the new key, the same on both sides.
    const [newBobView] = await newBob.handlers['conversation:list']({});
    expect((await alice.handlers['conversation:list']({}))[0]!.safetyNumber).toBe(newBobView!.safetyNumber);
    // Once seen, the warning can be put away for good.
    expect((await alice.handlers['contact:dismiss-key-change']({ peer: bobKey })).keyChange).toBeUndefined();
    expect((await alice.handlers['conversation:list']({}))[0]!.keyChange).toBeUndefined();
  });

  it('a changed key of a verified contact holds messages until the person approves it', async () => {
    const { alice, newBob, bobKey, waiting } = await bobReinstalls(true);
    expect((await alice.handlers['conversation:list']({}))[0]).toMatchObject({ verified: false, keyChange: { needsApproval: true }, queued: 1 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(eventsOf(newBob, 'message:received')).toEqual([]);
    expect(await statuses(alice, bobKey)).toEqual(['queued']);
    expect(await dispatch(alice.handlers, 'contact:verify', { peer: bobKey, verified: true })).toMatchObject({ ok: false });

    const approved = await alice.handlers['contact:approve-key']({ peer: bobKey });
    expect(approved).toMatchObject({ verified: false });
    expect(approved.keyChange).toBeUndefined();
    await waitUntil(() => eventsOf(alice, 'message:status-changed').some((s) => s.id === waiting.id && s.status === 'delivered'), 'delivered after approval');
    expect(eventsOf(newBob, 'message:received').map((m) => m.text)).toEqual(['for Bob']);
  });
});

describe('trust on first use, against someone else at a contact\'s address', () => {
  it('a peer that dials in claiming a contact\'s port is a new contact, not the contact with a new key', async () => {
    const { alice, bob, bobKey, bobPort } = await contacts();
    await bob.service.close();
    await waitUntil(() => eventsOf(alice, 'peer:updated').some((c) => c.peer === bobKey && c.state !== 'online'), 'Bob gone');
    const waiting = await alice.handlers['message:send']({ peer: bobKey, text: 'only for Bob' });
    // Mallory shares Bob's IP address and says, in her hello, that she listens on Bob's port: she does not.
    const mallory = await startPeer('Mallory');
    (mallory as unknown as { boundPort: number }).boundPort = bobPort;
    const received = collect(mallory, 'message');
    await mallory.connect('127.0.0.1', alice.service.node.port);
    await waitUntil(() => eventsOf(alice, 'peer:updated').some((c) => c.peer === mallory.id), 'Alice sees Mallory');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const list = await alice.handlers['conversation:list']({});
    expect(list.find((c) => c.peer === mallory.id)).toMatchObject({ name: 'Mallory' });
    expect(list.find((c) => c.peer === bobKey)).toMatchObject({ name: 'Bob', queued: 1 });
    expect(list.find((c) => c.peer === bobKey)!.keyChange).toBeUndefined();
    expect(received).toEqual([]);
    expect(await statuses(alice, bobKey)).toEqual(['queued']);
    expect(waiting.status).toBe('queued');
  });

  it('plain-text connections that say nothing leave no conversation behind', async () => {
    // A silent connection is taken for a plain-text peer once the preface sniff gives up: shortened here.
    const alice = await openApp({ name: 'Alice', timeouts: { ...FAST_RECONNECT, prefaceSniffMs: 100 } });
    const net = await import('node:net');
    const probes = Array.from({ length: 5 }, () => net.connect({ host: '127.0.0.1', port: alice.service.node.port }));
    await waitUntil(() => eventsOf(alice, 'peer:updated').length >= 5, 'the probes show up');
    for (const probe of probes) probe.destroy();
    await waitUntil(() => eventsOf(alice, 'conversation:removed').length === 5, 'all five gone again');
    expect(await alice.handlers['conversation:list']({})).toEqual([]);
  });
});

describe('a verified contact whose key changed', () => {
  it('its messages still go to the key it was verified with, when that key comes back', async () => {
    const { alice, bobKey, waiting, oldBobReturns, aliceKey } = await bobReinstalls(true);
    const bob = await oldBobReturns();
    await waitUntil(() => eventsOf(alice, 'message:status-changed').some((s) => s.id === waiting.id && s.status === 'delivered'), 'delivered to the verified key');
    expect(await received(bob, aliceKey)).toEqual(['for Bob']);
    expect((await alice.handlers['conversation:list']({}))[0]).toMatchObject({ peer: bobKey, verified: false, keyChange: { needsApproval: true } });
  });

  it('"keep old key" turns the new key away; the verified key then gets what waited', async () => {
    const { alice, bobKey, newBob, waiting, oldBobReturns, aliceKey } = await bobReinstalls(true);
    const kept = await alice.handlers['contact:dismiss-key-change']({ peer: bobKey });
    expect(kept).toMatchObject({ verified: true });
    expect(kept.keyChange).toBeUndefined();
    // To the new key Alice is a stranger (a message request) who said nothing: turned away, she leaves nothing there.
    await waitUntil(() => eventsOf(newBob, 'conversation:removed').some((c) => c.peer === aliceKey), 'the new key is turned away');
    expect(eventsOf(newBob, 'message:received')).toEqual([]);
    const bob = await oldBobReturns();
    await waitUntil(() => eventsOf(alice, 'message:status-changed').some((s) => s.id === waiting.id && s.status === 'delivered'), 'delivered');
    expect(await received(bob, aliceKey)).toEqual(['for Bob']);
  });
});

describe('contacts', () => {
  it('rename and remove', async () => {
    const { alice, bobKey } = await contacts();
    expect(await alice.handlers['contact:rename']({ peer: bobKey, name: 'Bobby' })).toMatchObject({ name: 'Bobby', peerName: 'Bob', localName: 'Bobby' });
    expect(await alice.handlers['contact:rename']({ peer: bobKey, name: null })).toMatchObject({ name: 'Bob' });
    await alice.handlers['message:send']({ peer: bobKey, text: 'soon gone' });
    await alice.handlers['contact:remove']({ peer: bobKey });
    expect(eventsOf(alice, 'conversation:removed')).toEqual([{ peer: bobKey }]);
    expect(await alice.handlers['conversation:list']({})).toEqual([]);
    expect((await alice.handlers['message:search']({ query: 'gone', limit: 50 })).results).toEqual([]);
  });

  it('search finds words across conversations, newest first, and the result pages around its message', async () => {
    const alice = await openApp({ name: 'Alice', ...fast });
    const bob = await openApp({ name: 'Bob', ...fast });
    const carol = await openApp({ name: 'Carol', ...fast });
    const { bobKey } = await connectApps(alice, bob);
    const { bobKey: carolKey } = await connectApps(alice, carol);
    for (let i = 0; i < 30; i++) await alice.handlers['message:send']({ peer: bobKey, text: `filler ${i}` });
    await alice.handlers['message:send']({ peer: bobKey, text: 'Let us meet at the Café' });
    for (let i = 30; i < 60; i++) await alice.handlers['message:send']({ peer: bobKey, text: `filler ${i}` });
    await alice.handlers['message:send']({ peer: carolKey, text: 'the cafe was closed' });
    const { results } = await alice.handlers['message:search']({ query: 'CAFE', limit: 50 });
    expect(results.map((r) => [r.name, r.message.text])).toEqual([
      ['Carol', 'the cafe was closed'],
      ['Bob', 'Let us meet at the Café'],
    ]);
    const around = await alice.handlers['message:list']({ peer: bobKey, around: results[1]!.message.id, limit: 11 });
    expect(around.messages.map((m) => m.text)).toContain('Let us meet at the Café');
    expect(around).toMatchObject({ hasMore: true, hasNewer: true });
  });
});

describe('read receipts', () => {
  it('are off by default, and when on, the sender sees "read"', async () => {
    const { alice, bob, aliceKey, bobKey } = await contacts();
    expect((await bob.handlers['settings:get']({})).readReceipts).toBe(false);
    const first = await alice.handlers['message:send']({ peer: bobKey, text: 'first' });
    await waitUntil(() => eventsOf(bob, 'message:received').length === 1, 'arrives');
    await bob.handlers['conversation:mark-read']({ peer: aliceKey });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(eventsOf(alice, 'message:status-changed').some((s) => s.status === 'read')).toBe(false);

    await bob.handlers['settings:set']({ readReceipts: true });
    const second = await alice.handlers['message:send']({ peer: bobKey, text: 'second' });
    await waitUntil(() => eventsOf(bob, 'message:received').length === 2, 'arrives');
    await bob.handlers['conversation:mark-read']({ peer: aliceKey });
    await waitUntil(() => eventsOf(alice, 'message:status-changed').some((s) => s.id === second.id && s.status === 'read'), 'read');
    expect(await statuses(alice, bobKey)).toEqual(['read', 'read']);
    expect(first.id).not.toBe(second.id);
  });
});

describe('read receipts owed', () => {
  it('a receipt for messages read while the sender was away goes when it is back, across a restart of the reader', async () => {
    const { alice, bob, aliceDir, alicePort, bobDir, bobPort, aliceKey, bobKey } = await contacts();
    await bob.handlers['settings:set']({ readReceipts: true });
    const sent = await alice.handlers['message:send']({ peer: bobKey, text: 'read me later' });
    await waitUntil(() => eventsOf(alice, 'message:status-changed').some((s) => s.id === sent.id && s.status === 'delivered'), 'delivered');
    await alice.service.close();
    await waitUntil(() => eventsOf(bob, 'peer:updated').some((c) => c.peer === aliceKey && c.state !== 'online'), 'Alice gone');
    await bob.handlers['conversation:mark-read']({ peer: aliceKey });
    await bob.service.close();

    const bob2 = await openApp({ name: 'Bob', dataDir: bobDir, port: bobPort, ...fast });
    const alice2 = await openApp({ name: 'Alice', dataDir: aliceDir, port: alicePort, ...fast });
    await waitUntil(() => eventsOf(alice2, 'message:status-changed').some((s) => s.id === sent.id && s.status === 'read'), 'read, once both are back');
    expect(await statuses(alice2, bobKey)).toEqual(['read']);
    expect(eventsOf(bob2, 'error:raised')).toEqual([]);
  });
});

describe('a damaged store', () => {
  it('the app starts, says what happened, keeps a copy, and goes on', async () => {
    const { alice, bob, aliceDir, alicePort, bobKey } = await contacts();
    await alice.handlers['message:send']({ peer: bobKey, text: 'before the damage' });
    await alice.service.close();
    await bob.service.close();
    const storeDir = path.join(aliceDir, 'store');
    for (const name of await readdir(storeDir)) {
      if (/^(MANIFEST|CURRENT)/.test(name) || name.endsWith('.ldb') || name.endsWith('.log')) {
        const original = await readFile(path.join(storeDir, name));
        await writeFile(path.join(storeDir, name), Buffer.alloc(Math.max(original.length, 64), 0xa5));
      }
    }
    const alice2 = await openApp({ name: 'Alice', dataDir: aliceDir, port: alicePort, ...fast });
    const { notices } = await alice2.handlers['node:status']({});
    expect(notices).toEqual([expect.stringMatching(/damaged/i)]);
    expect((await readdir(aliceDir)).some((name) => name.startsWith('store.damaged-'))).toBe(true);
    // It goes on: a new conversation works.
    const carol = await openApp({ name: 'Carol', ...fast });
    const { bobKey: carolKey } = await connectApps(alice2, carol);
    expect(await alice2.handlers['message:send']({ peer: carolKey, text: 'after the damage' })).toMatchObject({ status: 'sent' });
  });
});
