import { afterEach, describe, expect, it } from 'vitest';
import { eventsOf, openApp, openPair } from '../helpers/app';
import { cleanUp, waitUntil } from '../helpers/peers';

afterEach(cleanUp);

const pair = openPair;

describe('notifications decided in the core', () => {
  it('tells of messages into a conversation not in view, coalesced with the unread count; never of our own', async () => {
    const { alice, bob, bobKey, aliceKey } = await pair();
    // One at a time: two messages stored in one commit are told as one count of 2 from the start, which is right
    // but not what this case checks.
    await bob.handlers['message:send']({ peer: aliceKey, text: 'one' });
    await waitUntil(() => eventsOf(alice, 'message:notify').length === 1, 'the first notification');
    await bob.handlers['message:send']({ peer: aliceKey, text: 'two' });
    await waitUntil(() => eventsOf(alice, 'message:notify').length === 2, 'two notifications');
    expect(eventsOf(alice, 'message:notify')).toEqual([
      { peer: bobKey, title: 'Bob', body: 'one', count: 1 },
      { peer: bobKey, title: 'Bob', body: 'two (2 new messages)', count: 2 },
    ]);
    await alice.handlers['message:send']({ peer: bobKey, text: 'mine' });
    expect(eventsOf(alice, 'message:notify')).toHaveLength(2);
  });

  it('is quiet for the conversation in view, and follows the setting', async () => {
    const { alice, bob, bobKey, aliceKey } = await pair();
    await alice.handlers['conversation:viewing']({ peer: bobKey });
    await bob.handlers['message:send']({ peer: aliceKey, text: 'seen' });
    await waitUntil(() => eventsOf(alice, 'message:received').length === 1, 'received');
    expect(eventsOf(alice, 'message:notify')).toEqual([]);
    await alice.handlers['conversation:viewing']({ peer: null });
    await alice.handlers['conversation:mark-read']({ peer: bobKey });
    expect(await alice.handlers['settings:set']({ notifications: 'neither' })).toMatchObject({ notifications: 'neither' });
    await bob.handlers['message:send']({ peer: aliceKey, text: 'secret' });
    await waitUntil(() => eventsOf(alice, 'message:notify').length === 1, 'a notification');
    expect(eventsOf(alice, 'message:notify')[0]).toEqual({ peer: bobKey, title: 'Peerline', body: 'New message', count: 1 });
    await alice.handlers['settings:set']({ notifications: 'off' });
    await bob.handlers['message:send']({ peer: aliceKey, text: 'quiet' });
    await waitUntil(() => eventsOf(alice, 'message:received').length === 3, 'received');
    expect(eventsOf(alice, 'message:notify')).toHaveLength(1);
  });

  it('tells the desktop settings as they change (close to tray, start at login)', async () => {
    const alice = await openApp({ name: 'Alice' });
    expect(await alice.handlers['settings:get']({})).toMatchObject({ startAtLogin: false, closeToTray: process.platform === 'win32' });
    await alice.handlers['settings:set']({ startAtLogin: true });
    expect(eventsOf(alice, 'settings:updated').at(-1)).toMatchObject({ startAtLogin: true });
  });
});
