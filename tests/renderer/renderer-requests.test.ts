/** Message requests in the window: the banner's buttons by accessible name, and what each one does to the state. */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { ok } from '../../shared/ipc/result';
import { RequestBanner } from '../../renderer/components/RequestBanner';
import { conversationUpserted } from '../../renderer/state/conversations';
import { selectRequest } from '../../renderer/state/selectors';
import { initAppStore } from '../../renderer/state/store';
import { conversation, PEER, testStore } from './renderer-fixtures';

describe('a message request in the window', () => {
  it('shows Accept, Decline and Block for a request, and nothing for a contact', () => {
    const { store } = testStore();
    // A server render reads zustand's server snapshot, its initial state: here, the state as it is now.
    initAppStore(Object.assign(store, { getInitialState: store.getState }));
    store.setState((s) => conversationUpserted(s, conversation({ name: 'Mallory', request: { messages: 3, bytes: 900 } }), 1));
    const html = renderToStaticMarkup(createElement(RequestBanner, { peer: PEER }));
    for (const name of ['Accept', 'Decline', 'Block']) expect(html).toMatch(new RegExp(`<button[^>]*>${name}</button>`));
    expect(html).toContain('Message request');
    expect(html).toContain('3 messages');
    store.setState((s) => conversationUpserted(s, conversation({ name: 'Mallory' }), 2));
    expect(renderToStaticMarkup(createElement(RequestBanner, { peer: PEER }))).toBe('');
  });

  it('Accept makes it a contact; Decline and Block remove the conversation', async () => {
    const { store, of } = testStore({
      'request:accept': () => ok(conversation({ name: 'Mallory' })),
      'request:decline': () => ok(null),
      'contact:block': () => ok(null),
    });
    store.setState((s) => conversationUpserted(s, conversation({ request: { messages: 1, bytes: 10 } }), 1));
    expect(selectRequest(store.getState(), PEER)).toEqual({ messages: 1, bytes: 10 });
    await store.getState().acceptRequest(PEER);
    expect(of('request:accept')).toEqual([{ peer: PEER }]);
    expect(selectRequest(store.getState(), PEER)).toBeNull();
    await store.getState().declineRequest(PEER);
    expect(store.getState().conversations[PEER]).toBeUndefined();
    store.setState((s) => conversationUpserted(s, conversation({ request: { messages: 1, bytes: 10 } }), 3));
    await store.getState().blockPeer(PEER);
    expect(of('contact:block')).toEqual([{ peer: PEER }]);
    expect(store.getState().conversations[PEER]).toBeUndefined();
  });
});
