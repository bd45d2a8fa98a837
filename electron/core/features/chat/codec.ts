/**
 * The chat channel's codec and its line adapter for plain-text peers. Fields after the type code (wire.ts):
 *
 *   chat    16-byte id, f64 sentAt, str32 text
 *   ack     u16 count, count × 16-byte id
 *   typing  u8 0 | 1
 *   read    16-byte id (upTo)
 */
import { MAX_ACK_IDS, MAX_TEXT_BYTES, MESSAGE_ID_BYTES } from '../../../../shared/protocol/limits';
import { BASE_CHANNEL } from '../../../../shared/protocol/messages';
import {
  checkMessageId,
  encodeText,
  isValidTimestamp,
  MessageWriter,
  ProtocolError,
  readerOf,
  SENT_AT_RULE,
  textSize,
  TYPE_BYTES,
  type TextField,
} from '../../../../shared/protocol/wire';
import type { ChannelSpec } from '../../channels';
import { ChatType, type ChatChannelMessage } from './messages';

const CHAT_TEXT: TextField = { label: 'chat text', maxBytes: MAX_TEXT_BYTES, lengthPrefixBytes: 4 };
const ACK_COUNT_RULE = `it must carry 1 to ${MAX_ACK_IDS}`;

export function encodeChat(msg: ChatChannelMessage): Uint8Array {
  switch (msg.type) {
    case 'chat': {
      checkMessageId(msg.id, 'chat id');
      if (!isValidTimestamp(msg.sentAt)) throw new RangeError(`chat sentAt ${msg.sentAt} is not ${SENT_AT_RULE}`);
      const text = encodeText(CHAT_TEXT, msg.text); // a view of the scratch, copied into the message below
      const writer = new MessageWriter(TYPE_BYTES + MESSAGE_ID_BYTES + 8 + textSize(CHAT_TEXT, text), ChatType.Chat);
      writer.raw(msg.id);
      writer.f64(msg.sentAt);
      writer.text(CHAT_TEXT, text);
      return writer.bytes;
    }
    case 'ack': {
      if (msg.ids.length < 1 || msg.ids.length > MAX_ACK_IDS) throw new RangeError(`ack carries ${msg.ids.length} ids; ${ACK_COUNT_RULE}`);
      for (const id of msg.ids) checkMessageId(id, 'ack id');
      const writer = new MessageWriter(TYPE_BYTES + 2 + msg.ids.length * MESSAGE_ID_BYTES, ChatType.Ack);
      writer.u16(msg.ids.length);
      for (const id of msg.ids) writer.raw(id);
      return writer.bytes;
    }
    case 'typing': {
      const writer = new MessageWriter(TYPE_BYTES + 1, ChatType.Typing);
      writer.u8(msg.active ? 1 : 0);
      return writer.bytes;
    }
    case 'read': {
      checkMessageId(msg.upTo, 'read id');
      const writer = new MessageWriter(TYPE_BYTES + MESSAGE_ID_BYTES, ChatType.Read);
      writer.raw(msg.upTo);
      return writer.bytes;
    }
    case 'line':
      throw new TypeError('a plain-text line has no encoding on a secure session');
  }
}

/** Decodes one chat-channel message; ids are copies, so the result does not pin the input buffer. */
export function decodeChat(bytes: Uint8Array): ChatChannelMessage | null {
  const { typeCode, reader } = readerOf(bytes);
  switch (typeCode) {
    case ChatType.Chat: {
      const id = reader.copy(MESSAGE_ID_BYTES, 'chat id');
      const sentAt = reader.f64('chat sentAt');
      if (!isValidTimestamp(sentAt)) throw new ProtocolError(`chat sentAt ${sentAt} is not ${SENT_AT_RULE}`);
      const text = reader.text(CHAT_TEXT);
      reader.end('chat');
      return { type: 'chat', id, sentAt, text };
    }
    case ChatType.Ack: {
      const count = reader.u16('ack count');
      if (count < 1 || count > MAX_ACK_IDS) throw new ProtocolError(`ack carries ${count} ids; ${ACK_COUNT_RULE}`);
      const ids: Uint8Array[] = [];
      for (let i = 0; i < count; i++) ids.push(reader.copy(MESSAGE_ID_BYTES, 'ack id'));
      reader.end('ack');
      return { type: 'ack', ids };
    }
    case ChatType.Typing: {
      const active = reader.u8('typing flag');
      if (active > 1) throw new ProtocolError(`typing flag ${active} is neither 0 nor 1`);
      reader.end('typing');
      return { type: 'typing', active: active === 1 };
    }
    case ChatType.Read: {
      const upTo = reader.copy(MESSAGE_ID_BYTES, 'read id');
      reader.end('read');
      return { type: 'read', upTo };
    }
    default:
      return null;
  }
}

/** `chat/1`: text, acknowledgements, typing and read receipts; with plain-text peers, lines of text. */
export const CHAT_CHANNEL: ChannelSpec<ChatChannelMessage> = {
  name: BASE_CHANNEL,
  codec: { encode: encodeChat, decode: decodeChat },
  plainText: {
    fromLine: (text) => ({ type: 'line', text }),
    toLine: (message) => (message.type === 'chat' ? message.text : null),
  },
};
