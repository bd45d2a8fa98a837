/**
 * The messages of a secure session itself, after the Noise handshake: hello, keepalive and bye. Everything a
 * feature says travels on a named, versioned channel (`chat/1`, later `files/1`, `group/1`) whose codec is the
 * feature's own; the session only frames it. Each secret-stream message carries exactly one message, encoded by
 * `codec.ts`.
 */

/** Type codes of the session's own messages, and of the frame that carries a channel's message. */
export const MessageType = {
  Hello: 1,
  Ping: 5,
  Pong: 6,
  Bye: 7,
  /** A message of a named channel: u8 channel index (its place in the sender's `hello.capabilities`), then its bytes. */
  Channel: 0x20,
  /** The same, on the bulk lane: counted against the credit the receiver granted. */
  BulkChannel: 0x21,
  /** The receiver grants the sender this many more bytes of bulk frames. */
  Credit: 0x22,
} as const;

/**
 * Type codes from `Channel` up are the session's own; those beyond the ones above are a newer version's: ignored,
 * even before hello. Codes below `Channel` that the session does not use belong to the base channel.
 */
export const FIRST_NEWER_SESSION_CODE = MessageType.Credit + 1;

/**
 * The channel whose messages travel with no channel header: every type code below `Channel` that the session
 * does not use is one of its messages. Peerline 0.1 spoke chat this way before channels had names (codes 2, 3, 4 and 8), so a newer
 * Peerline still chats with it, and chat pays no header byte.
 */
export const BASE_CHANNEL = 'chat/1';
/** What a peer whose hello lists no capabilities speaks: Peerline 0.1, which had chat and nothing else. */
export const LEGACY_CAPABILITIES: readonly string[] = [BASE_CHANNEL];

export interface HelloMessage {
  type: 'hello';
  protocolVersion: number;
  name: string;
  appVersion: string;
  /** The port this peer listens on (0 when it does not), so the other side can dial back later. */
  listenPort: number;
  /** The channels this peer speaks, `name/version`; a channel's index in this list names it in channel frames. */
  capabilities: string[];
}

export interface PingMessage {
  type: 'ping';
  nonce: number;
}

export interface PongMessage {
  type: 'pong';
  nonce: number;
}

export const ByeReason = {
  Quit: 0,
  Duplicate: 1,
  Protocol: 2,
  Other: 3,
  /** The person ended this conversation's connection: the other side should not dial back on its own. */
  UserClosed: 4,
} as const;
export type ByeReasonCode = (typeof ByeReason)[keyof typeof ByeReason];

export interface ByeMessage {
  type: 'bye';
  code: ByeReasonCode;
  reason: string;
}

/** More room for bulk frames: see `BULK_CREDIT_WINDOW_BYTES`. */
export interface CreditMessage {
  type: 'credit';
  bytes: number;
}

export type SessionMessage = HelloMessage | PingMessage | PongMessage | ByeMessage | CreditMessage;

/** A channel's message as the session sees it: whose it is, and its bytes for the channel's codec. */
export interface ChannelFrame {
  type: 'channel';
  /** The index in the sender's capabilities, or null for the base channel. */
  index: number | null;
  payload: Uint8Array;
  /** Sent on the bulk lane: its whole length counts against the credit. */
  bulk: boolean;
}

/** A session message of a type this version does not know: a newer peer's. It is ignored, never an error. */
export interface UnknownMessage {
  type: 'unknown';
  typeCode: number;
}

export type DecodedMessage = SessionMessage | ChannelFrame | UnknownMessage;
