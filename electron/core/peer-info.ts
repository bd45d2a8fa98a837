import { formatAddress } from '../../shared/address';
import { encodeInvite } from '../../shared/invite-link';
import type { SessionKey } from '../../shared/ids';
import type { SessionPath } from '../../shared/session-path';
import type { Connection, ConnectionMode, Direction } from './connection';
import { fingerprintOf } from './identity';

export interface PeerInfo {
  /** The session key: `plain:HOST:PORT`, or the verified public key in hex. */
  peer: SessionKey;
  mode: ConnectionMode;
  direction: Direction;
  /** The remote socket, `host:port`. */
  address: string;
  /** Where to dial this peer again: the address dialed, or for a secure peer that dialed us, its host and listening port. */
  dialAddress: string;
  /** How the session's bytes travel. */
  path: SessionPath;
  /** Secure peers only: the verified public key in hex (same as `peer`), its fingerprint, and what `hello` said. */
  id?: string;
  fingerprint?: string;
  name?: string;
  appVersion?: string;
  listenPort?: number;
}

/** What is known of the peer behind an open session. */
export function infoOf(connection: Connection): PeerInfo {
  const listenPort = connection.remoteHello?.listenPort ?? 0;
  // Over the DHT the remote address is a UDP one, perhaps a NAT's: the way back is the peer's key.
  const viaDht = connection.path !== 'tcp' && connection.peerKey !== null;
  const info: PeerInfo = {
    peer: connection.peerKey!,
    mode: connection.mode,
    direction: connection.direction,
    address: connection.remoteAddress,
    path: connection.path,
    dialAddress: viaDht
      ? encodeInvite({ key: connection.peerKey!, addresses: [] })
      : connection.direction === 'inbound' && listenPort > 0
        ? formatAddress(connection.remoteHost, listenPort)
        : connection.remoteAddress,
  };
  if (connection.mode === 'secure' && connection.remoteHello) {
    info.id = connection.peerKey!;
    info.fingerprint = fingerprintOf(Buffer.from(connection.peerKey!, 'hex'));
    info.name = connection.remoteHello.name;
    info.appVersion = connection.remoteHello.appVersion;
    info.listenPort = connection.remoteHello.listenPort;
  }
  return info;
}
