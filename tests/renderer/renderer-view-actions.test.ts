/**
 * What the history view asks of the store, moved out of MessageList and MessageRow: mark read once seen, a page
 * when the view nears an end, "Try again" on a failed page, and Retry / Cancel on a failed message of ours.
 */
import { describe, expect, it } from 'vitest';
import type { InvokeChannel } from '../../shared/ipc/channels';
import { fail, ok } from '../../shared/ipc/result';
import { conversationUpserted } from '../../renderer/state/conversations';
import { conversation, id, message, PEER, pagedHistory, testStore, type Handler } from './renderer-fixtures';

function setup(handlers: Partial<Record<InvokeChannel, Handler>>, unread = 0) {
  const { store, of } = testStore({ 'conversation:mark-read': () => ok(null), ...handlers });
  store.setState((s) => conversationUpserted(s, conversation({ unread }), 0));
  return { store, actions: store.getState(), of, window: () => store.getState().messages[PEER]! };
}

describe('mark read once the person has seen the newest messages', () => {
  it('only with the page visible and the view at the newest of a window loaded there', async () => {
    const { store, actions, of } = setup({ 'message:list': pagedHistory(() => 500) }, 4);
    await actions.markReadIfSeen(PEER, { pageVisible: true, atNewest: true });
    expect(of('conversation:mark-read')).toEqual([]); // nothing loaded yet

    await actions.loadNewest(PEER);
    await actions.markReadIfSeen(PEER, { pageVisible: false, atNewest: true });
    await actions.markReadIfSeen(PEER, { pageVisible: true, atNewest: false });
    expect(of('conversation:mark-read')).toEqual([]);

    await actions.markReadIfSeen(PEER, { pageVisible: true, atNewest: true });
    expect(of('conversation:mark-read')).toEqual([{ peer: PEER }]);
    expect(store.getState().conversations[PEER]?.unread).toBe(0);
  });

  it('not while a page loads, nor for a window further back', async () => {
    const { actions, of } = setup({ 'message:list': pagedHistory(() => 500) }, 2);
    const loading = actions.loadNewest(PEER);
    await actions.markReadIfSeen(PEER, { pageVisible: true, atNewest: true });
    await loading;
    await actions.openMessage(PEER, id(10)); // a search result far back
    await actions.markReadIfSeen(PEER, { pageVisible: true, atNewest: true });
    expect(of('conversation:mark-read')).toEqual([]);
  });
});

describe('paging as the view nears an end', () => {
  it('earlier near the oldest end (first), later near the newest end, nothing in between', async () => {
    const { actions, of, window } = setup({ 'message:list': pagedHistory(() => 1_000) });
    await actions.openMessage(PEER, id(500));
    const asked = () => of('message:list').length;
    await actions.loadPageNearEdge(PEER, { oldest: false, newest: false });
    expect(asked()).toBe(1);
    await actions.loadPageNearEdge(PEER, { oldest: true, newest: true });
    expect(of('message:list').at(-1)).toEqual({ peer: PEER, before: id(450), limit: 100 });
    await actions.loadPageNearEdge(PEER, { oldest: false, newest: true });
    expect(of('message:list').at(-1)).toEqual({ peer: PEER, after: id(549), limit: 100 });
    expect(window().items.length).toBe(300);
  });

  it('not while a page loads, after a failed page, or at an end with nothing beyond', async () => {
    let failing = false;
    const list = pagedHistory(() => 50);
    const { actions, of } = setup({ 'message:list': (request) => (failing ? fail('internal', 'The disk is busy.') : list(request)) });
    const loading = actions.loadNewest(PEER);
    await actions.loadPageNearEdge(PEER, { oldest: true, newest: true });
    await loading;
    await actions.loadPageNearEdge(PEER, { oldest: true, newest: true }); // all 50 are in: nothing beyond
    expect(of('message:list')).toHaveLength(1);
    failing = true;
    await actions.loadNewest(PEER);
    failing = false;
    await actions.loadPageNearEdge(PEER, { oldest: true, newest: true });
    expect(of('message:list')).toHaveLength(2);
  });
});

describe('"Try again" on a page that failed', () => {
  it('asks for the same page again: earlier from the oldest, around the search result, or the newest', async () => {
    let failNext = false;
    const list = pagedHistory(() => 1_000);
    const { actions, of, window } = setup({
      'message:list': (request) => {
        if (!failNext) return list(request);
        failNext = false;
        return fail('internal', 'The disk is busy.');
      },
    });
    await actions.loadNewest(PEER);
    failNext = true;
    await actions.loadEarlier(PEER);
    expect(window().error).toMatchObject({ kind: 'older' });
    await actions.retryFailedPage(PEER);
    expect(of('message:list').at(-1)).toEqual({ peer: PEER, before: id(900), limit: 100 });
    expect(window().error).toBeNull();

    failNext = true;
    await actions.openMessage(PEER, id(123));
    await actions.retryFailedPage(PEER);
    expect(of('message:list').at(-1)).toEqual({ peer: PEER, around: id(123), limit: 100 });
    expect(window().jump).toMatchObject({ to: 'message', id: id(123) });

    failNext = true;
    await actions.loadNewest(PEER);
    await actions.retryFailedPage(PEER);
    expect(of('message:list').at(-1)).toEqual({ peer: PEER, limit: 100 });
    await actions.retryFailedPage(PEER); // nothing failed: nothing asked
    expect(of('message:list')).toHaveLength(7);
  });
});

describe('Retry and Cancel on a failed message of ours', () => {
  it('a local one refused by message:send is sent again, or dropped without asking the backend', async () => {
    let refusing = true;
    const { actions, of, window } = setup({
      'message:send': ({ text }) => (refusing ? fail('not-connected', 'Alice is offline.') : ok(message(1, { text, fromMe: true, status: 'sent' }))),
    });
    await actions.sendMessage(PEER, 'first');
    await actions.sendMessage(PEER, 'second');
    const [first, second] = window().pending;
    await actions.cancelMessage(PEER, first!.id);
    expect(of('message:cancel')).toEqual([]);
    refusing = false;
    await actions.retryMessage(PEER, second!.id);
    expect(of('message:retry')).toEqual([]);
    expect(of('message:send').at(-1)).toEqual({ peer: PEER, text: 'second' });
    expect(window().pending).toEqual([]);
    expect(window().items.map((m) => m.text)).toEqual(['second']);
  });

  it('a stored one goes through message:retry and message:cancel', async () => {
    const { actions, of, window } = setup({
      'message:list': () => ok({ messages: [message(1, { fromMe: true, status: 'failed' })], hasMore: false, hasNewer: false }),
      'message:retry': () => ok(message(1, { fromMe: true, status: 'queued' })),
      'message:cancel': () => ok(null),
    });
    await actions.loadNewest(PEER);
    await actions.retryMessage(PEER, id(1));
    expect(of('message:retry')).toEqual([{ peer: PEER, id: id(1) }]);
    expect(window().items[0]?.status).toBe('queued');
    await actions.cancelMessage(PEER, id(1));
    expect(of('message:cancel')).toEqual([{ peer: PEER, id: id(1) }]);
    expect(window().items).toEqual([]);
  });
});
