/**
 * The renderer's history window, statuses, search, jumps and contacts, through the actions over a stand-in
 * transport: a backend of 200,000 messages paged the way `message:list` pages (before / after / around).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { InvokeChannel } from '../../shared/ipc/channels';
import type { Message, SearchResult } from '../../shared/ipc/contract';
import { fail, ok, type Result } from '../../shared/ipc/result';
import { retryCountdown, safetyNumberGroups } from '../../renderer/lib/format';
import { searchSnippet } from '../../renderer/lib/snippet';
import { buildTimeline } from '../../renderer/lib/timeline';
import { conversationRemoved, conversationUpserted } from '../../renderer/state/conversations';
import { connectEvents } from '../../renderer/state/events';
import { EMPTY_PEER_MESSAGES, laterStatus, statusAfterEvent, windowLoaded } from '../../renderer/state/history';
import { messageReceived, messageStatusChanged, pageLoaded, pageRequested } from '../../renderer/state/messages';
import type { AppStore, StoreOptions } from '../../renderer/state/store';
import { conversation, id, message, OTHER, PEER, testStore, type Handler } from './renderer-fixtures';

const N = 200_000;
const indexOf = (messageId: string) => Number.parseInt(messageId, 16);

/** The app's store, actions and event wiring over a stand-in transport. */
function setup(handlers: Partial<Record<InvokeChannel, Handler>>, options: Omit<StoreOptions, 'api' | 'link'> = {}) {
  const { store, api, link, emit, calls, of } = testStore(handlers, options);
  const actions = store.getState();
  connectEvents(api, link, store, { onLinkRestored: () => {} });
  return { store, actions, emit, calls, of };
}

/** `message:list` over N messages numbered 0..N-1 (the id is the number), as the contract pages them. */
function bigHistory(count = N): Handler {
  return ({ before, after, around, limit = 100 }: { before?: string; after?: string; around?: string; limit?: number }) => {
    let from: number;
    let to: number;
    if (before !== undefined) {
      to = indexOf(before);
      from = Math.max(0, to - limit);
    } else if (after !== undefined) {
      from = indexOf(after) + 1;
      to = Math.min(count, from + limit);
    } else if (around !== undefined) {
      from = Math.max(0, indexOf(around) - Math.floor(limit / 2));
      to = Math.min(count, from + limit);
    } else {
      to = count;
      from = Math.max(0, to - limit);
    }
    const messages: Message[] = [];
    for (let i = from; i < to; i++) messages.push(message(i));
    return ok({ messages, hasMore: from > 0, hasNewer: to < count });
  };
}

/** The window is a contiguous run of the backend's messages, within the cap, and its flags tell the truth. */
function expectSoundWindow(store: AppStore, cap: number, count = N) {
  const window = store.getState().messages[PEER]!;
  const numbers = window.items.map((m) => indexOf(m.id));
  expect(numbers.length).toBeGreaterThan(0);
  expect(numbers.length).toBeLessThanOrEqual(cap);
  for (let i = 1; i < numbers.length; i++) if (numbers[i] !== numbers[i - 1]! + 1) throw new Error(`gap or repeat at ${numbers[i - 1]} → ${numbers[i]}`);
  expect(window.hasMore).toBe(numbers[0]! > 0);
  expect(window.hasNewer).toBe(numbers.at(-1)! < count - 1);
  return numbers;
}

describe('the history window over 200,000 messages', () => {
  it('opens at the newest page, pages back beyond the cap dropping the newest, and forward again to the newest', async () => {
    const { store, actions, of } = setup({ 'message:list': bigHistory() });
    await actions.loadNewest(PEER);
    expect(of('message:list')).toEqual([{ peer: PEER, limit: 100 }]);
    expect(expectSoundWindow(store, 1_000)).toEqual(Array.from({ length: 100 }, (_, i) => N - 100 + i));

    for (let i = 0; i < 30; i++) {
      await actions.loadEarlier(PEER);
      expectSoundWindow(store, 1_000);
    }
    // 3,100 messages asked for, 1,000 held: the newest 2,100 went.
    let numbers = expectSoundWindow(store, 1_000);
    expect([numbers[0], numbers.at(-1)]).toEqual([N - 3_100, N - 2_101]);
    expect(store.getState().messages[PEER]!.hasNewer).toBe(true);
    expect(of('message:list').at(-1)).toEqual({ peer: PEER, before: id(N - 3_000), limit: 100 });

    for (let i = 0; i < 21; i++) {
      await actions.loadLater(PEER);
      expectSoundWindow(store, 1_000);
    }
    numbers = expectSoundWindow(store, 1_000);
    expect([numbers[0], numbers.at(-1)]).toEqual([N - 1_000, N - 1]);
    expect(store.getState().messages[PEER]).toMatchObject({ hasMore: true, hasNewer: false, loading: null });
    // At the newest nothing more is asked for.
    const asked = of('message:list').length;
    await actions.loadLater(PEER);
    expect(of('message:list').length).toBe(asked);
  });

  it('stays contiguous and bounded whatever the person does (random walks)', async () => {
    const step = fc.constantFrom('earlier', 'later', 'newest', 'around', 'receive');
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40 }), fc.integer({ min: 0, max: N - 1 }), async (steps, target) => {
        let count = 2_000;
        const { store, actions } = setup({ 'message:list': (request) => bigHistory(count)(request) }, { cap: 300, pageSize: 70 });
        store.setState((s) => conversationUpserted(s, conversation(), 0));
        await actions.loadNewest(PEER);
        for (const kind of steps) {
          if (kind === 'earlier') await actions.loadEarlier(PEER);
          else if (kind === 'later') await actions.loadLater(PEER);
          else if (kind === 'newest') await actions.loadNewest(PEER);
          else if (kind === 'around') await actions.openMessage(PEER, id(target % count));
          else {
            // A new message: the window takes it only when it is at the newest.
            const received = message(count++);
            store.setState((s) => messageReceived(s, received, 300));
          }
          expectSoundWindow(store, 300, count);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('drops an answer overtaken by a jump, and opens a search result around its message', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const list = bigHistory();
    const { store, actions, of } = setup({
      'message:list': async (request) => {
        if (request.before !== undefined) await held;
        return list(request);
      },
    });
    store.setState((s) => conversationUpserted(s, conversation(), 0));
    await actions.loadNewest(PEER);
    const earlier = actions.loadEarlier(PEER);
    await actions.openMessage(PEER, id(123_456));
    release();
    await earlier;
    const window = store.getState().messages[PEER]!;
    expect(expectSoundWindow(store, 1_000)).toContain(123_456);
    expect(window.items.length).toBe(100);
    expect(window.jump).toMatchObject({ to: 'message', id: id(123_456) });
    expect(store.getState().selectedPeer).toBe(PEER);
    expect(of('message:list').at(-1)).toEqual({ peer: PEER, around: id(123_456), limit: 100 });

    // A result already in the window: no page, just the jump.
    const asked = of('message:list').length;
    const before = window.jump!.seq;
    await actions.openMessage(PEER, id(123_460));
    expect(of('message:list').length).toBe(asked);
    expect(store.getState().messages[PEER]!.jump).toMatchObject({ to: 'message', id: id(123_460) });
    expect(store.getState().messages[PEER]!.jump!.seq).toBeGreaterThan(before);

    // Reopening the conversation (or sending) brings it back to the newest page, and the view there.
    actions.selectConversation(PEER);
    await Promise.resolve();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(of('message:list').at(-1)).toEqual({ peer: PEER, limit: 100 });
    expect(expectSoundWindow(store, 1_000).at(-1)).toBe(N - 1);
    expect(store.getState().messages[PEER]!.jump).toMatchObject({ to: 'newest' });
  });

  it('a conversation left shrinks to its newest page; one left further back is forgotten', async () => {
    const { store, actions } = setup({ 'message:list': bigHistory() });
    store.setState((s) => conversationUpserted(s, conversation(), 0));
    store.setState((s) => conversationUpserted(s, conversation({ peer: OTHER, name: 'Bob' }), 0));
    actions.selectConversation(PEER);
    await new Promise((resolve) => setTimeout(resolve, 0));
    for (let i = 0; i < 3; i++) await actions.loadEarlier(PEER);
    expect(store.getState().messages[PEER]!.items.length).toBe(400);
    actions.selectConversation(OTHER);
    expect(store.getState().messages[PEER]!.items.map((m) => indexOf(m.id))).toEqual(Array.from({ length: 100 }, (_, i) => N - 100 + i));
    expect(store.getState().messages[PEER]!.hasMore).toBe(true);

    await actions.openMessage(PEER, id(5));
    actions.selectConversation(OTHER);
    expect(store.getState().messages[PEER]).toBeUndefined();
  });

  it('an answer for a window let go meanwhile changes nothing; one with a message on its way is kept', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let answerSend!: (result: Result<unknown>) => void;
    const list = bigHistory();
    const { store, actions } = setup({
      'message:list': async (request) => {
        await held;
        return list(request);
      },
      'message:send': () => new Promise((resolve) => (answerSend = resolve)),
    });
    store.setState((s) => conversationUpserted(s, conversation(), 0));
    store.setState((s) => conversationUpserted(s, conversation({ peer: OTHER, name: 'Bob' }), 0));
    actions.selectConversation(PEER);
    actions.selectConversation(OTHER);
    expect(store.getState().messages[PEER]).toBeUndefined();
    release();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(store.getState().messages[PEER]).toBeUndefined();

    actions.selectConversation(PEER);
    await new Promise((resolve) => setTimeout(resolve, 0));
    const sending = actions.sendMessage(PEER, 'on its way');
    actions.selectConversation(OTHER);
    expect(store.getState().messages[PEER]!.pending.map((m) => m.text)).toEqual(['on its way']);
    answerSend(ok(message(N, { text: 'on its way', fromMe: true, status: 'queued' })));
    await sending;
    expect(expectSoundWindow(store, 1_000, N + 1).at(-1)).toBe(N);
  });

  it('what we send while reading further back shows at the newest', async () => {
    const { store, actions, of } = setup({
      'message:list': bigHistory(),
      'message:send': ({ text }) => ok(message(N, { text, fromMe: true, status: 'queued' })),
    });
    store.setState((s) => conversationUpserted(s, conversation(), 0));
    await actions.openMessage(PEER, id(1_000));
    expect(store.getState().messages[PEER]!.hasNewer).toBe(true);
    await actions.sendMessage(PEER, 'hello');
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(of('message:list').at(-1)).toEqual({ peer: PEER, limit: 100 });
    const window = store.getState().messages[PEER]!;
    expect(window.hasNewer).toBe(false);
    expect(window.pending).toEqual([]);
  });
});

describe('statuses', () => {
  // How far a message is, then a status arrives: in the answer to a call (which an event may have overtaken:
  // the furthest wins) or in an event (events come in order: the new one wins, but a stored message stays stored).
  it.each([
    [undefined, 'queued', 'queued', 'queued'],
    ['queued', 'sent', 'sent', 'sent'],
    ['sent', 'queued', 'sent', 'queued'], // queued again after the session dropped
    ['sent', 'delivered', 'delivered', 'delivered'],
    ['delivered', 'read', 'read', 'read'],
    ['delivered', 'sent', 'delivered', 'delivered'],
    ['delivered', 'failed', 'delivered', 'delivered'],
    ['read', 'delivered', 'read', 'read'],
    ['queued', 'failed', 'failed', 'failed'],
    ['sent', 'failed', 'failed', 'failed'],
    ['failed', 'sent', 'sent', 'sent'],
    ['failed', 'queued', 'failed', 'queued'], // a retry
  ] as const)('%s, then %s: %s from an answer, %s from an event', (current, next, fromAnswer, fromEvent) => {
    expect(laterStatus(current, next)).toBe(fromAnswer);
    expect(statusAfterEvent(current, next)).toBe(fromEvent);
  });

  it('failed carries its reason, Retry queues it again, Cancel and message:removed take it out', async () => {
    let retryAnswer: Result<unknown> = ok(message(2, { fromMe: true, status: 'queued' }));
    const { store, actions, emit, of } = setup({
      'message:list': () => ok({ messages: [message(1), message(2, { fromMe: true, status: 'queued' }), message(4, { fromMe: true, status: 'queued' })], hasMore: false, hasNewer: false }),
      'message:retry': () => retryAnswer,
      'message:cancel': () => ok(null),
    });
    await actions.loadNewest(PEER);
    const status = (n: number) => store.getState().messages[PEER]!.items.find((m) => m.id === id(n));

    emit('message:status-changed', { peer: PEER, id: id(2), status: 'sent' });
    emit('message:status-changed', { peer: PEER, id: id(2), status: 'failed', failure: 'Alice refused it.' });
    expect(status(2)).toMatchObject({ status: 'failed', failure: 'Alice refused it.' });

    // Retry: queued at once; the events that follow win over the answer taken before them.
    const retrying = actions.retryMessage(PEER, id(2));
    expect(status(2)!.status).toBe('queued');
    expect(status(2)!.failure).toBeUndefined();
    emit('message:status-changed', { peer: PEER, id: id(2), status: 'sent' });
    await retrying;
    expect(status(2)!.status).toBe('sent');
    expect(of('message:retry')).toEqual([{ peer: PEER, id: id(2) }]);
    emit('message:status-changed', { peer: PEER, id: id(2), status: 'delivered' });
    emit('message:status-changed', { peer: PEER, id: id(2), status: 'read' });
    emit('message:status-changed', { peer: PEER, id: id(2), status: 'delivered' });
    expect(status(2)!.status).toBe('read');

    // A retry the backend refuses puts the failure back and says why.
    emit('message:status-changed', { peer: PEER, id: id(4), status: 'failed', failure: 'Too old.' });
    retryAnswer = fail('invalid-request', 'Only a failed message can be sent again.');
    await actions.retryMessage(PEER, id(4));
    expect(status(4)).toMatchObject({ status: 'failed', failure: 'Too old.' });
    expect(store.getState().toasts.map((t) => t.text)).toEqual(['Only a failed message can be sent again.']);

    await actions.cancelMessage(PEER, id(4));
    expect(status(4)).toBeUndefined();
    expect(of('message:cancel')).toEqual([{ peer: PEER, id: id(4) }]);
    emit('message:removed', { peer: PEER, id: id(2) });
    expect(store.getState().messages[PEER]!.items.map((m) => m.id)).toEqual([id(1)]);
  });

  it('a status for a message not held is remembered only while one of ours is on its way', () => {
    const { store } = testStore();
    store.setState((s) => pageRequested(s, PEER, 'newest', 1));
    store.setState((s) => pageLoaded(s, PEER, 1, 'newest', { messages: [message(1)], hasMore: false, hasNewer: false }, { cap: 1_000, seq: 1 }));
    store.setState((s) => messageStatusChanged(s, { peer: PEER, id: id(9), status: 'delivered' }));
    expect(store.getState().messages[PEER]!.arrived).toBeNull();
  });
});

describe('search', () => {
  const result = (n: number, text: string, peer = PEER): SearchResult => ({ peer, name: peer === PEER ? 'Alice' : 'Bob', message: message(n, { text, peer }) });

  it('asks with the trimmed query, keeps only the answer to the latest, and clears', async () => {
    const answers: Record<string, { results: SearchResult[]; more: boolean }> = {
      caf: { results: [result(1, 'café?')], more: false },
      cafe: { results: [result(3, 'the cafe', OTHER), result(2, 'Let us meet at the Café')], more: true },
    };
    let releaseFirst!: () => void;
    const first = new Promise<void>((resolve) => (releaseFirst = resolve));
    const { store, actions, of } = setup({
      'message:search': async ({ query }) => {
        if (query === 'caf') await first;
        return ok(answers[query]);
      },
    });
    const slow = actions.searchMessages('caf');
    await actions.searchMessages('  cafe ');
    releaseFirst();
    await slow;
    expect(of('message:search')).toEqual([
      { query: 'caf', limit: 50 },
      { query: 'cafe', limit: 50 },
    ]);
    expect(store.getState().search).toMatchObject({ query: 'cafe', loading: false, more: true, error: null });
    expect(store.getState().search.results.map((r) => r.message.text)).toEqual(['the cafe', 'Let us meet at the Café']);

    // A removed contact's results go with it.
    store.setState((s) => conversationRemoved(s, OTHER));
    expect(store.getState().search.results.map((r) => r.peer)).toEqual([PEER]);

    await actions.searchMessages('   ');
    expect(store.getState().search).toMatchObject({ query: '', results: [], loading: false });
  });

  it('says why a search failed', async () => {
    const { store, actions } = setup({ 'message:search': () => fail('invalid-request', 'Type a word to search for.') });
    await actions.searchMessages('?');
    expect(store.getState().search).toMatchObject({ query: '?', loading: false, error: 'Type a word to search for.', results: [] });
  });

  it('marks the matching words in a snippet around the first match', () => {
    const parts = searchSnippet('Let us meet at the Café, near the CAFETERIA', 'cafe');
    expect(parts).toEqual([
      { text: 'Let us meet at the ', match: false },
      { text: 'Café', match: true },
      { text: ', near the ', match: false },
      { text: 'CAFE', match: true },
      { text: 'TERIA', match: false },
    ]);
    const long = `${'word '.repeat(100)}here is the needle\nand then ${'more '.repeat(100)}`;
    const cut = searchSnippet(long, 'needle', { before: 20, length: 60 });
    expect(cut[0]!.text).toMatch(/^…word here is the $/);
    expect(cut.at(-1)!.text).toMatch(/^ and then .*…$/);
    expect(cut.map((p) => p.text).join('').length).toBeLessThanOrEqual(62);
    expect(cut.find((p) => p.match)?.text).toBe('needle');
    expect(cut.map((p) => p.text).join('')).not.toContain('\n');
  });
});

describe('contacts', () => {
  it('verify, approve a changed key, rename (empty goes back to their name), remove', async () => {
    const keyChange = { at: 5, previousFingerprint: 'OLD1 OLD2', fingerprint: 'NEW1 NEW2', needsApproval: true };
    const { store, actions, emit, of } = setup({
      'contact:verify': ({ verified }) => ok(conversation({ verified })),
      'contact:approve-key': () => ok(conversation({ verified: false })),
      'contact:rename': ({ name }) => ok(conversation(name === null ? {} : { name, localName: name })),
      'contact:remove': () => ok(null),
      'contact:reconnect': () => ok(null),
    });
    emit('peer:updated', conversation({ verified: true, keyChange, safetyNumber: '12345 '.repeat(12).trim() }));
    expect(store.getState().conversations[PEER]).toMatchObject({ verified: true, keyChange });

    expect((await actions.approveKey(PEER)).ok).toBe(true);
    expect(store.getState().conversations[PEER]!.keyChange).toBeUndefined();
    await actions.verifyContact(PEER, true);
    expect(store.getState().conversations[PEER]!.verified).toBe(true);

    await actions.renameContact(PEER, '  Ally ');
    expect(store.getState().conversations[PEER]).toMatchObject({ name: 'Ally', localName: 'Ally', peerName: 'Alice' });
    await actions.renameContact(PEER, '   ');
    expect(of('contact:rename')).toEqual([
      { peer: PEER, name: 'Ally' },
      { peer: PEER, name: null },
    ]);
    expect(store.getState().conversations[PEER]!.name).toBe('Alice');

    await actions.reconnectNow(PEER);
    expect(of('contact:reconnect')).toEqual([{ peer: PEER }]);

    store.getState().selectPeer(PEER);
    store.getState().setDraft(PEER, 'unsent');
    store.getState().openDialog({ kind: 'remove-contact', peer: PEER });
    await actions.removeContact(PEER);
    const state = store.getState();
    expect([state.conversations[PEER], state.messages[PEER], state.drafts[PEER], state.touchedAt[PEER]]).toEqual([undefined, undefined, undefined, undefined]);
    expect([state.selectedPeer, state.dialog]).toEqual([null, null]);
  });

  it('auto-accept of files: the size set lands on the contact, null takes it away; a refusal leaves the contact as it was', async () => {
    const { store, actions, emit, of } = setup({
      'contact:auto-accept': ({ bytes }) => (bytes === 7 ? fail('invalid-request', 'no') : ok(conversation(bytes === null ? {} : { autoAcceptBytes: bytes }))),
    });
    emit('peer:updated', conversation({}));
    await actions.setAutoAccept(PEER, 10_000_000);
    expect(store.getState().conversations[PEER]!.autoAcceptBytes).toBe(10_000_000);
    expect((await actions.setAutoAccept(PEER, 7)).ok).toBe(false);
    expect(store.getState().conversations[PEER]!.autoAcceptBytes).toBe(10_000_000);
    await actions.setAutoAccept(PEER, null);
    expect(store.getState().conversations[PEER]!.autoAcceptBytes).toBeUndefined();
    expect(of('contact:auto-accept')).toEqual([
      { peer: PEER, bytes: 10_000_000 },
      { peer: PEER, bytes: 7 },
      { peer: PEER, bytes: null },
    ]);
  });

  it('the folder for received files is a setting like the others: saved, and the answer is what the window shows', async () => {
    const { store, actions, of } = setup({
      // The answer is the settings as the backend holds them; this stand-in holds only what was set.
      'settings:set': (change) => ok(change),
    });
    expect((await actions.saveSettings({ downloadDir: '/media/disk/Peerline' })).ok).toBe(true);
    expect(store.getState().settings?.downloadDir).toBe('/media/disk/Peerline');
    expect(of('settings:set')).toEqual([{ downloadDir: '/media/disk/Peerline' }]);
  });

  it('conversation:removed from the backend forgets the contact the same way', async () => {
    const { store, actions, emit } = setup({ 'message:list': bigHistory(50) });
    emit('peer:updated', conversation());
    emit('peer:updated', conversation({ peer: OTHER, name: 'Bob' }));
    actions.selectConversation(PEER);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(store.getState().messages[PEER]!.items).toHaveLength(50);
    emit('conversation:removed', { peer: PEER });
    expect(Object.keys(store.getState().conversations)).toEqual([OTHER]);
    expect(store.getState().messages[PEER]).toBeUndefined();
    expect(store.getState().selectedPeer).toBeNull();
  });

});

describe('small helpers', () => {
  it('counts down to the next dial', () => {
    expect(retryCountdown(12_000, 0)).toBe('retrying in 12 s');
    expect(retryCountdown(11_001, 0)).toBe('retrying in 12 s');
    expect(retryCountdown(125_000, 0)).toBe('retrying in 2 min 5 s');
    expect(retryCountdown(120_000, 0)).toBe('retrying in 2 min');
    expect(retryCountdown(2 * 3_600_000, 0)).toBe('retrying in 2 h');
    expect(retryCountdown(0, 10)).toBe('retrying now…');
  });

  it('groups a safety number in fives', () => {
    const digits = '123456789012345678901234567890123456789012345678901234567890';
    expect(safetyNumberGroups(digits)).toHaveLength(12);
    expect(safetyNumberGroups(digits.replace(/(\d{5})/g, '$1 ').trim())).toEqual(safetyNumberGroups(digits));
    expect(safetyNumberGroups(digits)[0]).toBe('12345');
  });

  it('a notice stands alone in the timeline', () => {
    const items = buildTimeline([
      { id: 'a', at: 1_000, fromMe: false, kind: 'chat' as const },
      { id: 'n', at: 2_000, fromMe: false, kind: 'notice' as const },
      { id: 'b', at: 3_000, fromMe: false, kind: 'chat' as const },
    ]);
    expect(items.filter((item) => item.kind === 'message').map((item) => item.kind === 'message' && item.startsGroup)).toEqual([true, true, true]);
  });

  it('a newest page that overlaps the window is merged; one that does not replaces it and sends the view to the end', () => {
    const held = windowLoaded(EMPTY_PEER_MESSAGES, 0, 'newest', { messages: [message(1), message(2)], hasMore: true, hasNewer: false }, { cap: 10, seq: 1 });
    expect(held.jump).toEqual({ seq: 1, to: 'newest' });
    const merged = windowLoaded({ ...held, jump: null }, 0, 'newest', { messages: [message(2), message(3)], hasMore: true, hasNewer: false }, { cap: 10, seq: 2 });
    expect(merged.items.map((m) => m.text)).toEqual(['m1', 'm2', 'm3']);
    expect(merged.jump).toBeNull();
    const replaced = windowLoaded({ ...held, hasNewer: true }, 0, 'newest', { messages: [message(8), message(9)], hasMore: true, hasNewer: false }, { cap: 10, seq: 3 });
    expect(replaced.items.map((m) => m.text)).toEqual(['m8', 'm9']);
    expect(replaced.jump).toEqual({ seq: 3, to: 'newest' });
  });
});
