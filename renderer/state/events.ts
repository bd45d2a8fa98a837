/**
 * The one place where backend events enter the store. Subscribed once at startup; each event is written in with
 * `setState` through the reducer of the slice that owns it.
 */
import type { Api } from '../../shared/ipc/client';
import type { EventPayload } from '../../shared/ipc/contract';
import type { LinkSource } from '../api/link';
import { conversationRemoved, conversationUpserted } from './conversations';
import { groupMessageReceived, groupRemoved, groupStatusChanged, groupUpdated } from './groups';
import { fileOffered, transferUpdated } from './files';
import { messageReceived, messageRemoved, messageStatusChanged } from './messages';
import { nearbyUpdated } from './nearby';
import { linkChanged, nodeUpdated, settingsLoaded } from './node';
import type { AppStore } from './store';

export interface EventWiring {
  /** The link came back after being lost (or after the first attempt failed): state may be stale. */
  onLinkRestored(): void;
  /** A `--ui` page shows `message:notify` itself (Web Notification); the desktop app's main process does. */
  notify?: (notice: EventPayload<'message:notify'>) => void;
  now?: () => number;
}

export function connectEvents(api: Api, link: LinkSource, store: AppStore, wiring: EventWiring): () => void {
  const now = wiring.now ?? Date.now;
  const unsubscribers = [
    api.on('peer:updated', (conversation) => store.setState((state) => conversationUpserted(state, conversation, now()))),
    api.on('message:received', (message) => store.setState((state) => messageReceived(state, message))),
    api.on('message:status-changed', (change) => store.setState((state) => messageStatusChanged(state, change))),
    api.on('message:removed', (change) => store.setState((state) => messageRemoved(state, change))),
    api.on('conversation:removed', ({ peer }) => store.setState((state) => conversationRemoved(state, peer))),
    api.on('node:updated', (node) => {
      store.setState((state) => nodeUpdated(state, node));
      void store.getState().loadDoctor();
    }),
    api.on('group:updated', (group) => store.setState((state) => groupUpdated(state, group))),
    api.on('group:message-received', (message) => store.setState((state) => groupMessageReceived(state, message))),
    api.on('group:status-changed', (change) => store.setState((state) => groupStatusChanged(state, change))),
    api.on('group:removed', (removal) => store.setState((state) => groupRemoved(state, removal))),
    api.on('group:notice', ({ text }) => store.getState().pushToast('info', text)),
    // The group itself arrives with group:updated; this tells the person why it appeared.
    api.on('group:joined', ({ name }) => store.getState().pushToast('info', `You were added to the group "${name}".`)),
    api.on('settings:updated', (settings) => store.setState((state) => settingsLoaded(state, settings))),
    api.on('nearby:updated', ({ peers }) => store.setState((state) => nearbyUpdated(state, peers))),
    // The desktop app: the person clicked a system notification.
    api.on('conversation:open-requested', ({ peer }) => {
      if (store.getState().conversations[peer] !== undefined) store.getState().selectConversation(peer);
    }),
    api.on('message:notify', (notice) => wiring.notify?.(notice)),
    api.on('error:raised', (error) => store.getState().pushToast('error', error.message)),
    api.on('file:offered', (offer) => store.setState((state) => fileOffered(state, offer))),
    api.on('file:updated', (transfer) => store.setState((state) => transferUpdated(state, transfer))),
    link.subscribe((next) => {
      const previous = store.getState().link;
      store.setState((state) => linkChanged(state, next));
      const restored = next.status === 'open' && previous.status !== 'open' && (previous.everOpened || previous.failures > 0);
      if (restored) wiring.onLinkRestored();
    }),
  ];
  store.setState((state) => linkChanged(state, link.get()));
  return () => {
    for (const unsubscribe of unsubscribers) unsubscribe();
  };
}
