/**
 * Dialing peers and hanging up. A dial is named by an attempt id, so that the person can cancel the one they
 * started; a successful one opens its conversation.
 */
import { parsePeerAddress } from '../../shared/address';
import type { Conversation, NearbyPeer } from '../../shared/ipc/contract';
import type { Result } from '../../shared/ipc/result';
import { randomId } from '../lib/random';
import { conversationUpserted } from './conversations';
import { toastError } from './ui';
import type { SliceCreator } from './types';

export interface ConnectRequest {
  host: string;
  port: number;
  mode: 'secure' | 'plain';
}

export interface ConnectionsSlice {
  connect(request: ConnectRequest, attempt: string): Promise<Result<Conversation>>;
  /** Dials what the person typed or pasted: an address, a key or a `peerline:` link (secure). */
  dial(target: string, attempt: string): Promise<Result<Conversation>>;
  cancelConnect(attempt: string): Promise<void>;
  /** Dials a conversation's peer again at its last address. */
  reconnect(peer: string, attempt: string): Promise<Result<Conversation>>;
  /** An offline contact that is dialed again by itself: now, instead of at its next retry. */
  reconnectNow(peer: string): Promise<Result<null>>;
  disconnect(peer: string): Promise<Result<null>>;
  newAttemptId(): string;
  /** Dials a peer heard nearby; its handshake must show the fingerprint it announced. */
  connectNearby(peer: NearbyPeer): Promise<Result<Conversation>>;
}

export const connectionsSlice: SliceCreator<ConnectionsSlice> = ({ api, now }) => (set, get) => {
  function afterConnect(result: Result<Conversation>): Result<Conversation> {
    if (result.ok) {
      set((state) => conversationUpserted(state, result.value, now()));
      get().selectConversation(result.value.peer);
    }
    return result;
  }

  return {
    async connect(request, attempt) {
      return afterConnect(await api.peer.connect({ ...request, attempt }));
    },

    async dial(target, attempt) {
      return afterConnect(await api.peer.dial({ target, attempt }));
    },

    async connectNearby({ fingerprint, address }) {
      return afterConnect(await api.nearby.connect({ fingerprint, address }));
    },

    async cancelConnect(attempt) {
      await api.peer.cancelConnect({ attempt });
    },

    async reconnect(peer, attempt) {
      const conversation = get().conversations[peer];
      if (conversation === undefined) return { ok: false, error: { code: 'unknown-peer', message: 'This conversation is gone.' } };
      // A contact met over the DHT is dialed back by its key: its address is a peerline: link.
      if (conversation.mode === 'secure') return afterConnect(await api.peer.dial({ target: conversation.address, attempt }));
      const address = parsePeerAddress(conversation.address);
      if (!address.ok) return { ok: false, error: { code: 'invalid-request', message: address.error } };
      return afterConnect(await api.peer.connect({ host: address.host, port: address.port, mode: conversation.mode, attempt }));
    },

    async reconnectNow(peer) {
      const result = await api.contact.reconnect({ peer });
      toastError(get(), result);
      return result;
    },

    async disconnect(peer) {
      const result = await api.peer.disconnect({ peer });
      toastError(get(), result);
      return result;
    },

    newAttemptId: () => randomId(),
  };
};
