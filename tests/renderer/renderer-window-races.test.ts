/**
 * The history window against events that race its pages and answers: what arrives while a page loads, a page
 * overtaken by a new message at the cap, a jump left behind, windows forgotten when the link drops, and the
 * answers to retry and to the conversation list.
 */
import { describe, expect, it } from 'vitest';
import type { InvokeChannel } from '../../shared/ipc/channels';
import type { Message } from '../../shared/ipc/contract';
import { fail, ok, type Result } from '../../shared/ipc/result';
import { conversationUpserted } from '../../renderer/state/conversations';
import { connectEvents } from '../../renderer/state/events';
import { messageReceived } from '../../renderer/state/messages';
import type { StoreOptions } from '../../renderer/state/store';
import { conversation, id, message, numberOf, OTHER, PEER, pagedHistory, testStore, type Handler } from './renderer-fixtures';
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

function setup(handlers: Partial<Record<InvokeChannel, Handler>>, options: Omit<StoreOptions, 'api' | 'link'> = {}) {
  const { store, api, link, emit, of } = testStore(handlers, options);
  const actions = store.getState();
  connectEvents(api, link, store, { onLinkRestored: () => {} });
  store.setState((s) => conversationUpserted(s, conversation(), 0));
  store.setState((s) => conversationUpserted(s, conversation({ peer: OTHER, name: 'Bob' }), 0));
  const window = () => store.getState().messages[PEER]!;
  return { store, actions, emit, of, window };
}

/** A handler that answers only when `release` is called, with what the backend held when it was asked. */
function held(handler: Handler) {
  const waiting: Array<() => void> = [];
  return {
    handler: (request: unknown) => {
      const answer = handler(request); // read now, as the backend would
      return new Promise<Result<unknown>>((resolve) => waiting.push(() => void Promise.resolve(answer).then(resolve)));
    },
    release: () => waiting.splice(0).forEach((go) => go()),
    get waiting() {
      return waiting.length;
    },
  };
}

const numbers = (items: readonly Message[]) => items.map((m) => numberOf(m.id));
const contiguous = (items: readonly Message[]) => numbers(items).every((n, i, all) => i === 0 || n === all[i - 1]! + 1);

describe('what events bring while a page loads is kept for it', () => {
  it('a message sent as the conversation opens stays when the first page (read before it was stored) comes', async () => {
    let count = 150;
    const list = held(pagedHistory(() => count));
    const { actions, window } = setup({
      'message:list': list.handler,
      'message:send': ({ text }) => ok(message(count++, { text, fromMe: true, status: 'queued' })),
    });
    actions.selectConversation(PEER);
    await actions.sendMessage(PEER, 'hello at once');
    list.release();
    await tick();
    expect(numbers(window().items)).toEqual(Array.from({ length: 101 }, (_, i) => 50 + i));
    expect(window().items.at(-1)).toMatchObject({ text: 'hello at once', status: 'queued' });
    expect(window().pending).toEqual([]);
    expect(window().arrived).toBeNull();
  });

  it('a message received while the first page loads stays when it comes', async () => {
    let count = 150;
    const list = held(pagedHistory(() => count));
    const { actions, emit, window } = setup({ 'message:list': list.handler });
    actions.selectConversation(PEER);
    await tick();
    emit('message:received', message(count++));
    list.release();
    await tick();
    expect(numbers(window().items).at(-1)).toBe(150);
    expect(contiguous(window().items)).toBe(true);
  });

  it('statuses and removals that came while the page loaded win over what the page read', async () => {
    const list = held(pagedHistory(() => 10, (n) => (n >= 7 ? { fromMe: true, status: n === 9 ? 'delivered' : 'queued' } : {})));
    const { actions, emit, window } = setup({ 'message:list': list.handler });
    actions.selectConversation(PEER);
    await tick();
    emit('message:status-changed', { peer: PEER, id: id(7), status: 'sent' });
    emit('message:status-changed', { peer: PEER, id: id(8), status: 'failed', failure: 'Alice refused it.' });
    emit('message:status-changed', { peer: PEER, id: id(9), status: 'sent' }); // a stored message never goes back
    emit('message:removed', { peer: PEER, id: id(6) });
    list.release();
    await tick();
    const byId = (n: number) => window().items.find((m) => m.id === id(n));
    expect(byId(7)?.status).toBe('sent');
    expect(byId(8)).toMatchObject({ status: 'failed', failure: 'Alice refused it.' });
    expect(byId(9)?.status).toBe('delivered');
    expect(byId(6)).toBeUndefined();
  });

  it('a newest page merged into the window does not take a status back to what it read before an event', async () => {
    let stale = false;
    const base = pagedHistory(() => 10, (n) => (n === 9 ? { fromMe: true, status: 'queued' } : {}));
    const list = held(base);
    const { actions, emit, window } = setup({ 'message:list': (request) => (stale ? list.handler(request) : base(request)) });
    await actions.loadNewest(PEER);
    stale = true;
    const reloading = actions.loadNewest(PEER); // e.g. after the link came back
    emit('message:status-changed', { peer: PEER, id: id(9), status: 'sent' });
    list.release();
    await reloading;
    expect(window().items.find((m) => m.id === id(9))?.status).toBe('sent');
  });
});

describe('a page that no longer meets the window is dropped', () => {
  it('an older page, when a new message pushed the oldest out at the cap, leaves no gap', async () => {
    let count = 1_000;
    const base = pagedHistory(() => count);
    let holding: ReturnType<typeof held> | null = null;
    const { store, actions, of, window } = setup(
      { 'message:list': (request) => (holding !== null && request.before !== undefined ? holding.handler(request) : base(request)) },
      { cap: 300 },
    );
    await actions.loadNewest(PEER);
    await actions.loadEarlier(PEER);
    await actions.loadEarlier(PEER);
    expect(window().items.length).toBe(300);
    holding = held(base);
    const earlier = actions.loadEarlier(PEER);
    store.setState((s) => messageReceived(s, message(count++), 300));
    holding.release();
    await earlier;
    expect(contiguous(window().items)).toBe(true);
    expect(window()).toMatchObject({ loading: null, hasMore: true, hasNewer: false });
    expect(numbers(window().items).at(-1)).toBe(1_000);
    // Asked again from where the window starts now, it joins without a gap.
    holding = null;
    await actions.loadEarlier(PEER);
    expect(of('message:list').at(-1)).toEqual({ peer: PEER, before: id(701), limit: 100 });
    expect(contiguous(window().items)).toBe(true);
    expect(numbers(window().items)[0]).toBe(601);
  });
});

describe('jumps and forgotten windows', () => {
  it('a search jump is not replayed when the conversation is opened again while ours is on its way', async () => {
    const { actions, window } = setup({
      'message:list': pagedHistory(() => 150),
      'message:send': () => new Promise(() => {}),
    });
    actions.selectConversation(PEER);
    await tick();
    void actions.sendMessage(PEER, 'on its way');
    await actions.openMessage(PEER, id(120));
    expect(window().jump).toMatchObject({ to: 'message', id: id(120) });
    actions.selectConversation(OTHER);
    expect(window().jump).toBeNull();
    expect(window().pending.map((m) => m.text)).toEqual(['on its way']);
  });

  it('a window forgotten when the link drops keeps ours not yet stored, and is loaded afresh when opened', async () => {
    const { actions, of, window } = setup({
      'message:list': pagedHistory(() => 20),
      'message:send': () => fail('internal', 'Alice is offline.'),
      'identity:get': () => ok({ id: PEER, fingerprint: 'QX7B', name: 'Me', nameChosen: true }),
      'node:status': () => ok({ listening: true, host: '0.0.0.0', port: 8000, addresses: [], allowPlain: true, notices: [] }),
      'conversation:list': () => ok([conversation(), conversation({ peer: OTHER, name: 'Bob' })]),
      'settings:get': () => ok({ displayName: 'Me', port: 8000, allowPlain: true, readReceipts: false }),
    });
    actions.selectConversation(PEER);
    await tick();
    await actions.sendMessage(PEER, 'try me again');
    actions.selectConversation(OTHER);
    await tick();
    await actions.refresh();
    expect(window().pending).toMatchObject([{ text: 'try me again', error: 'Alice is offline.' }]);
    expect(window().stale).toBe(true);
    const asked = of('message:list').length;
    actions.selectConversation(PEER);
    await tick();
    expect(of('message:list').length).toBe(asked + 1);
    expect(window()).toMatchObject({ stale: false, loading: null });
    expect(window().pending.map((m) => m.text)).toEqual(['try me again']);
  });
});

describe('answers that events overtook', () => {
  it('a retry answered after a failure event keeps that failure and its reason', async () => {
    let answer!: (result: Result<unknown>) => void;
    const { actions, emit, window } = setup({
      'message:list': () => ok({ messages: [message(1, { fromMe: true, status: 'failed', failure: 'Too old.' })], hasMore: false, hasNewer: false }),
      'message:retry': () => new Promise((resolve) => (answer = resolve)),
    });
    await actions.loadNewest(PEER);
    const retrying = actions.retryMessage(PEER, id(1));
    expect(window().items[0]?.status).toBe('queued');
    emit('message:status-changed', { peer: PEER, id: id(1), status: 'failed', failure: 'Alice refused it.' });
    answer(ok(message(1, { fromMe: true, status: 'queued' })));
    await retrying;
    expect(window().items[0]).toMatchObject({ status: 'failed', failure: 'Alice refused it.' });
  });

  it('a contact first seen while the conversation list was on its way is not taken for a removed one', async () => {
    let answerList!: (result: Result<unknown>) => void;
    const { store, actions, emit } = setup({
      'identity:get': () => ok({ id: PEER, fingerprint: 'QX7B', name: 'Me', nameChosen: true }),
      'node:status': () => ok({ listening: true, host: '0.0.0.0', port: 8000, addresses: [], allowPlain: true, notices: [] }),
      'conversation:list': () => new Promise((resolve) => (answerList = resolve)),
      'settings:get': () => ok({ displayName: 'Me', port: 8000, allowPlain: true, readReceipts: false }),
    });
    const NEW = 'e'.repeat(64);
    const loading = actions.loadInitial();
    await tick();
    emit('peer:updated', conversation({ peer: NEW, name: 'Erin' }));
    store.getState().setDraft(NEW, 'hi Erin');
    answerList(ok([conversation(), conversation({ peer: OTHER, name: 'Bob' })])); // read before Erin connected
    await loading;
    expect(store.getState().conversations[NEW]?.name).toBe('Erin');
    expect(store.getState().drafts[NEW]).toBe('hi Erin');
  });
});
