import { afterEach, describe, expect, it } from 'vitest';
import { announcementTxt } from '../../electron/core/features/discovery/announcement';
import { MemoryDatagramHub } from '../../electron/core/features/discovery/memory-hub';
import { MAX_DISCOVERY_DATAGRAM_BYTES } from '../../electron/core/features/discovery/limits';
import { dispatch } from '../../shared/ipc/dispatch';
import { connectApps, eventsOf, openApp, type OpenedApp } from '../helpers/app';
import { cleanUp, waitUntil } from '../helpers/peers';

afterEach(cleanUp);

/** Apps on 127.0.0.1 joined to one in-memory datagram network, each heard from 127.0.0.1. */
async function onHub(hub: MemoryDatagramHub, name: string, extra: Parameters<typeof openApp>[0] = {}, multicast = true): Promise<OpenedApp> {
  return openApp({ name, ...extra, discovery: { transport: hub.endpoint(name, { source: '127.0.0.1', multicast }) } });
}

const nearbyOf = async (app: OpenedApp) => (await app.handlers['nearby:list']({})).peers;
const fingerprintOf = (app: OpenedApp) => app.service.node.identity.fingerprint;

/** A raw endpoint on the hub that announces whatever a test wants. */
function rawSender(hub: MemoryDatagramHub, name: string, source: string) {
  const sent: Array<{ txt: unknown; port: unknown }> = [];
  const transport = hub.endpoint(name, { source });
  return {
    announce(txt: unknown, port: unknown) {
      sent.push({ txt, port });
      (hub as unknown as { send: (from: object, bytes: Uint8Array) => void }).send({ name, source, multicast: true }, Buffer.from(JSON.stringify({ txt, port })));
    },
    bytes(bytes: Uint8Array) {
      (hub as unknown as { send: (from: object, bytes: Uint8Array) => void }).send({ name, source, multicast: true }, bytes);
    },
    transport,
  };
}

describe('nearby peers over an in-memory datagram network', () => {
  it('lists a stranger heard nearby without dialing it; one click connects after its key is shown', async () => {
    const hub = new MemoryDatagramHub();
    const alice = await onHub(hub, 'Alice');
    const bob = await onHub(hub, 'Bob');
    await waitUntil(async () => (await nearbyOf(alice)).length === 1, 'Alice hears Bob');
    const [heard] = await nearbyOf(alice);
    expect(heard).toEqual({ fingerprint: fingerprintOf(bob), address: `127.0.0.1:${bob.service.node.port}` });
    expect(eventsOf(alice, 'nearby:updated').at(-1)).toEqual({ peers: [heard] });
    // Not dialed by itself: a stranger is only a hint.
    expect(alice.service.openSessions()).toEqual([]);
    const conversation = await alice.handlers['nearby:connect']({ fingerprint: heard!.fingerprint, address: heard!.address });
    expect(conversation).toMatchObject({ name: 'Bob', state: 'online', fingerprint: fingerprintOf(bob) });
    // Now a contact: the list says so, and the windows are told.
    expect(await nearbyOf(alice)).toEqual([{ ...heard, contact: { peer: conversation.peer, name: 'Bob' } }]);
    expect(eventsOf(alice, 'nearby:updated').at(-1)).toEqual({ peers: [{ ...heard, contact: { peer: conversation.peer, name: 'Bob' } }] });
  });

  it('dials a known contact heard at a new address by itself, and stores that address', async () => {
    const hub = new MemoryDatagramHub();
    const alice = await onHub(hub, 'Alice', { timeouts: { reconnectInitialMs: 60_000, reconnectMaxMs: 60_000 } });
    const bobFirst = await openApp({ name: 'Bob' });
    // Alice is a request to Bob, so Bob does not dial her when he is back: only her dial can bring them together.
    const { bobKey } = await connectApps(alice, bobFirst, { accept: false });
    const dataDir = bobFirst.dataDir;
    await bobFirst.service.close();
    await waitUntil(async () => (await alice.handlers['conversation:list']({}))[0]?.state === 'offline', 'Bob offline');
    // Bob comes back on another port; only his announcement tells Alice where.
    const bob = await onHub(hub, 'Bob', { dataDir });
    expect(bob.service.node.port).not.toBe(bobFirst.service.node.port);
    await waitUntil(async () => (await alice.handlers['conversation:list']({}))[0]?.state === 'online', 'Alice dials Bob where he was heard');
    const [contact] = alice.service.contactSummaries();
    expect(contact).toMatchObject({ peer: bobKey, online: true });
    expect(contact!.addresses[0]).toBe(`127.0.0.1:${bob.service.node.port}`);
  });

  it('drops an entry whose handshake shows another key (an impostor announcing a contact), and never dials strangers', async () => {
    const hub = new MemoryDatagramHub();
    const alice = await onHub(hub, 'Alice', { timeouts: { reconnectInitialMs: 60_000, reconnectMaxMs: 60_000 } });
    const bob = await openApp({ name: 'Bob' });
    const { bobKey } = await connectApps(alice, bob);
    await bob.service.close();
    await waitUntil(async () => (await alice.handlers['conversation:list']({}))[0]?.state === 'offline', 'Bob offline');
    // Mallory announces Bob's fingerprint at Mallory's own port.
    const mallory = await openApp({ name: 'Mallory' });
    const raw = rawSender(hub, 'mallory', '127.0.0.1');
    raw.announce(announcementTxt({ fingerprint: fingerprintOf(bob), port: mallory.service.node.port, instance: 'aaaaaaaaaaaaaaaa' }), mallory.service.node.port);
    await waitUntil(() => eventsOf(alice, 'nearby:updated').some((u) => u.peers.length === 1), 'Alice hears the claim');
    // Alice dialed it as Bob, the handshake showed Mallory's key: dropped, and Bob is still offline.
    await waitUntil(() => eventsOf(alice, 'nearby:updated').at(-1)!.peers.length === 0, 'the impostor is dropped');
    const conversations = await alice.handlers['conversation:list']({});
    expect(conversations.map((c) => [c.peer, c.state])).toEqual([[bobKey, 'offline']]);
    expect(alice.service.openSessions()).toEqual([]);
    // The same through a click: refused with a reason, no contact made.
    raw.announce(announcementTxt({ fingerprint: 'ABCD EFGH IJKL MNOP', port: mallory.service.node.port, instance: 'bbbbbbbbbbbbbbbb' }), mallory.service.node.port);
    await waitUntil(async () => (await nearbyOf(alice)).length === 1, 'Alice hears the second claim');
    const result = await dispatch(alice.handlers, 'nearby:connect', { fingerprint: 'ABCD EFGH IJKL MNOP', address: `127.0.0.1:${mallory.service.node.port}` });
    expect(result).toMatchObject({ ok: false, error: { code: 'dial-unexpected-key' } });
    expect(await nearbyOf(alice)).toEqual([]);
    expect((await alice.handlers['conversation:list']({})).map((c) => c.peer)).toEqual([bobKey]);
  });

  it('refuses to connect to an entry it has not heard (no dialing an address from a request)', async () => {
    const hub = new MemoryDatagramHub();
    const alice = await onHub(hub, 'Alice');
    const bob = await openApp({ name: 'Bob' });
    const result = await dispatch(alice.handlers, 'nearby:connect', { fingerprint: fingerprintOf(bob), address: `127.0.0.1:${bob.service.node.port}` });
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    expect(alice.service.openSessions()).toEqual([]);
  });

  it('drops hostile datagrams: oversized, malformed, a flood from one source; a payload address is never used', async () => {
    const hub = new MemoryDatagramHub();
    const alice = await onHub(hub, 'Alice');
    const raw = rawSender(hub, 'attacker', '10.66.0.1');
    const txt = (i: number) => announcementTxt({ fingerprint: `ABCD EFGH IJKL ${String.fromCharCode(65 + (i % 26))}${String.fromCharCode(65 + Math.floor(i / 26))}AA`, port: 9000, instance: '0123456789abcdef' });
    // Valid in every way but one byte too long.
    const padded = JSON.stringify({ txt: txt(0), port: 9000, pad: '' });
    raw.bytes(Buffer.from(padded.replace('"pad":""', `"pad":"${'x'.repeat(MAX_DISCOVERY_DATAGRAM_BYTES - padded.length + 1)}"`)));
    for (const junk of ['', 'not json', '[]', 'null', '{"txt":{"v":"1"},"port":9000}', '{"query":"yes"}']) raw.bytes(Buffer.from(junk));
    raw.announce({ ...txt(1), address: '203.0.113.7' }, 9000);
    await waitUntil(async () => (await nearbyOf(alice)).length === 1, 'the one valid announcement');
    expect(await nearbyOf(alice)).toEqual([{ fingerprint: 'ABCD EFGH IJKL BAAA', address: '10.66.0.1:9000' }]);
    // A flood of distinct fingerprints from one source: only its burst gets through (16 datagrams, 8 sent above).
    for (let i = 2; i < 500; i++) raw.announce(txt(i), 9000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await nearbyOf(alice)).length).toBeLessThanOrEqual(16);
    expect(alice.service.openSessions()).toEqual([]);
  });

  it('keeps the list bounded when many sources announce', async () => {
    const hub = new MemoryDatagramHub();
    const alice = await onHub(hub, 'Alice');
    for (let i = 0; i < 200; i++) {
      rawSender(hub, `s${i}`, `10.9.${i >> 8}.${i & 255}`).announce(
        announcementTxt({ fingerprint: `AAAA BBBB CCCC ${String.fromCharCode(65 + (i % 26))}${String.fromCharCode(65 + Math.floor(i / 26))}DD`, port: 9000, instance: '0123456789abcdef' }),
        9000,
      );
    }
    await waitUntil(async () => (await nearbyOf(alice)).length === 64, 'the table is full');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await nearbyOf(alice)).length).toBe(64);
  });

  it('follows the switches: not visible means not heard; not looking means an empty list', async () => {
    const hub = new MemoryDatagramHub();
    const alice = await onHub(hub, 'Alice');
    const bob = await onHub(hub, 'Bob');
    await waitUntil(async () => (await nearbyOf(alice)).length === 1, 'Alice hears Bob');
    expect(await bob.handlers['settings:set']({ nearbyVisible: false })).toMatchObject({ nearbyVisible: false, nearbyLook: true });
    const carol = await onHub(hub, 'Carol');
    await waitUntil(async () => (await nearbyOf(carol)).length === 1, 'Carol hears Alice');
    expect((await nearbyOf(carol)).map((p) => p.fingerprint)).toEqual([fingerprintOf(alice)]);
    await alice.handlers['settings:set']({ nearbyLook: false });
    expect(await nearbyOf(alice)).toEqual([]);
    expect(eventsOf(alice, 'nearby:updated').at(-1)).toEqual({ peers: [] });
  });

  it('a run told to stay out (the command without --discover) neither announces nor lists, until the person turns it on', async () => {
    const hub = new MemoryDatagramHub();
    const alice = await openApp({ name: 'Alice', discovery: { transport: hub.endpoint('Alice', { source: '127.0.0.1' }), override: false } });
    const bob = await onHub(hub, 'Bob');
    expect(await alice.handlers['settings:get']({})).toMatchObject({ nearbyVisible: false, nearbyLook: false });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await nearbyOf(alice)).toEqual([]);
    expect(await nearbyOf(bob)).toEqual([]);
    await alice.handlers['settings:set']({ nearbyLook: true });
    await waitUntil(async () => (await nearbyOf(alice)).length === 1, 'Alice hears Bob once she looks');
    expect(await nearbyOf(bob)).toEqual([]);
  });

  it('asks the hosts of the probe list directly, on a network that drops multicast', async () => {
    const hub = new MemoryDatagramHub();
    const alice = await onHub(hub, 'Alice', {}, false);
    const bob = await onHub(hub, 'bob-host', {}, false);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await nearbyOf(alice)).toEqual([]);
    expect(await alice.handlers['settings:set']({ probeAddresses: ['bob-host'] })).toMatchObject({ probeAddresses: ['bob-host'] });
    await waitUntil(async () => (await nearbyOf(alice)).length === 1, 'Alice hears Bob by asking');
    expect((await nearbyOf(alice))[0]!.fingerprint).toBe(fingerprintOf(bob));
  });

  it('refuses a bad probe list with a sentence, and stores nothing', async () => {
    const hub = new MemoryDatagramHub();
    const alice = await onHub(hub, 'Alice');
    for (const probeAddresses of [['192.168.1.20:8000'], ['has space'], [''], Array.from({ length: 33 }, (_, i) => `10.0.0.${i}`)]) {
      const result = await dispatch(alice.handlers, 'settings:set', { probeAddresses });
      expect(result).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    }
    expect(await alice.handlers['settings:get']({})).toMatchObject({ probeAddresses: [] });
  });
});
