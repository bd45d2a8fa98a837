/** The renderer's named selectors: what components read instead of working it out inline. */
import { describe, expect, it } from 'vitest';
import { conversationUpserted } from '../../renderer/state/conversations';
import { pageLoaded, pageRequested } from '../../renderer/state/messages';
import {
  selectHasConversations,
  selectPeerTyping,
  selectSelectedConversation,
  selectShownMessages,
  selectShownNotices,
  selectSortedConversations,
  selectTypingReachesPeer,
  selectUnreadTotal,
  selectUnreadToMark,
} from '../../renderer/state/selectors';
import { sendStarted } from '../../renderer/state/sending';
import type { AppStore } from '../../renderer/state/store';
import type { Conversation, Message } from '../../shared/ipc/contract';
import { conversation, id, message, OTHER, PEER, testStore } from './renderer-fixtures';

function storeWith(...conversations: Conversation[]): AppStore {
  const { store } = testStore();
  for (const item of conversations) store.setState((s) => conversationUpserted(s, item, 0));
  return store;
}

function loadPage(store: AppStore, messages: Message[], hasNewer = false) {
  store.setState((s) => pageRequested(s, PEER, 'newest', 1));
  store.setState((s) => pageLoaded(s, PEER, 1, 'newest', { messages, hasMore: false, hasNewer }, { cap: 1_000, seq: 1 }));
}

const pending = (text: string) => ({ local: true as const, id: `local-${text}`, peer: PEER, fromMe: true as const, kind: 'chat' as const, text, at: 9_000 });

describe('renderer selectors', () => {
  it('selectUnreadTotal adds up every conversation', () => {
    const store = storeWith(conversation({ unread: 2 }), conversation({ peer: OTHER, unread: 5 }));
    expect(selectUnreadTotal(store.getState())).toBe(7);
    expect(selectUnreadTotal(testStore().store.getState())).toBe(0);
  });

  it('selectHasConversations', () => {
    expect(selectHasConversations(testStore().store.getState())).toBe(false);
    expect(selectHasConversations(storeWith(conversation()).getState())).toBe(true);
  });

  it('selectSortedConversations keeps handing out the same list until the conversations change', () => {
    const store = storeWith(
      conversation({ name: 'Alice', lastMessage: { text: 'x', at: 10, fromMe: false } }),
      conversation({ peer: OTHER, name: 'Bob', lastMessage: { text: 'y', at: 20, fromMe: false } }),
    );
    const first = selectSortedConversations(store.getState());
    expect(first.map((c) => c.name)).toEqual(['Bob', 'Alice']);
    store.getState().setDraft(PEER, 'unrelated');
    expect(selectSortedConversations(store.getState())).toBe(first);
    store.setState((s) => conversationUpserted(s, conversation({ name: 'Alice', lastMessage: { text: 'z', at: 30, fromMe: true } }), 0));
    expect(selectSortedConversations(store.getState()).map((c) => c.name)).toEqual(['Alice', 'Bob']);
  });

  it('selectSelectedConversation is the open conversation while it exists', () => {
    const store = storeWith(conversation());
    expect(selectSelectedConversation(store.getState())).toBeNull();
    store.getState().selectPeer(PEER);
    expect(selectSelectedConversation(store.getState())?.peer).toBe(PEER);
    store.getState().selectPeer(OTHER);
    expect(selectSelectedConversation(store.getState())).toBeNull();
  });

  it('selectShownNotices leaves out those put away, and is stable', () => {
    const { store } = testStore();
    const node = { listening: true, host: '0.0.0.0', port: 8000, addresses: [], allowPlain: true, notices: ['one', 'two'] };
    expect(selectShownNotices(store.getState())).toEqual([]);
    store.setState({ node });
    expect(selectShownNotices(store.getState())).toEqual(['one', 'two']);
    store.getState().dismissNotices(['one']);
    const shown = selectShownNotices(store.getState());
    expect(shown).toEqual(['two']);
    expect(selectShownNotices(store.getState())).toBe(shown);
  });

  it('selectShownMessages puts ours not yet stored after the newest, only while the window reaches it', () => {
    const store = storeWith(conversation());
    expect(selectShownMessages(store.getState(), PEER)).toBe(selectShownMessages(store.getState(), PEER));
    loadPage(store, [message(1), message(2)]);
    const items = store.getState().messages[PEER]!.items;
    expect(selectShownMessages(store.getState(), PEER)).toBe(items);
    store.setState((s) => sendStarted(s, pending('hi')));
    const shown = selectShownMessages(store.getState(), PEER);
    expect(shown.map((m) => m.text)).toEqual(['m1', 'm2', 'hi']);
    store.getState().setDraft(PEER, 'unrelated');
    expect(selectShownMessages(store.getState(), PEER)).toBe(shown);
    loadPage(store, [message(1), message(2)], true); // a window further back
    expect(selectShownMessages(store.getState(), PEER).map((m) => m.text)).toEqual(['m1', 'm2']);
  });

  it('selectUnreadToMark is the unread count only while the window is loaded at the newest', () => {
    const store = storeWith(conversation({ unread: 3 }));
    expect(selectUnreadToMark(store.getState(), PEER)).toBe(0); // not loaded
    store.setState((s) => pageRequested(s, PEER, 'newest', 1));
    expect(selectUnreadToMark(store.getState(), PEER)).toBe(0); // loading
    store.setState((s) => pageLoaded(s, PEER, 1, 'newest', { messages: [message(1)], hasMore: false, hasNewer: true }, { cap: 1_000, seq: 1 }));
    expect(selectUnreadToMark(store.getState(), PEER)).toBe(0); // further back
    loadPage(store, [message(1)]);
    expect(selectUnreadToMark(store.getState(), PEER)).toBe(3);
  });

  it('typing: shown only from an online peer; ours reaches only an online, encrypted peer', () => {
    const store = storeWith(conversation({ typing: true, state: 'offline' }), conversation({ peer: OTHER, mode: 'plain' }));
    expect(selectPeerTyping(store.getState(), PEER)).toBe(false);
    expect(selectTypingReachesPeer(store.getState(), PEER)).toBe(false);
    store.setState((s) => conversationUpserted(s, conversation({ typing: true }), 0));
    expect(selectPeerTyping(store.getState(), PEER)).toBe(true);
    expect(selectTypingReachesPeer(store.getState(), PEER)).toBe(true);
    expect(selectTypingReachesPeer(store.getState(), OTHER)).toBe(false);
    expect(selectPeerTyping(store.getState(), id(99))).toBe(false);
  });
});
