/**
 * Message requests: a peer the person has not accepted (nor dialed) shows as a request, with what of it is
 * stored. The person accepts it (it becomes a contact), declines it (forgotten) or blocks it (refused from now
 * on). Sending to a request accepts it too (the backend does, and says so with `peer:updated`). The events land
 * in the conversations slice: a request is a conversation with `request` set.
 */
import type { Conversation } from '../../shared/ipc/contract';
import type { Result } from '../../shared/ipc/result';
import { conversationRemoved, conversationUpserted } from './conversations';
import type { SliceCreator } from './types';

export interface RequestsSlice {
  acceptRequest(peer: string): Promise<Result<Conversation>>;
  declineRequest(peer: string): Promise<Result<null>>;
  blockPeer(peer: string): Promise<Result<null>>;
}

export const requestsSlice: SliceCreator<RequestsSlice> = ({ api, now }) => (set) => {
  async function removing(peer: string, result: Result<null>): Promise<Result<null>> {
    if (result.ok) set((state) => conversationRemoved(state, peer));
    return result;
  }

  return {
    async acceptRequest(peer) {
      const result = await api.request.accept({ peer });
      if (result.ok) set((state) => conversationUpserted(state, result.value, now()));
      return result;
    },
    async declineRequest(peer) {
      return removing(peer, await api.request.decline({ peer }));
    },
    async blockPeer(peer) {
      return removing(peer, await api.contact.block({ peer }));
    },
  };
};
