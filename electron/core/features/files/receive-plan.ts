/**
 * The receiving side of one transfer, without any I/O: which blocks to ask for, what the next bulk message
 * must be, whether a block's bytes match its digest and a file's blocks its digest. The feature writes what
 * this says to write, syncs, records, and sends the wants it returns.
 *
 * The sender serves wants in order, so within one epoch the receiver knows exactly what comes next: the chunks
 * of the first block asked for and not yet received, from its first byte to its last, then that block's digest,
 * then (after a file's last block) the file's digest. Anything else in the current epoch is a lying or broken
 * sender and fails the transfer with a sentence; anything from an older epoch is dropped unread.
 */
import { createHash, type Hash } from 'node:crypto';
import { MAX_BLOCK_RETRIES, MAX_WANT_AHEAD_BLOCKS, WANT_AHEAD_BYTES } from '../../../../shared/files/limits';
import type { WantRange } from './messages';

export interface PlanItem {
  readonly path: string;
  readonly size: number;
}

export type ChunkVerdict = { kind: 'stale' } | { kind: 'write'; item: number; offset: number } | { kind: 'fail'; reason: string };
export type BlockVerdict =
  | { kind: 'stale' }
  | { kind: 'verified'; item: number; block: number; digest: Uint8Array; bytes: number }
  | { kind: 'retry'; item: number; block: number; reason: string }
  | { kind: 'fail'; reason: string };
export type EndVerdict = { kind: 'stale' } | { kind: 'wait' } | { kind: 'complete'; item: number } | { kind: 'fail'; reason: string };

interface Assembly {
  item: number;
  block: number;
  next: number;
  end: number;
  hash: Hash;
}

export function blockCountOf(size: number, blockBytes: number): number {
  return Math.max(1, Math.ceil(size / blockBytes));
}

/** A file's digest: the SHA-256 of its blocks' SHA-256s, in order. */
export function fileDigest(blockDigests: readonly Uint8Array[]): Uint8Array {
  const hash = createHash('sha256');
  for (const digest of blockDigests) hash.update(digest);
  return hash.digest();
}

export class ReceivePlan {
  epoch = 0;
  /** Bytes of blocks verified (recorded or about to be). */
  verifiedBytes = 0;
  /** Bytes hashed by this plan (in this run), and of those the bytes of blocks that were verified already: a resume hashes none again. */
  hashedBytes = 0;
  rehashedBytes = 0;
  private readonly digests: Array<Array<Uint8Array | undefined>>;
  private readonly done: boolean[];
  private readonly verifiedCount: number[];
  /** Blocks asked for in this epoch and not yet received, in the order the sender serves them. */
  private outstanding: Array<{ item: number; block: number }> = [];
  private outstandingBytes = 0;
  private cursor = { item: 0, block: 0 };
  private assembly: Assembly | null = null;
  private readonly retries = new Map<string, number>();
  /** The item whose last block was the last block message received (its end may come now). */
  private lastBlockOf: number | null = null;

  constructor(
    readonly items: readonly PlanItem[],
    readonly blockBytes: number,
  ) {
    this.digests = items.map((item) => new Array(blockCountOf(item.size, blockBytes)));
    this.done = items.map(() => false);
    this.verifiedCount = items.map(() => 0);
  }

  /** A block verified in an earlier run (read back from the store): never asked for nor hashed again. */
  restoreBlock(item: number, block: number, digest: Uint8Array): void {
    const digests = this.digests[item];
    if (digests === undefined || block >= digests.length || digests[block] !== undefined) return;
    digests[block] = digest;
    this.verifiedCount[item]!++;
    this.verifiedBytes += this.blockSize(item, block);
  }

  /** Forgets the blocks restored for a file (its part file is gone): it is received again from its start. */
  forget(item: number): void {
    this.verifiedBytes -= this.verifiedBytesOf(item);
    this.digests[item] = new Array(this.digests[item]!.length);
    this.verifiedCount[item] = 0;
  }

  /** A block judged verified whose bytes could not be written (a full disk): it is asked for again later. */
  unverify(item: number, block: number): void {
    const digests = this.digests[item];
    if (digests?.[block] === undefined || this.done[item]) return;
    digests[block] = undefined;
    this.verifiedCount[item]!--;
    this.verifiedBytes -= this.blockSize(item, block);
  }

  /** A file finished in an earlier run (or just now). */
  markDone(item: number): void {
    if (this.done[item]) return;
    this.done[item] = true;
    this.verifiedBytes += this.items[item]!.size - this.verifiedBytesOf(item);
  }

  isDone(item: number): boolean {
    return this.done[item] === true;
  }

  get complete(): boolean {
    return this.done.every(Boolean);
  }

  get totalBytes(): number {
    return this.items.reduce((sum, item) => sum + item.size, 0);
  }

  /** Whether blocks were asked for and have not come yet (for stall detection). */
  get waiting(): boolean {
    return this.outstanding.length > 0;
  }

  /** Starts a new epoch: whatever was asked before is forgotten (and dropped if it still comes); the new wants. */
  restart(): { epoch: number; ranges: WantRange[] } {
    this.epoch++;
    this.outstanding = [];
    this.outstandingBytes = 0;
    this.assembly = null;
    this.lastBlockOf = null;
    this.cursor = { item: 0, block: 0 };
    return { epoch: this.epoch, ranges: this.more() };
  }

  /** More blocks to ask for in the current epoch, keeping WANT_AHEAD_BYTES (at most MAX_WANT_AHEAD_BLOCKS) asked for ahead of what came. */
  more(): WantRange[] {
    const ranges: WantRange[] = [];
    while (this.outstandingBytes < WANT_AHEAD_BYTES && this.outstanding.length < MAX_WANT_AHEAD_BLOCKS && this.cursor.item < this.items.length) {
      const { item, block } = this.cursor;
      const digests = this.digests[item]!;
      if (this.done[item] || block >= digests.length) {
        this.cursor = { item: item + 1, block: 0 };
        continue;
      }
      this.cursor = { item, block: block + 1 };
      // Every block verified and the file not in place (a restart came between): its last block is asked for
      // again, so that its digest and the file's come once more.
      const lastOfComplete = block === digests.length - 1 && this.verifiedCount[item] === digests.length;
      if (digests[block] !== undefined && !lastOfComplete) continue;
      this.ask(ranges, item, block);
    }
    return ranges;
  }

  private ask(ranges: WantRange[], item: number, block: number): void {
    this.outstanding.push({ item, block });
    this.outstandingBytes += this.blockSize(item, block);
    const last = ranges[ranges.length - 1];
    if (last && last.item === item && last.block + last.count === block) last.count++;
    else ranges.push({ item, block, count: 1 });
  }

  chunk(epoch: number, item: number, offset: number, byteLength: number): ChunkVerdict {
    if (epoch !== this.epoch) return { kind: 'stale' };
    const head = this.outstanding[0];
    const size = this.items[item]?.size;
    if (size === undefined) return { kind: 'fail', reason: `a chunk for file ${item + 1}, and the offer has ${this.items.length}` };
    if (!Number.isSafeInteger(offset) || offset < 0) return { kind: 'fail', reason: `a chunk at offset ${offset}, which is no byte offset` };
    if (offset + byteLength > size) return { kind: 'fail', reason: `a chunk beyond the declared size of ${this.items[item]!.path} (${offset + byteLength} > ${size})` };
    if (head === undefined || head.item !== item) return { kind: 'fail', reason: `a chunk of ${this.items[item]!.path} that was not asked for` };
    const assembly = this.assemblyOf(head.item, head.block);
    if (offset < assembly.start || offset >= assembly.end) return { kind: 'fail', reason: `a chunk of ${this.items[item]!.path} at ${offset}, outside the block asked for` };
    if (offset < assembly.next) return { kind: 'fail', reason: `a chunk of ${this.items[item]!.path} at ${offset} overlaps bytes already received (up to ${assembly.next})` };
    if (offset > assembly.next) return { kind: 'fail', reason: `a chunk of ${this.items[item]!.path} at ${offset} skips bytes from ${assembly.next}` };
    if (offset + byteLength > assembly.end) return { kind: 'fail', reason: `a chunk of ${this.items[item]!.path} crosses the end of its block` };
    if (byteLength === 0) return { kind: 'fail', reason: 'an empty chunk' };
    assembly.next += byteLength;
    return { kind: 'write', item, offset };
  }

  /** The bytes of the chunk just judged `write`: hashed for its block. */
  hash(data: Uint8Array): void {
    const assembly = this.assembly!;
    assembly.hash.update(data);
    this.hashedBytes += data.byteLength;
    if (this.done[assembly.item] || this.digests[assembly.item]![assembly.block] !== undefined) this.rehashedBytes += data.byteLength;
  }

  block(epoch: number, item: number, block: number, digest: Uint8Array): BlockVerdict {
    if (epoch !== this.epoch) return { kind: 'stale' };
    const head = this.outstanding[0];
    if (head === undefined || head.item !== item || head.block !== block) {
      return { kind: 'fail', reason: `the digest of block ${block + 1} of ${this.nameOf(item)}, which was not the block asked for` };
    }
    const assembly = this.assemblyOf(item, block);
    if (assembly.next !== assembly.end) return { kind: 'fail', reason: `the digest of block ${block + 1} of ${this.nameOf(item)} before all its bytes` };
    this.outstanding.shift();
    this.outstandingBytes -= this.blockSize(item, block);
    this.assembly = null;
    this.lastBlockOf = block === this.digests[item]!.length - 1 ? item : null;
    const actual = assembly.hash.digest();
    if (!Buffer.from(actual).equals(digest)) {
      const key = `${item}:${block}`;
      const tries = (this.retries.get(key) ?? 0) + 1;
      this.retries.set(key, tries);
      if (tries > MAX_BLOCK_RETRIES) return { kind: 'fail', reason: `block ${block + 1} of ${this.nameOf(item)} did not match its digest ${tries} times; the partial file is kept` };
      this.outstanding.push({ item, block });
      this.outstandingBytes += this.blockSize(item, block);
      return { kind: 'retry', item, block, reason: `block ${block + 1} of ${this.nameOf(item)} did not match its digest: asked again` };
    }
    const bytes = assembly.end - assembly.start;
    if (this.digests[item]![block] === undefined) {
      this.digests[item]![block] = actual;
      this.verifiedCount[item]!++;
      this.verifiedBytes += bytes;
    }
    return { kind: 'verified', item, block, digest: actual, bytes };
  }

  end(epoch: number, item: number, digest: Uint8Array): EndVerdict {
    if (epoch !== this.epoch) return { kind: 'stale' };
    if (this.lastBlockOf !== item) return { kind: 'fail', reason: `the end of ${this.nameOf(item)} before all its bytes` };
    this.lastBlockOf = null;
    const digests = this.digests[item]!;
    if (this.verifiedCount[item] !== digests.length) return { kind: 'wait' }; // a block is being asked for again
    if (!Buffer.from(fileDigest(digests as Uint8Array[])).equals(digest)) {
      return { kind: 'fail', reason: `the digest of ${this.nameOf(item)} does not match its blocks; the partial file is kept` };
    }
    return { kind: 'complete', item };
  }

  private nameOf(item: number): string {
    return this.items[item]?.path ?? `file ${item + 1}`;
  }

  private blockSize(item: number, block: number): number {
    const start = block * this.blockBytes;
    return Math.min(this.blockBytes, this.items[item]!.size - start);
  }

  private verifiedBytesOf(item: number): number {
    let bytes = 0;
    this.digests[item]!.forEach((digest, block) => {
      if (digest !== undefined) bytes += this.blockSize(item, block);
    });
    return bytes;
  }

  private assemblyOf(item: number, block: number): Assembly & { start: number } {
    const start = block * this.blockBytes;
    if (this.assembly === null || this.assembly.item !== item || this.assembly.block !== block) {
      this.assembly = { item, block, next: start, end: start + this.blockSize(item, block), hash: createHash('sha256') };
    }
    return Object.assign(this.assembly, { start });
  }
}
