/** A secure Peerline session, or a plain-text TCP peer. */
export type ConnectionMode = 'secure' | 'plain';
export type Direction = 'inbound' | 'outbound';

/** The life of one connection, in order. A connection only moves forward through these. */
export type SessionState = 'connecting' | 'handshaking' | 'open' | 'closing' | 'closed';

const NEXT_STATES: Readonly<Record<SessionState, readonly SessionState[]>> = {
  // Plain-text peers have no handshake: they go from connecting straight to open.
  connecting: ['handshaking', 'open', 'closing', 'closed'],
  handshaking: ['open', 'closing', 'closed'],
  open: ['closing', 'closed'],
  closing: ['closed'],
  closed: [],
};

export function canMoveTo(from: SessionState, to: SessionState): boolean {
  return NEXT_STATES[from].includes(to);
}
