/**
 * The `group/1` channel: group envelopes, "latest sequence per author" (with the ids asked for), and delivery
 * receipts. Fields after the type code (wire.ts, little-endian):
 *
 *   envelopes  group 32 · u16 count · count × (u32 length · carried envelope)
 *   heads      group 32 · u16 count · count × (author 32 · u32 seq) · u16 wants · wants × id 32
 *   receipts   group 32 · u16 count · count × (member 32 · author 32 · u32 seq)
 *   links      group 32 · u16 count · count × member 32   (the members the sender is connected to now)
 *
 * The envelopes themselves are checked by the group engine (signature, links, membership), not here.
 */
import { toHex } from '../../../../shared/bytes';
import { MAX_MESSAGE_BYTES } from '../../../../shared/protocol/limits';
import { MessageWriter, ProtocolError, readerOf, TYPE_BYTES, type MessageReader } from '../../../../shared/protocol/wire';
import type { ChannelSpec } from '../../channels';
import { HASH_BYTES, KEY_BYTES, keyFromHex, MAX_CARRIED_ENVELOPE_BYTES } from './engine/envelope';

export const GROUP_CHANNEL_NAME = 'group/1';
/** Authors listed in one `heads` (everyone who ever wrote in a group of at most a few dozen members). */
export const MAX_HEADS_AUTHORS = 1024;
/** Ids asked for in one `heads`. */
export const MAX_WANTS = 256;
/** Receipts in one message. */
export const MAX_RECEIPTS = 1024;
/** Members listed in one `links`. */
export const MAX_LINKS = 256;
/** Envelopes in one message. */
export const MAX_ENVELOPES_PER_MESSAGE = 512;

const GroupType = { Envelopes: 1, Heads: 2, Receipts: 3, Links: 4 } as const;

export interface Receipt {
  member: string;
  author: string;
  seq: number;
}

export type GroupChannelMessage =
  | { type: 'envelopes'; group: string; items: Uint8Array[] }
  | { type: 'heads'; group: string; seqs: Array<[string, number]>; wants: string[] }
  | { type: 'receipts'; group: string; receipts: Receipt[] }
  | { type: 'links'; group: string; members: string[] };

function checkCount(count: number, max: number, what: string) {
  if (!Number.isInteger(count) || count < 0 || count > max) throw new RangeError(`${count} ${what}; at most ${max}`);
}

export function encodeGroup(message: GroupChannelMessage): Uint8Array {
  const group = keyFromHex(message.group, 'group id');
  switch (message.type) {
    case 'envelopes': {
      checkCount(message.items.length, MAX_ENVELOPES_PER_MESSAGE, 'envelopes');
      const size = TYPE_BYTES + KEY_BYTES + 2 + message.items.reduce((sum, item) => sum + 4 + item.length, 0);
      if (size > MAX_MESSAGE_BYTES) throw new RangeError(`a batch of ${size} bytes is larger than a message`);
      const writer = new MessageWriter(size, GroupType.Envelopes);
      writer.raw(group);
      writer.u16(message.items.length);
      for (const item of message.items) {
        writer.u32(item.length);
        writer.raw(item);
      }
      return writer.bytes;
    }
    case 'heads': {
      checkCount(message.seqs.length, MAX_HEADS_AUTHORS, 'authors');
      checkCount(message.wants.length, MAX_WANTS, 'wants');
      const writer = new MessageWriter(TYPE_BYTES + KEY_BYTES + 2 + message.seqs.length * (KEY_BYTES + 4) + 2 + message.wants.length * HASH_BYTES, GroupType.Heads);
      writer.raw(group);
      writer.u16(message.seqs.length);
      for (const [author, seq] of message.seqs) {
        writer.raw(keyFromHex(author, 'author'));
        writer.u32(seq);
      }
      writer.u16(message.wants.length);
      for (const id of message.wants) writer.raw(keyFromHex(id, 'wanted id'));
      return writer.bytes;
    }
    case 'receipts': {
      checkCount(message.receipts.length, MAX_RECEIPTS, 'receipts');
      const writer = new MessageWriter(TYPE_BYTES + KEY_BYTES + 2 + message.receipts.length * (2 * KEY_BYTES + 4), GroupType.Receipts);
      writer.raw(group);
      writer.u16(message.receipts.length);
      for (const receipt of message.receipts) {
        writer.raw(keyFromHex(receipt.member, 'member'));
        writer.raw(keyFromHex(receipt.author, 'author'));
        writer.u32(receipt.seq);
      }
      return writer.bytes;
    }
    case 'links': {
      checkCount(message.members.length, MAX_LINKS, 'links');
      const writer = new MessageWriter(TYPE_BYTES + KEY_BYTES + 2 + message.members.length * KEY_BYTES, GroupType.Links);
      writer.raw(group);
      writer.u16(message.members.length);
      for (const member of message.members) writer.raw(keyFromHex(member, 'member'));
      return writer.bytes;
    }
  }
}

function readCount(reader: MessageReader, max: number, what: string): number {
  const count = reader.u16(`${what} count`);
  if (count > max) throw new ProtocolError(`${count} ${what} in one message; at most ${max}`);
  return count;
}

const key = (reader: MessageReader, label: string) => toHex(reader.copy(KEY_BYTES, label));

export function decodeGroup(bytes: Uint8Array): GroupChannelMessage | null {
  const { typeCode, reader } = readerOf(bytes);
  switch (typeCode) {
    case GroupType.Envelopes: {
      const group = key(reader, 'group id');
      const count = readCount(reader, MAX_ENVELOPES_PER_MESSAGE, 'envelopes');
      const items: Uint8Array[] = [];
      for (let i = 0; i < count; i++) {
        const length = reader.u32('envelope length');
        if (length > MAX_CARRIED_ENVELOPE_BYTES) throw new ProtocolError(`an envelope of ${length} bytes is larger than any`);
        items.push(reader.copy(length, 'envelope'));
      }
      reader.end('envelopes');
      return { type: 'envelopes', group, items };
    }
    case GroupType.Heads: {
      const group = key(reader, 'group id');
      const seqs: Array<[string, number]> = [];
      for (let i = readCount(reader, MAX_HEADS_AUTHORS, 'authors'); i > 0; i--) seqs.push([key(reader, 'author'), reader.u32('seq')]);
      const wants: string[] = [];
      for (let i = readCount(reader, MAX_WANTS, 'wants'); i > 0; i--) wants.push(key(reader, 'wanted id'));
      reader.end('heads');
      return { type: 'heads', group, seqs, wants };
    }
    case GroupType.Receipts: {
      const group = key(reader, 'group id');
      const receipts: Receipt[] = [];
      for (let i = readCount(reader, MAX_RECEIPTS, 'receipts'); i > 0; i--) receipts.push({ member: key(reader, 'member'), author: key(reader, 'author'), seq: reader.u32('seq') });
      reader.end('receipts');
      return { type: 'receipts', group, receipts };
    }
    case GroupType.Links: {
      const group = key(reader, 'group id');
      const members: string[] = [];
      for (let i = readCount(reader, MAX_LINKS, 'links'); i > 0; i--) members.push(key(reader, 'member'));
      reader.end('links');
      return { type: 'links', group, members };
    }
    default:
      return null;
  }
}

export const GROUP_CHANNEL: ChannelSpec<GroupChannelMessage> = {
  name: GROUP_CHANNEL_NAME,
  codec: { encode: encodeGroup, decode: decodeGroup },
};
