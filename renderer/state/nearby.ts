/**
 * Nearby peers: the Peerlines heard on the local network (hints until a handshake shows the announced key), as
 * the backend lists them, kept fresh by `nearby:updated`. Connecting to one is the connections slice's.
 */
import type { NearbyPeer } from '../../shared/ipc/contract';
import type { AppState, Change, SliceCreator } from './types';

export interface NearbySlice {
  nearby: NearbyPeer[];
  loadNearby(): Promise<void>;
}

export const nearbySlice: SliceCreator<NearbySlice> = ({ api }) => (set) => ({
  nearby: [],
  async loadNearby() {
    const result = await api.nearby.list();
    if (result.ok) set((state) => nearbyUpdated(state, result.value.peers));
  },
});

/** `nearby:updated`, or `nearby:list` answered. */
export function nearbyUpdated(_state: AppState, nearby: NearbyPeer[]): Change {
  return { nearby };
}
