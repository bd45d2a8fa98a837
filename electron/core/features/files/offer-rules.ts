/**
 * What a receiver checks in a peer's offer, without any I/O: the offer's parts fit together, the algorithm is one
 * this version speaks, every size is a whole number of bytes that adds up, every item is a plain file, and the
 * names pass names.ts. Each refusal is a sentence; the offer is declined with it and nothing is written.
 */
import { HASH_ALGORITHM, MAX_FILE_BYTES, MAX_OFFER_ITEMS } from '../../../../shared/files/limits';
import { checkOfferPaths } from '../../../../shared/files/names';
import type { OfferItem, OfferPart } from './messages';

/** Block sizes a receiver takes: the digest of a block is checked as it streams, so only the bounds matter. */
const MIN_BLOCK_BYTES = 1024;
const MAX_BLOCK_BYTES = 16 * 1024 * 1024;

/** An offer being put together from its parts. */
export interface OfferAssembly {
  header: Omit<OfferPart, 'items' | 'first' | 'last' | 'type'>;
  items: OfferItem[];
}

export type PartVerdict = { kind: 'more'; assembly: OfferAssembly } | { kind: 'complete'; assembly: OfferAssembly } | { kind: 'refuse'; reason: string };

/** Adds one part to what came before of the same offer (`assembly` undefined for the first part). */
export function addOfferPart(assembly: OfferAssembly | undefined, part: OfferPart): PartVerdict {
  if (part.itemCount > MAX_OFFER_ITEMS) return { kind: 'refuse', reason: `the offer has ${part.itemCount} files; at most ${MAX_OFFER_ITEMS} go in one offer` };
  const received = assembly?.items.length ?? 0;
  if (part.first !== received) return { kind: 'refuse', reason: `offer part starting at file ${part.first + 1} came where file ${received + 1} was due` };
  if (assembly && (assembly.header.itemCount !== part.itemCount || assembly.header.totalBytes !== part.totalBytes || assembly.header.blockBytes !== part.blockBytes || assembly.header.algorithm !== part.algorithm)) {
    return { kind: 'refuse', reason: 'the parts of the offer do not agree' };
  }
  const next: OfferAssembly = assembly ?? { header: { transfer: part.transfer, algorithm: part.algorithm, blockBytes: part.blockBytes, itemCount: part.itemCount, totalBytes: part.totalBytes }, items: [] };
  if (received + part.items.length > part.itemCount) return { kind: 'refuse', reason: `the offer announced ${part.itemCount} files and sent more` };
  next.items.push(...part.items);
  if (!part.last) return { kind: 'more', assembly: next };
  if (next.items.length !== part.itemCount) return { kind: 'refuse', reason: `the offer announced ${part.itemCount} files and sent ${next.items.length}` };
  return { kind: 'complete', assembly: next };
}

/** A complete offer's contents: null when it may be shown to the person, else why not. */
export function judgeOffer({ header, items }: OfferAssembly): string | null {
  if (header.algorithm !== HASH_ALGORITHM) return `the offer uses the integrity check "${header.algorithm}", and this Peerline speaks ${HASH_ALGORITHM}`;
  if (header.blockBytes < MIN_BLOCK_BYTES || header.blockBytes > MAX_BLOCK_BYTES) return `blocks of ${header.blockBytes} bytes are outside ${MIN_BLOCK_BYTES}–${MAX_BLOCK_BYTES}`;
  if (items.length === 0) return 'the offer has no file';
  let total = 0;
  for (const [index, item] of items.entries()) {
    if (item.kind !== 0) return `item ${index + 1} is a symbolic link or another kind of entry that is not a file`;
    if (!Number.isSafeInteger(item.size) || item.size < 0 || item.size > MAX_FILE_BYTES) return `item ${index + 1} declares ${item.size} bytes, which is no size of a file`;
    total += item.size;
    if (total > MAX_FILE_BYTES) return 'the offer’s sizes add up to more than can be counted exactly';
  }
  if (total !== header.totalBytes) return `the offer declares ${header.totalBytes} bytes in all and its files add up to ${total}`;
  const names = checkOfferPaths(items.map((item) => item.path));
  return names.ok ? null : names.reason;
}
