/**
 * How a session's bytes travel, for the person and for scripts: a TCP connection straight to the peer's address,
 * UDP over the DHT with no punching needed (a reachable side), or UDP through a hole punched in both NATs.
 * Sessions through a relay are not made yet (no relay is configured), so there is no word for them.
 */
export type SessionPath = 'tcp' | 'udp' | 'holepunched';

export const SESSION_PATHS: readonly SessionPath[] = ['tcp', 'udp', 'holepunched'];

export function pathLabel(path: SessionPath): string {
  switch (path) {
    case 'tcp':
      return 'direct TCP';
    case 'udp':
      return 'over the DHT (direct UDP)';
    case 'holepunched':
      return 'hole-punched (UDP)';
  }
}
