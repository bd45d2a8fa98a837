/**
 * How a session's bytes travel, for the person and for scripts: a TCP connection straight to the peer's address,
 * UDP over the DHT with no punching needed (a reachable side), UDP through a hole punched in both NATs, or UDP
 * through a blind relay (when no hole could be punched and a relay is set).
 */
export type SessionPath = 'tcp' | 'udp' | 'holepunched' | 'relayed';

export const SESSION_PATHS: readonly SessionPath[] = ['tcp', 'udp', 'holepunched', 'relayed'];

export function pathLabel(path: SessionPath): string {
  switch (path) {
    case 'tcp':
      return 'direct TCP';
    case 'udp':
      return 'over the DHT (direct UDP)';
    case 'holepunched':
      return 'hole-punched (UDP)';
    case 'relayed':
      return 'relayed (UDP, through a blind relay)';
  }
}
