import type { Socket } from 'node:net';
import type { PeerLimits } from '../../shared/protocol/limits';
import type { Connection } from './connection';

/**
 * Why a newly accepted socket must be refused, or null: too many connections still handshaking, too many in
 * all, or too many from its address. Established peers are never touched by this.
 */
export function admissionRefusal(socket: Socket, pendingSockets: ReadonlySet<Socket>, connections: ReadonlySet<Connection>, limits: PeerLimits): string | null {
  let handshaking = pendingSockets.size;
  for (const connection of connections) if (connection.state !== 'open') handshaking++;
  if (handshaking >= limits.maxPendingConnections) return `too many connections still handshaking (${handshaking})`;
  if (connections.size + pendingSockets.size >= limits.maxConnections) return `too many connections (${limits.maxConnections})`;
  const remote = socket.remoteAddress;
  let fromSameAddress = 0;
  for (const connection of connections) if (connection.remoteHost === remote) fromSameAddress++;
  for (const other of pendingSockets) if (other.remoteAddress === remote) fromSameAddress++;
  if (fromSameAddress >= limits.maxConnectionsPerAddress) return `too many connections from ${remote} (${fromSameAddress})`;
  return null;
}
