/**
 * The `files/1` channel's codec. Fields after the type code (wire.ts), `transfer` being 16 bytes:
 *
 *   offer    transfer, str8 algorithm, u32 blockBytes, u32 itemCount, f64 totalBytes, u32 first, u8 last,
 *            u16 count, count × (u8 kind, f64 size, str16 path)
 *   accept   transfer
 *   decline  transfer, str16 reason
 *   want     transfer, u32 epoch, u16 count, count × (u32 item, u32 block, u32 count)
 *   chunk    transfer, u32 epoch, u32 item, f64 offset, the rest: data          (bulk lane)
 *   block    transfer, u32 epoch, u32 item, u32 block, 32-byte SHA-256         (bulk lane)
 *   end      transfer, u32 epoch, u32 item, 32-byte digest                     (bulk lane)
 *   done     transfer
 *   cancel   transfer, str16 reason
 *   pause    transfer, u8 paused, str16 reason
 *
 * Sizes, offsets and counts are decoded as numbers and judged by the feature, which refuses a bad one with a
 * sentence and goes on; only bytes that do not parse close the session.
 */
import { MAX_REASON_BYTES } from '../../../../shared/protocol/limits';
import { checkUint, encodeText, MessageWriter, ProtocolError, readerOf, textSize, TYPE_BYTES, U16_MAX, U32_MAX, type MessageReader, type TextField } from '../../../../shared/protocol/wire';
import { DIGEST_BYTES, MAX_PATH_BYTES } from '../../../../shared/files/limits';
import type { ChannelSpec } from '../../channels';
import { FilesType, type FilesMessage, type OfferItem } from './messages';

const FILES_CHANNEL_NAME = 'files/1';
const TRANSFER_ID_BYTES = 16;

const ALGORITHM: TextField = { label: 'offer algorithm', maxBytes: 64, lengthPrefixBytes: 1 };
const PATH: TextField = { label: 'offer path', maxBytes: MAX_PATH_BYTES, lengthPrefixBytes: 2 };
const REASON: TextField = { label: 'files reason', maxBytes: MAX_REASON_BYTES, lengthPrefixBytes: 2 };
const WANT_RANGE_BYTES = 12;
const ITEM_FIXED_BYTES = 1 + 8;

/** The encoded size of one offer item: the sender packs items into parts by it. */
export function offerItemBytes(item: OfferItem): number {
  return ITEM_FIXED_BYTES + textSize(PATH, encodeText(PATH, item.path));
}
export const OFFER_HEADER_BYTES = TYPE_BYTES + TRANSFER_ID_BYTES + 1 + 64 + 4 + 4 + 8 + 4 + 1 + 2;

function transferWriter(bytes: number, type: FilesType, transfer: Uint8Array): MessageWriter {
  if (transfer.byteLength !== TRANSFER_ID_BYTES) throw new RangeError(`transfer id has ${transfer.byteLength} bytes, not ${TRANSFER_ID_BYTES}`);
  const writer = new MessageWriter(TYPE_BYTES + TRANSFER_ID_BYTES + bytes, type);
  writer.raw(transfer);
  return writer;
}

function withReason(type: FilesType, transfer: Uint8Array, reason: string, prefix?: number): Uint8Array {
  const text = encodeText(REASON, reason);
  const writer = transferWriter((prefix === undefined ? 0 : 1) + textSize(REASON, text), type, transfer);
  if (prefix !== undefined) writer.u8(prefix);
  writer.text(REASON, text);
  return writer.bytes;
}

/** `block` and `end`: the epoch, the item, for a block its index, then the digest. */
function digestMessage(type: FilesType, msg: { transfer: Uint8Array; epoch: number; item: number; digest: Uint8Array }, block?: number): Uint8Array {
  if (msg.digest.byteLength !== DIGEST_BYTES) throw new RangeError(`digest has ${msg.digest.byteLength} bytes, not ${DIGEST_BYTES}`);
  const writer = transferWriter(4 + 4 + (block === undefined ? 0 : 4) + DIGEST_BYTES, type, msg.transfer);
  writer.u32(msg.epoch);
  writer.u32(msg.item);
  if (block !== undefined) writer.u32(block);
  writer.raw(msg.digest);
  return writer.bytes;
}

/** A chunk as its head (type, transfer, epoch, item, offset) and its data, which is not copied here. */
function chunkParts(msg: Extract<FilesMessage, { type: 'chunk' }>): [Uint8Array, Uint8Array] {
  const writer = transferWriter(4 + 4 + 8, FilesType.Chunk, msg.transfer);
  writer.u32(msg.epoch);
  writer.u32(msg.item);
  writer.f64(msg.offset);
  return [writer.bytes, msg.data];
}

/** What the bulk lane frames with one copy (see ChannelCodec.encodeParts). */
export function encodeFilesParts(msg: FilesMessage): readonly Uint8Array[] {
  return msg.type === 'chunk' ? chunkParts(msg) : [encodeFiles(msg)];
}

export function encodeFiles(msg: FilesMessage): Uint8Array {
  switch (msg.type) {
    case 'offer': {
      const algorithm = encodeText(ALGORITHM, msg.algorithm).slice();
      const paths = msg.items.map((item) => encodeText(PATH, item.path).slice());
      checkUint(msg.items.length, U16_MAX, 'offer item count');
      const itemBytes = paths.reduce((sum, path) => sum + ITEM_FIXED_BYTES + textSize(PATH, path), 0);
      const writer = transferWriter(textSize(ALGORITHM, algorithm) + 4 + 4 + 8 + 4 + 1 + 2 + itemBytes, FilesType.Offer, msg.transfer);
      writer.text(ALGORITHM, algorithm);
      writer.u32(msg.blockBytes);
      writer.u32(msg.itemCount);
      writer.f64(msg.totalBytes);
      writer.u32(msg.first);
      writer.u8(msg.last ? 1 : 0);
      writer.u16(msg.items.length);
      msg.items.forEach((item, i) => {
        writer.u8(item.kind);
        writer.f64(item.size);
        writer.text(PATH, paths[i]!);
      });
      return writer.bytes;
    }
    case 'accept':
      return transferWriter(0, FilesType.Accept, msg.transfer).bytes;
    case 'done':
      return transferWriter(0, FilesType.Done, msg.transfer).bytes;
    case 'decline':
      return withReason(FilesType.Decline, msg.transfer, msg.reason);
    case 'cancel':
      return withReason(FilesType.Cancel, msg.transfer, msg.reason);
    case 'pause':
      return withReason(FilesType.Pause, msg.transfer, msg.reason, msg.paused ? 1 : 0);
    case 'want': {
      checkUint(msg.ranges.length, U16_MAX, 'want range count');
      const writer = transferWriter(4 + 2 + msg.ranges.length * WANT_RANGE_BYTES, FilesType.Want, msg.transfer);
      writer.u32(msg.epoch);
      writer.u16(msg.ranges.length);
      for (const range of msg.ranges) {
        checkUint(range.item, U32_MAX, 'want item');
        checkUint(range.block, U32_MAX, 'want block');
        checkUint(range.count, U32_MAX, 'want count');
        writer.u32(range.item);
        writer.u32(range.block);
        writer.u32(range.count);
      }
      return writer.bytes;
    }
    case 'chunk': {
      const [head, data] = chunkParts(msg);
      const bytes = new Uint8Array(head.byteLength + data.byteLength);
      bytes.set(head);
      bytes.set(data, head.byteLength);
      return bytes;
    }
    case 'block':
      return digestMessage(FilesType.Block, msg, msg.block);
    case 'end':
      return digestMessage(FilesType.End, msg);
  }
}

function readItems(reader: MessageReader): OfferItem[] {
  const count = reader.u16('offer item count');
  const items: OfferItem[] = [];
  for (let i = 0; i < count; i++) {
    const kind = reader.u8('offer item kind');
    const size = reader.f64('offer item size');
    items.push({ kind, size, path: reader.text(PATH) });
  }
  return items;
}

/** One `files/1` message; null for a type code this version does not know. Bytes are copies where kept. */
export function decodeFiles(bytes: Uint8Array): FilesMessage | null {
  const { typeCode, reader } = readerOf(bytes);
  if (typeCode < FilesType.Offer || typeCode > FilesType.Pause) return null;
  const transfer = reader.copy(TRANSFER_ID_BYTES, 'transfer id');
  let message: FilesMessage;
  switch (typeCode as FilesType) {
    case FilesType.Offer: {
      const algorithm = reader.text(ALGORITHM);
      const blockBytes = reader.u32('offer block size');
      const itemCount = reader.u32('offer item count');
      const totalBytes = reader.f64('offer total');
      const first = reader.u32('offer first item');
      const last = reader.u8('offer last flag');
      if (last > 1) throw new ProtocolError(`offer last flag ${last} is neither 0 nor 1`);
      message = { type: 'offer', transfer, algorithm, blockBytes, itemCount, totalBytes, first, last: last === 1, items: readItems(reader) };
      break;
    }
    case FilesType.Accept:
      message = { type: 'accept', transfer };
      break;
    case FilesType.Done:
      message = { type: 'done', transfer };
      break;
    case FilesType.Decline:
      message = { type: 'decline', transfer, reason: reader.text(REASON) };
      break;
    case FilesType.Cancel:
      message = { type: 'cancel', transfer, reason: reader.text(REASON) };
      break;
    case FilesType.Pause: {
      const paused = reader.u8('pause flag');
      if (paused > 1) throw new ProtocolError(`pause flag ${paused} is neither 0 nor 1`);
      message = { type: 'pause', transfer, paused: paused === 1, reason: reader.text(REASON) };
      break;
    }
    case FilesType.Want: {
      const epoch = reader.u32('want epoch');
      const count = reader.u16('want range count');
      const ranges = [];
      for (let i = 0; i < count; i++) ranges.push({ item: reader.u32('want item'), block: reader.u32('want block'), count: reader.u32('want count') });
      message = { type: 'want', transfer, epoch, ranges };
      break;
    }
    case FilesType.Chunk: {
      const epoch = reader.u32('chunk epoch');
      const item = reader.u32('chunk item');
      const offset = reader.f64('chunk offset');
      // A view of the frame: it is written to disk and hashed, then dropped.
      return { type: 'chunk', transfer, epoch, item, offset, data: reader.rest() };
    }
    case FilesType.Block:
      message = { type: 'block', transfer, epoch: reader.u32('block epoch'), item: reader.u32('block item'), block: reader.u32('block index'), digest: reader.copy(DIGEST_BYTES, 'block digest') };
      break;
    case FilesType.End:
      message = { type: 'end', transfer, epoch: reader.u32('end epoch'), item: reader.u32('end item'), digest: reader.copy(DIGEST_BYTES, 'end digest') };
      break;
  }
  reader.end(message.type);
  return message;
}

/** `files/1`: offers, answers and the blocks of files; not spoken with plain-text peers. */
export const FILES_CHANNEL: ChannelSpec<FilesMessage> = {
  name: FILES_CHANNEL_NAME,
  codec: { encode: encodeFiles, encodeParts: encodeFilesParts, decode: decodeFiles },
};
