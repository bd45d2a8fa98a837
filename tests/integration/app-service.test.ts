import { afterEach, describe, expect, it } from 'vitest';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { dispatch } from '../../shared/ipc/dispatch';
import { eventsOf, openApp as open, openPair } from '../helpers/app';
import { freePort, rawServer } from '../helpers/net';
import { cleanUp, onCleanUp, tempDir, waitUntil } from '../helpers/peers';

afterEach(cleanUp);

const pair = openPair;

describe('AppService', () => {
  it('connects, sends, receives, and reports delivery', async () => {
    const { alice, bob, bobKey, aliceKey } = await pair();
    const sent = await alice.handlers['message:send']({ peer: bobKey, text: 'hello Bob' });
    expect(sent).toMatchObject({ peer: bobKey, fromMe: true, text: 'hello Bob', status: 'sent' });
    await waitUntil(() => eventsOf(alice, 'message:status-changed').some((s) => s.id === sent.id && s.status === 'delivered'), 'delivered');
    const received = eventsOf(bob, 'message:received');
    expect(received).toEqual([expect.objectContaining({ id: sent.id, peer: aliceKey, fromMe: false, text: 'hello Bob' })]);
    const [bobsView] = await bob.handlers['conversation:list']({});
    expect(bobsView).toMatchObject({ peer: aliceKey, name: 'Alice', state: 'online', unread: 1, lastMessage: { text: 'hello Bob', fromMe: false } });
    await bob.handlers['conversation:mark-read']({ peer: aliceKey });
    expect((await bob.handlers['conversation:list']({}))[0]!.unread).toBe(0);
    const { messages } = await alice.handlers['message:list']({ peer: bobKey, limit: 10 });
    expect(messages).toEqual([expect.objectContaining({ id: sent.id, status: 'delivered' })]);
  });

  it('pages history back with `before`', async () => {
    const { alice, bobKey } = await pair();
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) ids.push((await alice.handlers['message:send']({ peer: bobKey, text: `m${i}` })).id);
    const newest = await alice.handlers['message:list']({ peer: bobKey, limit: 10 });
    expect(newest.messages.map((m) => m.text)).toEqual(Array.from({ length: 10 }, (_, i) => `m${15 + i}`));
    expect(newest.hasMore).toBe(true);
    const older = await alice.handlers['message:list']({ peer: bobKey, limit: 10, before: newest.messages[0]!.id });
    expect(older.messages.map((m) => m.text)).toEqual(Array.from({ length: 10 }, (_, i) => `m${5 + i}`));
    const oldest = await alice.handlers['message:list']({ peer: bobKey, limit: 10, before: older.messages[0]!.id });
    expect(oldest).toMatchObject({ hasMore: false });
    expect(oldest.messages.map((m) => m.id)).toEqual(ids.slice(0, 5));
  });

  it('shows the peer offline with the reason when it leaves; a message to it then waits, queued', async () => {
    const { alice, bob, bobKey } = await pair();
    await bob.service.close();
    await waitUntil(() => eventsOf(alice, 'peer:updated').some((c) => c.state === 'offline'), 'Alice sees Bob offline');
    expect((await alice.handlers['conversation:list']({}))[0]).toMatchObject({ state: 'offline', lastReason: 'the peer left (quit)' });
    const waiting = await alice.handlers['message:send']({ peer: bobKey, text: 'still there?' });
    expect(waiting).toMatchObject({ status: 'queued', text: 'still there?' });
    expect((await alice.handlers['conversation:list']({}))[0]).toMatchObject({ queued: 1 });
  });

  it('passes typing notices into the conversation, and they expire', async () => {
    const { alice, bob, bobKey, aliceKey } = await pair();
    await alice.handlers['message:typing']({ peer: bobKey, active: true });
    await waitUntil(() => eventsOf(bob, 'peer:updated').some((c) => c.peer === aliceKey && c.typing), 'Bob sees Alice typing');
    await alice.handlers['message:typing']({ peer: bobKey, active: false });
    await waitUntil(() => eventsOf(bob, 'peer:updated').at(-1)?.typing === false, 'Bob sees Alice stop');
  });

  it('maps dial failures to codes and sentences', async () => {
    const alice = await open({ name: 'Alice' });
    const port = await freePort();
    expect(await dispatch(alice.handlers, 'peer:connect', { host: '127.0.0.1', port })).toEqual({
      ok: false,
      error: { code: 'dial-refused', message: `Nobody is listening at 127.0.0.1:${port}.` },
    });
    expect(await dispatch(alice.handlers, 'peer:connect', { host: '127.0.0.1', port: 70000 })).toMatchObject({
      ok: false,
      error: { code: 'invalid-request', message: 'Port must be a number from 1 to 65535. (port)' },
    });
  });

  it('cancels a pending connect by its attempt id', async () => {
    const alice = await open({ name: 'Alice' });
    const silent = await rawServer(() => {});
    const pending = dispatch(alice.handlers, 'peer:connect', { host: '127.0.0.1', port: silent, attempt: 'a1' });
    setTimeout(() => void alice.handlers['peer:cancel-connect']({ attempt: 'a1' }), 50);
    expect(await pending).toMatchObject({ ok: false, error: { code: 'dial-cancelled' } });
  });

  it('a plain-text peer gets a conversation marked plain, with ids of our own for its lines', async () => {
    const alice = await open({ name: 'Alice' });
    const net = await import('node:net');
    const client = net.connect({ host: '127.0.0.1', port: alice.service.node.port });
    onCleanUp(() => void client.destroy());
    client.write('hello from netcat\n');
    await waitUntil(() => eventsOf(alice, 'message:received').length === 1, 'the line arrives');
    const [message] = eventsOf(alice, 'message:received');
    expect(message).toMatchObject({ text: 'hello from netcat', fromMe: false, id: expect.stringMatching(/^[0-9a-f]{32}$/) });
    const [conversation] = await alice.handlers['conversation:list']({});
    expect(conversation).toMatchObject({ mode: 'plain', name: conversation!.address, state: 'online' });
    expect(conversation!.fingerprint).toBeUndefined();
    // A reply is written at once; with nothing to acknowledge it, it is not left "waiting".
    const mark = alice.events.length;
    expect(await alice.handlers['message:send']({ peer: conversation!.peer, text: 'hello, netcat' })).toMatchObject({ status: 'sent' });
    await waitUntil(() => alice.events.slice(mark).some((e) => e.event === 'peer:updated' && (e.payload as { queued: number }).queued === 0), 'not waiting');
    expect((await alice.handlers['conversation:list']({}))[0]).toMatchObject({ queued: 0 });
  });
});

describe('AppService settings', () => {
  it('the first run has no chosen name; a chosen name is kept across restarts', async () => {
    const dataDir = await tempDir();
    const first = await open({ dataDir });
    expect((await first.handlers['identity:get']({})).nameChosen).toBe(false);
    const renamed = await first.handlers['identity:set-name']({ name: '  Zoë  ' });
    expect(renamed).toMatchObject({ name: 'Zoë', nameChosen: true });
    await first.service.close();
    const second = await open({ dataDir });
    expect(await second.handlers['identity:get']({})).toEqual({ ...renamed });
  });

  it('changing the port moves the listener and tells the UI', async () => {
    const alice = await open({ name: 'Alice' });
    const target = await freePort();
    const settings = await alice.handlers['settings:set']({ port: target });
    expect(settings.port).toBe(target);
    expect(alice.service.node.port).toBe(target);
    expect(eventsOf(alice, 'node:updated').at(-1)).toMatchObject({ port: target, listening: true });
    const bob = await open({ name: 'Bob' });
    await expect(bob.handlers['peer:connect']({ host: '127.0.0.1', port: target, mode: 'secure' })).resolves.toMatchObject({ name: 'Alice' });
  });

  it('refuses plain-text peers when told to', async () => {
    const alice = await open({ name: 'Alice' });
    expect(await alice.handlers['settings:set']({ allowPlain: false })).toMatchObject({ allowPlain: false });
    expect((await alice.handlers['node:status']({})).allowPlain).toBe(false);
  });

  it('a damaged settings file is kept aside, reported, and defaults are used', async () => {
    const dataDir = await tempDir();
    await writeFile(path.join(dataDir, 'settings.json'), '{"displayName": 42');
    const opened = await open({ dataDir });
    const { notices } = await opened.handlers['node:status']({});
    expect(notices).toEqual([expect.stringMatching(/^The settings file was damaged; it was kept as .*settings\.json\.damaged-\d+ and defaults are in use\.$/)]);
    expect((await readdir(dataDir)).some((name) => name.startsWith('settings.json.damaged-'))).toBe(true);
    expect((await opened.handlers['identity:get']({})).nameChosen).toBe(false);
  });

  it('refuses an empty name with a sentence', async () => {
    const alice = await open();
    expect(await dispatch(alice.handlers, 'identity:set-name', { name: '   ' })).toEqual({
      ok: false,
      error: { code: 'invalid-request', message: 'A name cannot be empty. (name)' },
    });
  });
});
