/**
 * The messages of a secure session, after the Noise handshake. Each secret-stream message carries exactly one
 * of these, encoded by `codec.ts`. Ids and keys travel as bytes; text as UTF-8.
 */

export const MessageType = {
  Hello: 1,
  Chat: 2,
  Ack: 3,
  Typing: 4,
  Ping: 5,
  Pong: 6,
  Bye: 7,
  Read: 8,
} as const;

export interface HelloMessage {
  type: 'hello';
  protocolVersion: number;
  name: string;
  appVersion: string;
  /** The port this peer listens on (0 when it does not), so the other side can dial back later. */
  listenPort: number;
  capabilities: string[];
}

export interface ChatMessage {
  type: 'chat';
  /** 16 bytes: see `MESSAGE_ID_BYTES`. */
  id: Uint8Array;
  /** Sender's clock, milliseconds since the epoch. */
  sentAt: number;
  text: string;
}

export interface AckMessage {
  type: 'ack';
  ids: Uint8Array[];
}

export interface TypingMessage {
  type: 'typing';
  active: boolean;
}

export interface PingMessage {
  type: 'ping';
  nonce: number;
}

export interface PongMessage {
  type: 'pong';
  nonce: number;
}

/** A read receipt: the reader has read every message of ours up to and including `upTo`. */
export interface ReadMessage {
  type: 'read';
  /** 16 bytes: the id of the newest of our messages the reader has read. */
  upTo: Uint8Array;
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

/** A message of a type this version does not know: a newer peer's. It is ignored, never an error. */
export interface UnknownMessage {
  type: 'unknown';
  typeCode: number;
}

export type PeerMessage =
  | HelloMessage
  | ChatMessage
  | AckMessage
  | TypingMessage
  | PingMessage
  | PongMessage
  | ByeMessage
  | ReadMessage;

export type DecodedMessage = PeerMessage | UnknownMessage;
