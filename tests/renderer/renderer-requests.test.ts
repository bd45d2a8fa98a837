/** Message requests in the window's state: what Accept, Decline and Block do (the buttons: renderer-in-browser). */
import { describe, expect, it } from 'vitest';
import { ok } from '../../shared/ipc/result';
import { conversationUpserted } from '../../renderer/state/conversations';
import { selectRequest } from '../../renderer/state/selectors';
import { conversation, PEER, testStore } from './renderer-fixtures';

describe('a message request in the window', () => {
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
