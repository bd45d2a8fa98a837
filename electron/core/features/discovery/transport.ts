import type { Announcement, Heard } from './announcement';

/** What this Peerline does on the local network: announce itself (when visible), and listen for others. */
export interface DiscoveryRole {
  /** Null: nobody nearby is told we are here ("Let nearby devices see me" off). */
  announce: Announcement | null;
  /** "Look for nearby devices": hear announcements and ask who is there. */
  listen: boolean;
}

/**
 * Our own small discovery interface: the mDNS implementation over `bonjour-service` runs in the app and the
 * command, an in-memory datagram hub in unit tests. Every implementation hands over only announcements that
 * passed the size and rate gate and parsed strictly, each with the datagram's source address.
 */
export interface DiscoveryTransport {
  /** Starts, or changes what it does; `onHeard` is called for each announcement heard. */
  start(role: DiscoveryRole, onHeard: (heard: Heard) => void): void;
  /** Asks these hosts directly who is there, for networks that drop multicast. */
  probe(hosts: readonly string[]): void;
  stop(): Promise<void>;
}
