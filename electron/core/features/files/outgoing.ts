/**
 * One transfer we send, while it runs: the offer (in parts, all at once), and the blocks the receiver asks for,
 * read from the local files and sent on the session's bulk lane. Each block is hashed as it is read; a block's
 * chunks go out while the next block is being read, so disk and network work side by side. Blocks are read into
 * two buffers in turn, and a chunk's frame is made from its buffer only when it goes (the bulk lane waits for
 * the socket and the receiver's credit): no more than two blocks of a transfer are in memory.
 */
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { CHUNK_BYTES, HASH_ALGORITHM } from '../../../../shared/files/limits';
import { MAX_MESSAGE_BYTES } from '../../../../shared/protocol/limits';
import type { ChannelSession } from '../../channels';
import type { PauseHolder, TransferRecord } from '../../store/files';
import { OFFER_HEADER_BYTES, offerItemBytes } from './codec';
import { openSource, readAt } from './disk';
import type { FilesMessage, OfferItem, OfferPart } from './messages';
import { blockCountOf, fileDigest } from './receive-plan';
import { SendQueue } from './send-queue';

/** Offer parts are kept this far under the message cap. */
const OFFER_PART_BYTES = MAX_MESSAGE_BYTES - 4096;

export interface OutgoingHost {
  changed(transfer: OutgoingTransfer): Promise<void>;
  progressed(transfer: OutgoingTransfer): void;
  fail(transfer: OutgoingTransfer, reason: string): void;
}

export class OutgoingTransfer {
  readonly direction = 'out' as const;
  session: ChannelSession<FilesMessage> | null = null;
  /** Bytes handed to the bulk lane in this run (progress, as the receiver has not said otherwise). */
  sentBytes = 0;
  private queue: SendQueue;
  private pumping = false;
  private readonly digests = new Map<number, Array<Uint8Array | undefined>>();
  private source: { item: number; handle: Promise<FileHandle> } | null = null;
  /** The two block buffers, while the transfer sends (see `pump`). */
  private buffers: [Buffer, Buffer] | null = null;

  constructor(
    public record: TransferRecord,
    private readonly host: OutgoingHost,
  ) {
    this.queue = new SendQueue(this.sizes, record.blockBytes);
  }

  get id(): string {
    return this.record.id;
  }

  get transferId(): Uint8Array {
    return Buffer.from(this.record.id, 'hex');
  }

  private get sizes(): number[] {
    return this.record.items.map((item) => item.size);
  }

  get active(): boolean {
    return this.record.state === 'offered' || this.record.state === 'accepted';
  }

  /** A session to the receiver is open: the offer goes (again: the receiver knows it by its id). */
  start(session: ChannelSession<FilesMessage>): void {
    this.session = session;
    this.queue = new SendQueue(this.sizes, this.record.blockBytes);
    if (!this.active) return;
    // The peer tells its pause again on every session: one it held on the last session is forgotten.
    if (this.record.paused.includes('peer')) {
      this.record = { ...this.record, paused: this.record.paused.filter((holder) => holder !== 'peer') };
      void this.host.changed(this);
    }
    for (const part of this.offerParts()) session.send(part);
    this.tellPaused();
  }

  /** A pause of ours is told again on a new session, and once the receiver accepts (it ignores one before). */
  private tellPaused(): void {
    if (this.record.paused.includes('me')) this.session?.send({ type: 'pause', transfer: this.transferId, paused: true, reason: 'paused by the sender' });
  }

  /** The offer, cut into parts under the message cap; sent back to back, with no answer between them. */
  private offerParts(): OfferPart[] {
    const parts: OfferPart[] = [];
    let items: OfferItem[] = [];
    let bytes = OFFER_HEADER_BYTES;
    let first = 0;
    const close = (last: boolean) => {
      parts.push({ type: 'offer', transfer: this.transferId, algorithm: HASH_ALGORITHM, blockBytes: this.record.blockBytes, itemCount: this.record.items.length, totalBytes: this.record.totalBytes, first, last, items });
    };
    this.record.items.forEach((entry, index) => {
      const item = { path: entry.path, size: entry.size, kind: 0 };
      const size = offerItemBytes(item);
      if (bytes + size > OFFER_PART_BYTES && items.length > 0) {
        close(false);
        first = index;
        items = [];
        bytes = OFFER_HEADER_BYTES;
      }
      items.push(item);
      bytes += size;
    });
    close(true);
    return parts;
  }

  accepted(): Promise<void> | undefined {
    if (this.record.state !== 'offered') return undefined;
    this.record = { ...this.record, state: 'accepted' };
    this.tellPaused();
    return this.host.changed(this);
  }

  want(msg: Extract<FilesMessage, { type: 'want' }>): void {
    if (this.record.state !== 'accepted') return;
    const refused = this.queue.want(msg.epoch, msg.ranges);
    if (refused !== null) return this.host.fail(this, `the receiver sent ${refused}`);
    void this.pump();
  }

  async pause(holder: PauseHolder, reason: string): Promise<void> {
    if (!this.active || this.record.paused.includes(holder)) return;
    this.record = { ...this.record, paused: [...this.record.paused, holder] };
    if (holder !== 'peer') this.session?.send({ type: 'pause', transfer: this.transferId, paused: true, reason });
    await this.host.changed(this);
  }

  async resume(holder: PauseHolder): Promise<void> {
    if (!this.active || !this.record.paused.includes(holder)) return;
    this.record = { ...this.record, paused: this.record.paused.filter((h) => h !== holder) };
    if (holder !== 'peer') this.session?.send({ type: 'pause', transfer: this.transferId, paused: false, reason: 'resumed' });
    await this.host.changed(this);
    void this.pump();
  }

  private get running(): boolean {
    return this.record.state === 'accepted' && this.record.paused.length === 0 && this.session?.open === true;
  }

  /** Sends what is asked for, block after block, until nothing is asked, the session ends or the transfer pauses. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    let previous: Promise<unknown> = Promise.resolve();
    const buffers = (this.buffers ??= [Buffer.allocUnsafe(this.record.blockBytes), Buffer.allocUnsafe(this.record.blockBytes)]);
    let turn = 0;
    try {
      for (;;) {
        const session = this.session;
        if (!this.running || session === null) break;
        const next = this.queue.next();
        if (next === null) break;
        // This buffer's block before went out before the block now going was queued: see the wait below.
        const data = await this.readBlock(next.item, next.block, buffers[turn]!);
        if (!this.queue.current(next) || !this.running) continue;
        turn = 1 - turn;
        const digest = createHash('sha256').update(data).digest();
        this.digestsOf(next.item)[next.block] = digest;
        const transfer = this.transferId;
        const sends: Array<Promise<boolean>> = [];
        const base = next.block * this.record.blockBytes;
        for (let at = 0; at < data.length; at += CHUNK_BYTES) {
          sends.push(session.sendBulk({ type: 'chunk', transfer, epoch: next.epoch, item: next.item, offset: base + at, data: data.subarray(at, at + CHUNK_BYTES) }));
        }
        sends.push(session.sendBulk({ type: 'block', transfer, epoch: next.epoch, item: next.item, block: next.block, digest }));
        if (this.queue.isLastBlock(next.item, next.block)) {
          sends.push(session.sendBulk({ type: 'end', transfer, epoch: next.epoch, item: next.item, digest: await this.fileDigestOf(next.item) }));
        }
        this.sentBytes += data.length;
        this.host.progressed(this);
        // This block waits behind the one before; once that one is on the socket (so its buffer is free) the
        // next is read, so a block is ready whenever credit comes back.
        await previous;
        previous = Promise.all(sends);
      }
      await previous;
    } catch (err) {
      if (this.active) this.host.fail(this, (err as Error).message);
    } finally {
      this.pumping = false;
    }
    if (this.running && !this.queue.empty) void this.pump();
  }

  private digestsOf(item: number): Array<Uint8Array | undefined> {
    let digests = this.digests.get(item);
    if (digests === undefined) {
      digests = new Array(blockCountOf(this.record.items[item]!.size, this.record.blockBytes));
      this.digests.set(item, digests);
    }
    return digests;
  }

  /**
   * The file's digest over its blocks' digests. Blocks the receiver had from before (not sent in this run) are
   * read and hashed here once: the receiver never hashes them again, the sender does after a restart of its own.
   */
  private async fileDigestOf(item: number): Promise<Uint8Array> {
    const digests = this.digestsOf(item);
    for (let block = 0; block < digests.length; block++) {
      if (digests[block] === undefined) digests[block] = createHash('sha256').update(await this.readBlock(item, block, Buffer.allocUnsafe(this.record.blockBytes))).digest();
    }
    const digest = fileDigest(digests as Uint8Array[]);
    this.digests.delete(item);
    return digest;
  }

  private async readBlock(item: number, block: number, buffer: Buffer): Promise<Buffer> {
    const size = this.record.items[item]!.size;
    if (this.source?.item !== item) {
      if (this.source !== null) void this.source.handle.then((h) => h.close()).catch(() => {});
      const handle = openSource(this.record.sources![item]!, size);
      handle.catch(() => {});
      this.source = { item, handle };
    }
    const start = block * this.record.blockBytes;
    return readAt(await this.source.handle, buffer, Math.min(this.record.blockBytes, size - start), start);
  }

  /** Closes the file being read, and lets its buffers go. */
  stop(): void {
    this.buffers = null;
    if (this.source !== null) void this.source.handle.then((h) => h.close()).catch(() => {});
    this.source = null;
  }
}
