import { EVENT_CHANNELS } from '../../shared/ipc/channels';
import { describe, expect, it } from 'vitest';
import { createApi } from '../../shared/ipc/client';
import type { Message } from '../../shared/ipc/contract';
import { fail, ok, type Result } from '../../shared/ipc/result';
import { conversationUpserted } from '../../renderer/state/conversations';
import { connectEvents } from '../../renderer/state/events';
import { HISTORY_CAP, mergeMessages } from '../../renderer/state/history';
import { messageReceived, messageStatusChanged, pageLoaded, pageRequested } from '../../renderer/state/messages';
import { sortConversations } from '../../renderer/state/selectors';
import { sendStarted, sendSucceeded } from '../../renderer/state/sending';
import type { AppStore } from '../../renderer/state/store';
import type { PageKind } from '../../renderer/state/types';
import { conversation, fakeLink, fakeTransport, id, message, OTHER, PEER, testStore } from './renderer-fixtures';

const page = (messages: Message[], hasMore: boolean, hasNewer = false) => ({ messages, hasMore, hasNewer });

/** A page asked for and answered, as the actions do it. */
function load(store: AppStore, kind: PageKind, answer: ReturnType<typeof page>) {
  store.setState((s) => pageRequested(s, PEER, kind, 1));
  store.setState((s) => pageLoaded(s, PEER, 1, kind, answer, { cap: HISTORY_CAP, seq: 1 }));
}

describe('renderer reducers', () => {
  it('mergeMessages updates by id and places by time', () => {
    const merged = mergeMessages([message(1), message(3)], [message(2), { ...message(3), text: 'edited' }, message(4)]);
    expect(merged.map((m) => m.id)).toEqual([id(1), id(2), id(3), id(4)]);
    expect(merged[2]?.text).toBe('edited');
  });

  it('peer:updated upserts by peer and marks when a conversation comes alive', () => {
    const { store } = testStore();
    store.setState((s) => conversationUpserted(s, conversation({ state: 'offline' }), 100));
    expect(store.getState().touchedAt[PEER]).toBe(100);
    store.setState((s) => conversationUpserted(s, conversation({ state: 'offline', unread: 2 }), 200));
    expect(store.getState().conversations[PEER]?.unread).toBe(2);
    expect(store.getState().touchedAt[PEER]).toBe(100);
    store.setState((s) => conversationUpserted(s, conversation({ state: 'online' }), 300));
    expect(store.getState().touchedAt[PEER]).toBe(300);
    expect(Object.keys(store.getState().conversations)).toEqual([PEER]);
  });

  it('sorts conversations by latest activity, then by name', () => {
    const list = sortConversations(
      {
        [PEER]: conversation({ name: 'Alice', lastMessage: { text: 'x', at: 10, fromMe: false } }),
        [OTHER]: conversation({ peer: OTHER, name: 'Bob', lastMessage: { text: 'y', at: 20, fromMe: false } }),
        c: conversation({ peer: 'c', name: 'Carol' }),
        d: conversation({ peer: 'd', name: 'Dave' }),
      },
      { d: 30 },
    );
    expect(list.map((c) => c.name)).toEqual(['Dave', 'Bob', 'Alice', 'Carol']);
  });

  it('message:received appends to a loaded history and updates the preview; an unloaded history stays unloaded', () => {
    const { store } = testStore();
    store.setState((s) => conversationUpserted(s, conversation(), 0));
    store.setState((s) => messageReceived(s, message(1)));
    expect(store.getState().messages[PEER]).toBeUndefined();
    expect(store.getState().conversations[PEER]?.lastMessage).toEqual({ text: 'm1', at: 1000, fromMe: false });

    load(store, 'newest', page([message(1)], false));
    store.setState((s) => messageReceived(s, message(2)));
    store.setState((s) => messageReceived(s, message(2))); // a duplicate is merged, not repeated
    expect(store.getState().messages[PEER]?.items.map((m) => m.id)).toEqual([id(1), id(2)]);
    // An older message does not replace a newer preview.
    store.setState((s) => messageReceived(s, message(0)));
    expect(store.getState().conversations[PEER]?.lastMessage?.text).toBe('m2');
  });

  it('message:status-changed updates a held message, and is remembered for one not yet held', () => {
    const { store } = testStore();
    load(store, 'newest', page([message(1, { fromMe: true, status: 'sent' })], true));
    store.setState((s) => messageStatusChanged(s, { peer: PEER, id: id(1), status: 'delivered' }));
    expect(store.getState().messages[PEER]?.items[0]?.status).toBe('delivered');
    store.setState((s) => messageStatusChanged(s, { peer: PEER, id: id(1), status: 'sent' }));
    expect(store.getState().messages[PEER]?.items[0]?.status).toBe('delivered');

    // The ack overtook message:send's answer: remembered, then applied when the answer comes.
    store.setState((s) => sendStarted(s, { local: true, id: 'local-1', peer: PEER, fromMe: true, kind: 'chat', text: 'm2', at: 2_000 }));
    store.setState((s) => messageStatusChanged(s, { peer: PEER, id: id(2), status: 'delivered' }));
    expect(store.getState().messages[PEER]!.arrived?.statuses[id(2)]).toEqual({ status: 'delivered' });
    store.setState((s) => sendSucceeded(s, PEER, 'local-1', message(2, { fromMe: true, status: 'queued' })));
    const history = store.getState().messages[PEER]!;
    expect(history.items.map((m) => [m.id, m.status])).toEqual([
      [id(1), 'delivered'],
      [id(2), 'delivered'],
    ]);
    expect(history.pending).toEqual([]);
    expect(history.arrived).toBeNull();
  });

  it('keeps hasMore from the older pages when the newest page is loaded again', () => {
    const { store } = testStore();
    load(store, 'newest', page([message(5), message(6)], true));
    load(store, 'older', page([message(3), message(4)], false));
    expect(store.getState().messages[PEER]?.hasMore).toBe(false);
    load(store, 'newest', page([message(6), message(7)], true));
    expect(store.getState().messages[PEER]?.items.map((m) => m.text)).toEqual(['m3', 'm4', 'm5', 'm6', 'm7']);
    expect(store.getState().messages[PEER]?.hasMore).toBe(false);
  });
});

describe('renderer events: written into the store in one place', () => {
  it('applies every event channel', () => {
    const { transport, emit } = fakeTransport({});
    const { store } = testStore();
    const link = fakeLink();
    connectEvents(createApi(transport), link, store, { onLinkRestored: () => {}, now: () => 42 });

    emit('peer:updated', conversation({ unread: 3 }));
    expect(store.getState().conversations[PEER]?.unread).toBe(3);

    load(store, 'newest', page([], false));
    emit('message:received', message(1));
    expect(store.getState().messages[PEER]?.items).toHaveLength(1);

    emit('message:received', message(2, { fromMe: true, status: 'sent' }));
    emit('message:status-changed', { peer: PEER, id: id(2), status: 'delivered' });
    expect(store.getState().messages[PEER]?.items[1]?.status).toBe('delivered');

    const node = { listening: true, host: '0.0.0.0', port: 8001, addresses: ['192.168.1.20:8001'], allowPlain: true, notices: [] };
    emit('node:updated', node);
    expect(store.getState().node).toEqual(node);

    emit('error:raised', { code: 'internal', message: 'The disk is full.' });
    expect(store.getState().toasts.map((t) => [t.tone, t.text])).toEqual([['error', 'The disk is full.']]);
  });

  it('the desktop events: nearby:updated fills the list, settings:updated the settings, a notification click opens its conversation; message:notify goes to the page notifier', () => {
    const { transport, emit } = fakeTransport({});
    const { store } = testStore();
    const notified: unknown[] = [];
    connectEvents(createApi(transport), fakeLink(), store, { onLinkRestored: () => {}, notify: (notice) => notified.push(notice), now: () => 42 });
    const peers = [{ fingerprint: 'ABCD EFGH IJKL MNOP', address: '10.0.0.2:8000' }];
    emit('nearby:updated', { peers });
    expect(store.getState().nearby).toEqual(peers);
    emit('peer:updated', conversation());
    emit('conversation:open-requested', { peer: PEER });
    expect(store.getState().selectedPeer).toBe(PEER);
    // A conversation this window does not know (removed meanwhile) is not opened.
    emit('conversation:open-requested', { peer: 'gone' });
    expect(store.getState().selectedPeer).toBe(PEER);
    emit('message:notify', { peer: PEER, title: 'Bob', body: 'hi', count: 1 });
    expect(notified).toEqual([{ peer: PEER, title: 'Bob', body: 'hi', count: 1 }]);
  });

  it('reports a restored link once, and not the first successful connection', () => {
    const { transport } = fakeTransport({});
    const { store } = testStore();
    const link = fakeLink();
    link.set({ status: 'connecting', failures: 0, everOpened: false });
    let restored = 0;
    connectEvents(createApi(transport), link, store, { onLinkRestored: () => restored++ });
    link.set({ status: 'open', failures: 0, everOpened: true });
    expect(restored).toBe(0);
    link.set({ status: 'reconnecting', failures: 1, everOpened: true });
    expect(store.getState().link.status).toBe('reconnecting');
    link.set({ status: 'open', failures: 0, everOpened: true });
    expect(restored).toBe(1);
  });

  it('unsubscribes everything', () => {
    const { transport, listeners } = fakeTransport({});
    const off = connectEvents(createApi(transport), fakeLink(), testStore().store, { onLinkRestored: () => {} });
    // One subscription per event of the contract.
    expect(listeners.size).toBe(EVENT_CHANNELS.length);
    off();
    expect(listeners.size).toBe(0);
  });
});

describe('renderer actions', () => {
  const identity = { id: PEER, fingerprint: 'QX7B 2MZL', name: 'Me', nameChosen: true };
  const node = { listening: true, host: '0.0.0.0', port: 8000, addresses: ['127.0.0.1:8000'], allowPlain: true, notices: [] };
  const settings = { displayName: 'Me', port: 8000, allowPlain: true, readReceipts: false };
  const base = {
    'identity:get': () => ok(identity),
    'node:status': () => ok(node),
    'conversation:list': () => ok([conversation({ unread: 2 })]),
    'settings:get': () => ok(settings),
    'group:list': () => ok([]),
  } as const;

  it('loads identity, node, conversations and settings, then is ready', async () => {
    const { store } = testStore(base);
    await store.getState().loadInitial();
    const state = store.getState();
    expect(state.boot).toEqual({ phase: 'ready' });
    expect(state.identity).toEqual(identity);
    expect(state.node).toEqual(node);
    expect(state.settings).toEqual(settings);
    expect(Object.keys(state.conversations)).toEqual([PEER]);
  });

  it("keeps the backend's start-up notices with the node status, until the person dismisses them", async () => {
    const notice = 'The message store was damaged; it was kept as store.damaged-1.';
    const { store } = testStore({ ...base, 'node:status': () => ok({ ...node, notices: [notice] }) });
    const actions = store.getState();
    await actions.loadInitial();
    await actions.loadInitial();
    expect(store.getState().node?.notices).toEqual([notice]);
    expect(store.getState().toasts).toEqual([]);
    store.getState().dismissNotices([notice]);
    expect(store.getState().dismissedNotices).toEqual([notice]);
  });

  it('shows the first failure as the reason the app could not start', async () => {
    const { store } = testStore({ ...base, 'node:status': () => fail('internal', 'Lost the connection to Peerline.') });
    await store.getState().loadInitial();
    expect(store.getState().boot).toEqual({ phase: 'failed', error: 'Lost the connection to Peerline.' });
  });

  it('shows a message as sending until message:send answers, then as the stored message', async () => {
    let answer!: (result: Result<unknown>) => void;
    const { store, calls } = testStore(
      {
        ...base,
        'message:list': () => ok({ messages: [message(1)], hasMore: false, hasNewer: false }),
        'message:send': () => new Promise((resolve) => (answer = resolve)),
      },
      { now: () => 5_000 },
    );
    const actions = store.getState();
    await actions.loadInitial();
    actions.selectConversation(PEER);
    await Promise.resolve();
    await Promise.resolve();
    expect(calls).toContainEqual(['message:list', { peer: PEER, limit: 100 }]);

    const sending = actions.sendMessage(PEER, 'hello');
    const pending = store.getState().messages[PEER]!.pending.at(-1)!;
    expect(pending).toMatchObject({ local: true, text: 'hello', fromMe: true, at: 5_000 });
    expect(pending.error).toBeUndefined();

    answer(ok(message(7, { fromMe: true, text: 'hello', status: 'queued', at: 5_001 })));
    await sending;
    const history = store.getState().messages[PEER]!;
    expect(history.items.map((m) => [m.id, m.status])).toEqual([
      [id(1), undefined],
      [id(7), 'queued'],
    ]);
    expect(history.pending).toEqual([]);
    expect(store.getState().conversations[PEER]?.lastMessage).toEqual({ text: 'hello', at: 5_001, fromMe: true });
  });

  it('keeps a message that could not be sent, marked failed with the reason, and can retry it', async () => {
    let failing = true;
    const { store } = testStore({
      ...base,
      'message:send': () =>
        failing ? fail('not-connected', 'Alice is offline.') : ok(message(8, { fromMe: true, text: 'hi', status: 'sent' })),
    });
    const actions = store.getState();
    await actions.sendMessage(PEER, 'hi');
    const failed = store.getState().messages[PEER]!.pending[0]!;
    expect(failed).toMatchObject({ local: true, error: 'Alice is offline.' });
    failing = false;
    await actions.retryMessage(PEER, failed.id);
    expect(store.getState().messages[PEER]!.items.map((m) => [m.id, m.status])).toEqual([[id(8), 'sent']]);
    expect(store.getState().messages[PEER]!.pending).toEqual([]);

    failing = true;
    await actions.sendMessage(PEER, 'again');
    await actions.cancelMessage(PEER, store.getState().messages[PEER]!.pending[0]!.id);
    expect(store.getState().messages[PEER]!.pending).toEqual([]);
  });

  it('pages back with `before` = the oldest stored message', async () => {
    const { store, calls } = testStore({
      'message:list': (request: { before?: string }) =>
        request.before === undefined
          ? ok({ messages: [message(3), message(4)], hasMore: true, hasNewer: false })
          : ok({ messages: [message(1), message(2)], hasMore: false, hasNewer: false }),
    });
    const actions = store.getState();
    await actions.loadNewest(PEER);
    await actions.loadEarlier(PEER);
    expect(calls.at(-1)).toEqual(['message:list', { peer: PEER, before: id(3), limit: 100 }]);
    expect(store.getState().messages[PEER]).toMatchObject({ hasMore: false, hasNewer: false, loading: null });
    expect(store.getState().messages[PEER]!.items.map((m) => m.text)).toEqual(['m1', 'm2', 'm3', 'm4']);
  });

  it('connects with an attempt id, selects the new conversation, and cancels by that id', async () => {
    const { store, calls } = testStore({
      'peer:connect': () => ok(conversation({ peer: OTHER, name: 'Bob' })),
      'peer:cancel-connect': () => ok(null),
      'message:list': () => ok({ messages: [], hasMore: false, hasNewer: false }),
    });
    const actions = store.getState();
    const attempt = actions.newAttemptId();
    expect(attempt).toMatch(/^[0-9a-f]{32}$/);
    const result = await actions.connect({ host: '10.0.0.6', port: 8000, mode: 'secure' }, attempt);
    expect(result.ok).toBe(true);
    expect(calls[0]).toEqual(['peer:connect', { host: '10.0.0.6', port: 8000, mode: 'secure', attempt }]);
    expect(store.getState().selectedPeer).toBe(OTHER);
    await actions.cancelConnect(attempt);
    expect(calls.at(-1)).toEqual(['peer:cancel-connect', { attempt }]);
  });

  it('reconnects to a secure conversation at its last address (or link), IPv6 included', async () => {
    const { store, calls } = testStore({ 'peer:dial': () => fail('dial-refused', 'Nobody is listening at [fe80::1]:8001.') });
    store.setState((s) => conversationUpserted(s, conversation({ address: '[fe80::1]:8001', state: 'offline' }), 0));
    const actions = store.getState();
    const result = await actions.reconnect(PEER, 'attempt-1');
    // A secure contact is dialed by what is stored for it: an address, or a peerline: link for one met over the DHT.
    expect(calls[0]).toEqual(['peer:dial', { target: '[fe80::1]:8001', attempt: 'attempt-1' }]);
    expect(result).toEqual(fail('dial-refused', 'Nobody is listening at [fe80::1]:8001.'));
  });

  it('marks read once at a time and zeroes the count', async () => {
    const { store, calls } = testStore({ 'conversation:mark-read': () => ok(null) });
    store.setState((s) => conversationUpserted(s, conversation({ unread: 4 }), 0));
    const actions = store.getState();
    await Promise.all([actions.markRead(PEER), actions.markRead(PEER)]);
    expect(calls.filter(([channel]) => channel === 'conversation:mark-read')).toHaveLength(1);
    expect(store.getState().conversations[PEER]?.unread).toBe(0);
  });
});
