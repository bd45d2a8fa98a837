/** What the live region says: read from store changes the way events make them, and batched into one sentence. */
import { describe, expect, it } from 'vitest';
import { announcementsBetween, summarize, type Announcement } from '../../renderer/state/announcements';
import { conversationUpserted } from '../../renderer/state/conversations';
import { messageReceived } from '../../renderer/state/messages';
import type { AppState } from '../../renderer/state/types';
import { conversation, message, OTHER, PEER, testStore } from './renderer-fixtures';

/** A store with Alice (open) and Bob, and what each following change announces. */
function watched() {
  const { store } = testStore();
  store.setState((s) => conversationUpserted(s, conversation(), 0));
  store.setState((s) => conversationUpserted(s, conversation({ peer: OTHER, name: 'Bob', peerName: 'Bob' }), 0));
  store.setState({ selectedPeer: PEER });
  const heard: Announcement[] = [];
  store.subscribe((after: AppState, before: AppState) => heard.push(...announcementsBetween(before, after)));
  return { store, heard };
}

describe('announcements', () => {
  it('a message that came in to the open conversation, never one of ours nor one elsewhere', () => {
    const { store, heard } = watched();
    store.setState((s) => messageReceived(s, message(1, { text: 'hi there' })));
    store.setState((s) => messageReceived(s, message(2, { text: 'mine', fromMe: true })));
    store.setState((s) => messageReceived(s, message(3, { peer: OTHER, text: 'from Bob' })));
    expect(heard).toEqual([{ kind: 'message', peer: PEER, name: 'Alice', text: 'hi there' }]);
    // The same last message again (the contact's update that follows) is not a new one.
    store.setState((s) => conversationUpserted(s, { ...s.conversations[PEER]!, unread: 1 }, 0));
    expect(heard).toHaveLength(1);
  });

  it('a contact reached or lost, not the steps between offline and connecting; new conversations say nothing', () => {
    const { store, heard } = watched();
    const bob = (state: 'online' | 'offline' | 'connecting') => store.setState((s) => conversationUpserted(s, { ...s.conversations[OTHER]!, state }, 0));
    bob('offline');
    bob('connecting');
    bob('offline');
    bob('connecting');
    bob('online');
    store.setState((s) => conversationUpserted(s, conversation({ peer: 'c'.repeat(64), name: 'Carol' }), 0));
    expect(heard).toEqual([
      { kind: 'presence', peer: OTHER, name: 'Bob', online: false },
      { kind: 'presence', peer: OTHER, name: 'Bob', online: true },
    ]);
  });

  it('a burst is one sentence: messages by sender, presence by its last state', () => {
    const msg = (text: string, name = 'Bob'): Announcement => ({ kind: 'message', peer: name, name, text });
    const seen = (name: string, online: boolean): Announcement => ({ kind: 'presence', peer: name, name, online });
    expect(summarize([msg('hi')])).toBe('Bob: hi.');
    expect(summarize([msg('one'), msg('two'), msg('three?')])).toBe('3 new messages from Bob. Latest: three?');
    expect(summarize([seen('Bob', false)])).toBe('Bob is offline.');
    // Gone and back within the batch: nothing changed for the person.
    expect(summarize([seen('Bob', false), seen('Bob', true)])).toBe('');
    expect(summarize([seen('Bob', true), seen('Carol', true), msg('hello', 'Dave')])).toBe('Dave: hello. Bob and Carol are online.');
    expect(summarize(['A', 'B', 'C', 'D'].map((n) => seen(n, false)))).toBe('4 contacts are offline.');
    expect(summarize([msg(`${'long '.repeat(100)}end`)]).length).toBeLessThan(220);
    expect(summarize([])).toBe('');
  });
});
