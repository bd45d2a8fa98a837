/**
 * Starting up, and catching up after the link came back: identity, node status, conversations and settings
 * loaded together; the app is ready when all four have answered.
 */
import { conversationRemoved, conversationsLoaded } from './conversations';
import { historiesForgotten } from './messages';
import { settingsLoaded } from './node';
import type { BootState, SliceCreator } from './types';

export interface StartupSlice {
  boot: BootState;
  /** identity, node status, conversations and settings; the app is ready when all four have answered. */
  loadInitial(): Promise<void>;
  /** After the link came back: everything again, and the open conversation's newest page. */
  refresh(): Promise<void>;
}

export const startupSlice: SliceCreator<StartupSlice> = ({ api }) => (set, get) => {
  /** One load at a time: a second call while one is on its way waits for it. */
  let loadingInitial: Promise<void> | null = null;

  async function loadAll(): Promise<void> {
    // Known before asking: a contact first seen (peer:updated) while the list is on its way is not a removed one.
    const before = Object.keys(get().conversations);
    const [identity, node, conversations, settings] = await Promise.all([
      api.identity.get(),
      api.node.status(),
      api.conversation.list(),
      api.settings.get(),
    ]);
    for (const result of [identity, node, conversations, settings]) {
      if (!result.ok) {
        if (get().boot.phase !== 'ready') set({ boot: { phase: 'failed', error: result.error.message } });
        else get().pushToast('error', result.error.message);
        return;
      }
    }
    if (!identity.ok || !node.ok || !conversations.ok || !settings.ok) return;
    set((state) => ({
      identity: identity.value,
      node: node.value,
      ...conversationsLoaded(state, conversations.value, before),
    }));
    // Contacts removed while the link was down.
    for (const peer of before) if (get().conversations[peer] === undefined) set((state) => conversationRemoved(state, peer));
    set((state) => ({ ...settingsLoaded(state, settings.value), boot: { phase: 'ready' } }));
    await get().loadGroups();
    // The invite link and what the DHT sees: "My card" shows it once it answers.
    void get().loadDoctor();
    // Not needed to start: the list fills in when it answers (and with each nearby:updated).
    void get().loadNearby();
    await get().loadTransfers();
    const selected = get().selectedPeer;
    if (selected !== null && get().conversations[selected] === undefined) set({ selectedPeer: null });
  }

  return {
    boot: { phase: 'loading' },

    loadInitial() {
      loadingInitial ??= loadAll().finally(() => {
        loadingInitial = null;
      });
      return loadingInitial;
    },

    async refresh() {
      const selected = get().selectedPeer;
      set((state) => historiesForgotten(state, selected));
      await get().loadInitial();
      const stillSelected = get().selectedPeer;
      // A window further back keeps its place; the newest page is merged into one at the newest.
      if (stillSelected !== null && get().messages[stillSelected]?.hasNewer !== true) await get().loadNewest(stillSelected);
    },
  };
};
