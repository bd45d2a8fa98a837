/**
 * Every limit and deadline of the wire protocol, in one place (DESIGN §3).
 * Peers and tests may override the tunable ones through `PeerLimits`, never by editing literals elsewhere.
 */

/** Wire protocol version carried in the preface. Bumped only for incompatible changes. */
export const PROTOCOL_VERSION = 1;

/** Largest UTF-8 text of one chat message, in bytes. */
export const MAX_TEXT_BYTES = 64 * 1024;
/** Largest display name, in UTF-8 bytes. */
export const MAX_NAME_BYTES = 128;
/** Largest app version string in `hello`, in UTF-8 bytes. */
export const MAX_APP_VERSION_BYTES = 64;
/** Largest number of capability names in `hello`, and the largest single name. */
export const MAX_CAPABILITIES = 32;
export const MAX_CAPABILITY_BYTES = 32;
/** Largest number of message ids acknowledged by one `ack`. */
export const MAX_ACK_IDS = 1024;
/** Largest reason text in `bye`. */
export const MAX_REASON_BYTES = 256;
/**
 * Latest `sentAt` a peer may send: the end of ECMAScript's Date range, beyond which `new Date(t)` is invalid
 * and `toISOString()` throws.
 */
export const MAX_TIMESTAMP_MS = 8.64e15;
/** Length of a message id in bytes (6 bytes of milliseconds, 10 random bytes). */
export const MESSAGE_ID_BYTES = 16;
/** Length of an ed25519 public key, which is also a peer id. */
export const PUBLIC_KEY_BYTES = 32;

/** Largest encoded protocol message (plaintext inside the secure channel). */
export const MAX_MESSAGE_BYTES = 128 * 1024;

/**
 * Bulk frames (file chunks) a session may have in flight to its peer, in bytes, before the peer grants more
 * credit. It bounds what can sit ahead of a chat message in the socket buffers of both machines (so chat stays
 * quick under a transfer); the receiver grants credit back as it handles bulk, every quarter window.
 */
export const BULK_CREDIT_WINDOW_BYTES = 512 * 1024;
export const BULK_CREDIT_GRANT_BYTES = BULK_CREDIT_WINDOW_BYTES / 4;

/**
 * Frame caps enforced by the guard in front of secret-stream, which trusts a 24-bit length prefix and
 * allocates before checking. Noise XX messages with ed25519 keys and empty payloads are at most 96 bytes.
 */
export const FRAME_LENGTH_PREFIX_BYTES = 3;
export const MAX_HANDSHAKE_FRAME_BYTES = 256;
/** secret-stream's header frame: 32-byte stream id + 24-byte secretstream header. */
export const SECRET_STREAM_HEADER_FRAME_BYTES = 56;
/** libsodium secretstream overhead per encrypted frame (tag byte + MAC). */
export const SECRET_STREAM_FRAME_OVERHEAD_BYTES = 17;
export const MAX_ENCRYPTED_FRAME_BYTES = MAX_MESSAGE_BYTES + SECRET_STREAM_FRAME_OVERHEAD_BYTES;

/** Plain-text peers: the longest line we buffer before cutting the peer off. */
export const MAX_PLAIN_LINE_BYTES = MAX_TEXT_BYTES;
/** Plain-text peers: a partial line is delivered after this long without a byte (the classic example sends no newline). */
export const PLAIN_IDLE_FLUSH_MS = 250;

/** Default listening address; when the port is taken, up to this many next ports are tried (8000 → 8019). */
export const DEFAULT_LISTEN_HOST = '0.0.0.0';
export const DEFAULT_PORT = 8000;
export const PORT_FALLBACK_ATTEMPTS = 19;

// Connection slots (issue 13) ---------------------------------------------------------------------------------
// Accepted connections and our own dials have separate budgets, so strangers can never use up the slots our dials
// to contacts need. When the pending or the inbound table is full, a newcomer from an address holding fewer slots
// evicts the oldest unidentified (handshaking, or plain-text) or idle stranger from the address holding the most;
// contacts are never evicted for strangers. Plain-text peers are closed when idle, or silent from the start.

export const MAX_PENDING_CONNECTIONS = 64;
export const MAX_CONNECTIONS_PER_ADDRESS = 16;
export const MAX_INBOUND_CONNECTIONS = 448;
export const MAX_OUTBOUND_CONNECTIONS = 64;
/** A plain-text peer with no byte either way for this long is closed: long enough for a person at a prompt. */
export const PLAIN_IDLE_MS = 10 * 60_000;
/** A plain-text peer that has sent nothing at all, and been sent nothing, for this long is closed. */
export const PLAIN_SILENT_MS = 2 * 60_000;
/** An open session with a stranger that has delivered no message for this long may be evicted for a newcomer. */
export const STRANGER_IDLE_MS = 60_000;

// -----------------------------------------------------------------------------------------------------------------

/**
 * The byte budget: inbound bytes a peer may send per second, beside the message budget (a peer sending huge
 * messages is held to this many bytes, not only to a count). Like the message budget it pauses reading (TCP
 * back-pressure) and never drops. The burst holds at least one largest message.
 */
export const INBOUND_BYTES_PER_SECOND = 4 * 1024 * 1024;
export const INBOUND_BYTE_BURST = 8 * 1024 * 1024;
export interface InboundByteLimits {
  /** Inbound bytes (decoded messages, plain-text lines) a peer may send per second; default `INBOUND_BYTES_PER_SECOND`. */
  inboundBytesPerSecond: number;
  /** Bucket size of the byte budget, at least `MAX_MESSAGE_BYTES`; default `INBOUND_BYTE_BURST`. */
  inboundByteBurst: number;
}

/** Tunable limits of a running peer. */
export interface PeerLimits extends Partial<InboundByteLimits> {
  /** Accepted connections not yet identified (preface sniff, handshake, hello). */
  maxPendingConnections: number;
  /** Accepted connections from one remote IP address, pending or open. */
  maxConnectionsPerAddress: number;
  /** Accepted connections in all, pending or open (see "Connection slots" below). */
  maxInboundConnections: number;
  /** Our own dials under way (TCP, handshake, hello): a budget no inbound connection can use. */
  maxOutboundConnections: number;
  /** Inbound protocol messages a peer may send per second (token bucket; reading pauses when empty). */
  inboundMessagesPerSecond: number;
  /** Bucket size: a burst a peer may send at once. */
  inboundMessageBurst: number;
}

export const DEFAULT_LIMITS: Readonly<PeerLimits> = Object.freeze({
  maxPendingConnections: MAX_PENDING_CONNECTIONS,
  maxConnectionsPerAddress: MAX_CONNECTIONS_PER_ADDRESS,
  maxInboundConnections: MAX_INBOUND_CONNECTIONS,
  maxOutboundConnections: MAX_OUTBOUND_CONNECTIONS,
  inboundMessagesPerSecond: 5_000,
  inboundMessageBurst: 10_000,
});

/**
 * Dialing known contacts again after a session ends: the n-th try waits min(max, initial · factor^n), shortened
 * by up to `RECONNECT_JITTER` of itself at random so that peers that lost each other at once do not redial in step.
 */
export const RECONNECT_INITIAL_MS = 1_000;
export const RECONNECT_MAX_MS = 60_000;
export const RECONNECT_FACTOR = 2;
export const RECONNECT_JITTER = 0.3;

/** Tunable deadlines of a running peer, in milliseconds. */
export interface PeerTimeouts {
  /** Dialing: TCP connect. */
  connectMs: number;
  /** Dialing by key: DHT lookup, hole punching and the DHT's own handshake, up to an open stream. */
  dhtConnectMs: number;
  /** Listener: how long the first bytes may take before a silent connection counts as a plain-text peer. */
  prefaceSniffMs: number;
  /** From accept (or connect) to an open session: preface, Noise handshake and hello. Fixed, not idle. */
  handshakeMs: number;
  /** A ping is sent after this long without sending anything. */
  keepAliveMs: number;
  /** A peer from which nothing arrived for this long is dead. */
  deadPeerMs: number;
  /** How long a clean close waits for the peer to finish after `bye`. */
  closeGraceMs: number;
  /** Reconnecting to a contact: the wait before the first try after a session ends (see `RECONNECT_FACTOR`). */
  reconnectInitialMs: number;
  /** Reconnecting to a contact: the longest wait between two tries. */
  reconnectMaxMs: number;
  /** A plain-text peer with no traffic either way for this long is closed (`PLAIN_IDLE_MS`). */
  plainIdleMs: number;
  /** A plain-text peer that never sent a byte, and was never sent one, is closed after this long (`PLAIN_SILENT_MS`). */
  plainSilentMs: number;
  /** When the slots are full, a stranger's open session silent this long may be evicted (`STRANGER_IDLE_MS`). */
  strangerIdleMs: number;
}

export const DEFAULT_TIMEOUTS: Readonly<PeerTimeouts> = Object.freeze({
  connectMs: 10_000,
  dhtConnectMs: 30_000,
  prefaceSniffMs: 1_500,
  handshakeMs: 10_000,
  keepAliveMs: 15_000,
  deadPeerMs: 45_000,
  closeGraceMs: 2_000,
  reconnectInitialMs: RECONNECT_INITIAL_MS,
  reconnectMaxMs: RECONNECT_MAX_MS,
  plainIdleMs: PLAIN_IDLE_MS,
  plainSilentMs: PLAIN_SILENT_MS,
  strangerIdleMs: STRANGER_IDLE_MS,
});

/** The most hosts in the manual list of addresses asked directly for nearby Peerlines. */
export const MAX_PROBE_ADDRESSES = 32;
