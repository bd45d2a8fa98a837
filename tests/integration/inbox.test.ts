import { afterEach, describe, expect, it } from 'vitest';
import { loadOrCreateIdentity } from '../../electron/core/identity';
import { newMessageId } from '../../electron/core/message-id';
import type { InboundChat, Inbox, OutgoingChat } from '../../electron/core/features/chat/delivery';
import { rawServer } from '../helpers/net';
import { cleanUp, collect, nextEvent, startPeer, tempDir, waitUntil } from '../helpers/peers';

afterEach(cleanUp);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An inbox the test drives: it records each chat and settles when the test says. */
function heldInbox() {
  const held: Array<{ peer: string; chat: InboundChat; store: () => void; fail: (err: Error) => void }> = [];
  const inbox: Inbox = {
    receive: (peer, chat) => new Promise<void>((store, fail) => held.push({ peer, chat, store, fail })),
  };
  return { inbox, held };
}

/** An inbox that keeps each id once, like the durable store, failing the calls the test picks. */
function storingInbox(failOn: (call: number) => 'reject' | 'throw' | null = () => null) {
  const stored: Array<{ peer: string } & InboundChat> = [];
  let calls = 0;
  const inbox: Inbox = {
    receive: (peer, chat) => {
      const failure = failOn(calls++);
      if (failure === 'throw') throw new Error('the disk is on fire');
      if (failure === 'reject') return Promise.reject(new Error('disk full'));
      if (!stored.some((s) => s.id !== undefined && s.id === chat.id)) stored.push({ peer, ...chat });
      return Promise.resolve();
    },
  };
  return { inbox, stored };
}

const chat = (text: string): OutgoingChat => ({ id: newMessageId(), text, sentAt: Date.now() });

/** Alice (default inbox) with a session open to Bob, whose chats go to `inbox` (the default without one). */
async function aliceAndBob(inbox?: Inbox) {
  const alice = await startPeer('Alice');
  const bob = await startPeer('Bob', inbox ? { inbox } : {});
  await alice.connect('127.0.0.1', bob.port);
  return { alice, bob };
}

describe('inbox: a message is acknowledged only once the receiver has stored it', () => {
  it("a slow inbox delays the sender's 'delivered', and the node emits no 'message' of its own", async () => {
    const { inbox, held } = heldInbox();
    const { alice, bob } = await aliceAndBob(inbox);
    const bobMessages = collect(bob, 'message');
    const delivered = collect(alice, 'delivered');
    const id = alice.send(bob.id, 'take your time');
    await waitUntil(() => held.length === 1, 'Bob hands the chat to his inbox');
    expect(held[0]).toMatchObject({ peer: alice.id, chat: { id, text: 'take your time' } });
    expect(typeof held[0]!.chat.sentAt).toBe('number');
    await sleep(300);
    expect(delivered).toEqual([]);
    held[0]!.store();
    await waitUntil(() => delivered.length === 1, 'Alice sees it delivered');
    expect(delivered).toEqual([{ peer: bob.id, id }]);
    expect(bobMessages).toEqual([]);
  });

  it('hands chats to the inbox in arrival order without waiting for the one before', async () => {
    const { inbox, held } = heldInbox();
    const { alice, bob } = await aliceAndBob(inbox);
    const delivered = collect(alice, 'delivered');
    const ids = Array.from({ length: 20 }, (_, i) => alice.send(bob.id, `m${i}`));
    await waitUntil(() => held.length === ids.length, 'all 20 reach the inbox while none is stored');
    expect(held.map((h) => h.chat.id)).toEqual(ids);
    // Stored out of order: each is acknowledged once its own write is done.
    for (const h of [...held].reverse().slice(0, 10)) h.store();
    await waitUntil(() => delivered.length === 10, 'the ten stored are delivered');
    expect(new Set(delivered.map((d) => d.id))).toEqual(new Set(ids.slice(10)));
    for (const h of held.slice(0, 10)) h.store();
    await waitUntil(() => delivered.length === 20, 'all are delivered');
  });

  it.each(['reject', 'throw'] as const)(
    'an inbox that fails (%s) closes the connection unacknowledged; the message is resent and stored on the next session',
    async (how) => {
      const { inbox, stored } = storingInbox((call) => (call === 0 ? how : null));
      const alice = await startPeer('Alice');
      const bob = await startPeer('Bob', { inbox });
      const bobLogs = collect(bob, 'log');
      const delivered = collect(alice, 'delivered');
      await alice.connect('127.0.0.1', bob.port);
      const aliceSeesBobGo = nextEvent(alice, 'disconnected');
      const bobSeesAliceGo = nextEvent(bob, 'disconnected');
      const id = alice.send(bob.id, 'keep me');
      expect(await aliceSeesBobGo).toEqual({ peer: bob.id, reason: 'the peer closed the connection: a received message could not be stored', byPeerUser: false });
      expect(await bobSeesAliceGo).toEqual({ peer: alice.id, reason: 'a received message could not be stored', byPeerUser: false });
      expect(bobLogs).toContainEqual(expect.stringMatching(/^a received message could not be stored \(from [0-9a-f]{64}\): (disk full|the disk is on fire)$/));
      expect(stored).toEqual([]);
      expect(delivered).toEqual([]);

      const aliceDelivered = nextEvent(alice, 'delivered');
      await alice.connect('127.0.0.1', bob.port);
      expect(await aliceDelivered).toEqual({ peer: bob.id, id });
      expect(stored).toEqual([{ peer: alice.id, id, text: 'keep me', sentAt: expect.any(Number) }]);
    },
  );
});

describe('outbox', () => {
  it('messages queued for an offline contact wait, then go out in order when it comes online, each sent and delivered once', async () => {
    const bobIdentity = await loadOrCreateIdentity(await tempDir());
    const alice = await startPeer('Alice');
    const queued = Array.from({ length: 30 }, (_, i) => chat(`waiting ${i}`));
    const sent = collect(alice, 'sent');
    for (const c of queued) expect(alice.queue(bobIdentity.id, c)).toBe(false);
    // The person cancels one; cancelling it again, or one never queued, finds nothing.
    expect(alice.unqueue(bobIdentity.id, queued[7]!.id)).toBe(true);
    expect(alice.unqueue(bobIdentity.id, queued[7]!.id)).toBe(false);
    expect(alice.unqueue(bobIdentity.id, newMessageId())).toBe(false);
    const expected = queued.filter((_, i) => i !== 7);
    expect(sent).toEqual([]);

    const { inbox, stored } = storingInbox();
    const bob = await startPeer('Bob', { identity: bobIdentity, inbox });
    const delivered = collect(alice, 'delivered');
    // Bob comes online and dials Alice: her queue follows the session whoever dialed.
    await bob.connect('127.0.0.1', alice.port);
    await waitUntil(() => delivered.length === expected.length, 'every waiting message is delivered');
    expect(stored.map((s) => s.id)).toEqual(expected.map((c) => c.id));
    expect(stored.map((s) => s.text)).toEqual(expected.map((c) => c.text));
    expect(stored.map((s) => s.sentAt)).toEqual(expected.map((c) => c.sentAt));
    expect(sent).toEqual(expected.map((c) => ({ peer: bob.id, id: c.id })));
    expect(delivered.map((d) => d.id)).toEqual(expected.map((c) => c.id));
  });

  it('writes at once to a peer with an open session, and queuing an id again does not deliver it twice', async () => {
    const { inbox, stored } = storingInbox();
    const { alice, bob } = await aliceAndBob(inbox);
    const sent = collect(alice, 'sent');
    const delivered = collect(alice, 'delivered');
    const first = chat('now');
    expect(alice.queue(bob.id, first)).toBe(true);
    expect(sent).toEqual([{ peer: bob.id, id: first.id }]);
    await waitUntil(() => delivered.length === 1, 'it is delivered');
    const second = chat('twice');
    expect(alice.queue(bob.id, second)).toBe(true);
    expect(alice.queue(bob.id, second)).toBe(true);
    await waitUntil(() => delivered.length === 2, 'the second is delivered');
    await sleep(100);
    expect(delivered.map((d) => d.id)).toEqual([first.id, second.id]);
    expect(stored.map((s) => s.id)).toEqual([first.id, second.id]);
  });

  it('refuses what it could never send, and a plain-text peer that is not connected', async () => {
    const alice = await startPeer('Alice');
    const key = 'ab'.repeat(32);
    expect(() => alice.queue(key, { ...chat('x'), text: '' })).toThrow('The message is empty.');
    expect(() => alice.queue(key, { ...chat('x'), text: 'x'.repeat(64 * 1024 + 1) })).toThrow('at most 64 KiB');
    expect(() => alice.queue(key, { ...chat('x'), id: 'abc' })).toThrow(RangeError);
    expect(() => alice.queue(key, { ...chat('x'), sentAt: -1 })).toThrow(RangeError);
    expect(() => alice.queue('plain:127.0.0.1:9', chat('x'))).toThrow('Not connected to plain:127.0.0.1:9.');
    expect(() => alice.send(key, 'x')).toThrow(`Not connected to ${key}.`);
  });

  it('writes to a connected plain-text peer at once, with no acknowledgement to wait for', async () => {
    const lines: string[] = [];
    const port = await rawServer((socket) => socket.on('data', (bytes) => lines.push(bytes.toString())));
    const alice = await startPeer('Alice');
    const info = await alice.connect('127.0.0.1', port, 'plain');
    const sent = collect(alice, 'sent');
    const c = chat('hello, plain');
    expect(alice.queue(info.peer, c)).toBe(true);
    expect(sent).toEqual([{ peer: info.peer, id: c.id }]);
    await waitUntil(() => lines.join('') === 'hello, plain\n', 'the line arrives');
    expect(alice.sendRead(info.peer, newMessageId())).toBe(false);
    await sleep(50);
    expect(lines.join('')).toBe('hello, plain\n');
  });

  it('never forgets a peer with messages waiting, and forgets a gone peer with none at once', async () => {
    const { inbox } = storingInbox();
    const alice = await startPeer('Alice', { inbox });
    const current = (alice as unknown as { current: Map<string, unknown> }).current;
    const unacked = (alice.chat as unknown as { unacked: Map<string, unknown> }).unacked;
    const offline = 'cd'.repeat(32);
    alice.queue(offline, chat('for later'));
    const bob = await startPeer('Bob');
    await alice.connect('127.0.0.1', bob.port);
    expect(current.has(bob.id)).toBe(true);
    const gone = nextEvent(alice, 'disconnected');
    await bob.close();
    await gone;
    expect(current.has(bob.id)).toBe(false);
    expect(unacked.has(bob.id)).toBe(false);
    expect(unacked.has(offline)).toBe(true);
  });
});

describe('read receipts', () => {
  it('travel from the reader to the sender, naming the newest message read', async () => {
    const { alice, bob } = await aliceAndBob();
    const bobGets = nextEvent(bob, 'message');
    const id = alice.send(bob.id, 'read me');
    await bobGets;
    const read = nextEvent(alice, 'read');
    expect(bob.sendRead(alice.id, id)).toBe(true);
    expect(await read).toEqual({ peer: bob.id, upTo: id });
    expect(bob.sendRead('ef'.repeat(32), id)).toBe(false);
    expect(() => bob.sendRead(alice.id, 'not an id')).toThrow(RangeError);
  });
});
