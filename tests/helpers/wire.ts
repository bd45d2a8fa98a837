/**
 * The whole wire as a session that speaks the base channel (chat) sees it: the session's codec, then the chat
 * channel's codec for what the session hands to the base channel. Tests and raw hostile clients speak this.
 */
import { decodeChat, encodeChat } from '../../electron/core/features/chat/codec';
import { ChatType, type ChatWireMessage } from '../../electron/core/features/chat/messages';
import { decodeMessage as decodeSession, encodeChannelFrame, encodeMessage as encodeSession } from '../../shared/protocol/codec';
import { MessageType as SessionType, type SessionMessage } from '../../shared/protocol/messages';

export type PeerMessage = SessionMessage | ChatWireMessage;
/** A message neither the session nor the chat channel knows (a newer peer's), or another channel's frame. */
export interface UnknownMessage {
  type: 'unknown';
  typeCode: number;
}
export type DecodedMessage = PeerMessage | UnknownMessage;

export const MessageType = { ...SessionType, ...ChatType } as const;

const CHAT_TYPES: ReadonlySet<string> = new Set(['chat', 'ack', 'typing', 'read']);

function isChat(message: PeerMessage): message is ChatWireMessage {
  return CHAT_TYPES.has(message.type);
}

export function encodeMessage(message: PeerMessage): Uint8Array {
  return isChat(message) ? encodeChannelFrame(null, encodeChat(message)) : encodeSession(message);
}

export function decodeMessage(bytes: Uint8Array): DecodedMessage {
  const decoded = decodeSession(bytes);
  if (decoded.type !== 'channel') return decoded;
  if (decoded.index !== null) return { type: 'unknown', typeCode: MessageType.Channel };
  return (decodeChat(decoded.payload) as ChatWireMessage | null) ?? { type: 'unknown', typeCode: bytes[0]! };
}
