/**
 * The messages of the chat channel (`chat/1`). It is the base channel: its messages travel with no channel
 * header, with the type codes Peerline 0.1 gave them, so that release still chats with this one.
 */
export const ChatType = {
  Chat: 2,
  Ack: 3,
  Typing: 4,
  Read: 8,
} as const;

export interface ChatMessage {
  type: 'chat';
  /** 16 bytes: see `MESSAGE_ID_BYTES`. Plain-text lines have none. */
  id: Uint8Array;
  /** Sender's clock, milliseconds since the epoch. */
  sentAt: number;
  text: string;
}

/** A line from a plain-text peer: text, and nothing else to know. */
export interface LineMessage {
  type: 'line';
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

/** A read receipt: the reader has read every message of ours up to and including `upTo`. */
export interface ReadMessage {
  type: 'read';
  /** 16 bytes: the id of the newest of our messages the reader has read. */
  upTo: Uint8Array;
}

export type ChatWireMessage = ChatMessage | AckMessage | TypingMessage | ReadMessage;
/** What the chat channel carries: the wire's messages, and a plain-text peer's lines. */
export type ChatChannelMessage = ChatWireMessage | LineMessage;
