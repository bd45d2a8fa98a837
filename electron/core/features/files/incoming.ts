/**
 * One transfer we receive, while it runs: the receive plan (what to ask for, what comes next), the part files,
 * and the order of durability — a block's chunks are hashed and copied into a block buffer as they come, and once
 * its digest matches it is written positionally in one write (a block that does not verify is never written),
 * the part file synced, and only then is the block recorded as verified in the store; a file is put in place (sync → link
 * under a free name → folder sync) only once its own digest matches, and recorded done after that.
 */
import { unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { MAX_UNWRITTEN_BYTES, SYNC_EVERY_BYTES, type FileTimeouts } from '../../../../shared/files/limits';
import type { ChannelSession } from '../../channels';
import type { FilesTable, PauseHolder, TransferRecord } from '../../store/files';
import { exists, partPathOf, putInPlace, sameFile, type Disk, type FolderSyncs } from './disk';
import type { FilesMessage, WantRange } from './messages';
import { blockCountOf, ReceivePlan, type BlockVerdict } from './receive-plan';
import { StallWatch } from './stall-watch';

/** Files being put in place at once; beyond it no more blocks are asked for until some are done. */
const MAX_PENDING_COMPLETIONS = 64;

/** A part file put in place (so synced and closed) while a sync of it was on its way: nothing left to sync. */
function closedMeanwhile(err: unknown): void {
  if ((err as NodeJS.ErrnoException).code !== 'EBADF') throw err;
}

export interface IncomingHost {
  readonly table: FilesTable;
  readonly disk: Disk;
  readonly folderSyncs: FolderSyncs;
  readonly timeouts: FileTimeouts;
  /** The record changed (state, pause): store it and tell the UIs. */
  changed(transfer: IncomingTransfer): Promise<void>;
  progressed(transfer: IncomingTransfer): void;
  fileDone(transfer: IncomingTransfer, item: number, file: string, digest: Uint8Array): void;
  /** Fails the transfer with a reason, telling the peer. */
  fail(transfer: IncomingTransfer, reason: string): void;
  log(line: string): void;
}

interface Part {
  handle: Promise<FileHandle>;
  partPath: string;
  finalPath: string;
  /**
   * The file's writes, one after another (concurrent writes to one file only contend for its lock): settles once
   * every write handed to it so far has ended.
   */
  written: Promise<void>;
  /** A write of this file failed: it is not put in place until its blocks have come and been written again. */
  writeFailed: boolean;
}

/**
 * The block being received: its chunks copied into a buffer kept for the transfer and used again block after
 * block, so that received frames are garbage at once and what waits for the disk is never new memory.
 */
interface Assembling {
  item: number;
  offset: number;
  buffer: Buffer;
  bytes: number;
}

export class IncomingTransfer {
  readonly direction = 'in' as const;
  session: ChannelSession<FilesMessage> | null = null;
  private readonly parts = new Map<number, Part>();
  private unsynced: Array<{ item: number; block: number; digest: Uint8Array }> = [];
  private unsyncedBytes = 0;
  private readonly dirty = new Set<number>();
  private flushing: Promise<void> = Promise.resolve();
  private syncing = false;
  private assembling: Assembling | null = null;
  private readonly spareBlocks: Buffer[] = [];
  /**
   * Block buffers kept for the next blocks: as many as can wait for the disk, and the one being received, in the
   * offer's block size (a peer may choose up to 16 MiB: then two are kept, not five of them).
   */
  private readonly maxSpareBlocks: number;
  /** The write handed to the disk last (of any file): the credit waits for it once too much waits for the disk. */
  private lastWrite: Promise<void> = Promise.resolve();
  private completions = 0;
  /** Bytes received and not yet written (being assembled, or handed to the disk). */
  private unwritten = 0;
  private readonly stallWatch: StallWatch;

  private constructor(
    public record: TransferRecord,
    readonly plan: ReceivePlan,
    private readonly host: IncomingHost,
  ) {
    this.maxSpareBlocks = Math.ceil(MAX_UNWRITTEN_BYTES / record.blockBytes) + 1;
    this.stallWatch = new StallWatch(host.timeouts, {
      waiting: () => this.running && this.plan.waiting,
      stalledChanged: () => void host.changed(this),
      askAgain: () => {
        host.log(`transfer ${this.id} stalled: asking again`);
        this.askAnew();
      },
      giveUp: (reason) => host.fail(this, reason),
    });
  }

  /** Shown as stalled: asked, and nothing came for a while (see StallWatch). */
  get stalled(): boolean {
    return this.stallWatch.stalled;
  }

  /** The runtime of a stored transfer: what was verified and finished before is read back, never hashed again. */
  static async load(record: TransferRecord, host: IncomingHost): Promise<IncomingTransfer> {
    const transfer = IncomingTransfer.create(record, host);
    if (record.state !== 'accepted') return transfer;
    const withBlocks = new Set<number>();
    for (const { item, block, digest } of await host.table.blocks(record.id)) {
      transfer.plan.restoreBlock(item, block, digest);
      withBlocks.add(item);
    }
    for (const { item, path: file } of await host.table.doneItems(record.id)) {
      transfer.plan.markDone(item);
      withBlocks.delete(item);
      // Recorded in place, and the crash came before the part's name was removed: it is a second name of the file.
      const part = partPathOf(transfer.finalPathOf(item));
      if (await sameFile(part, file)) await unlink(part);
    }
    // Verified blocks are only as good as the part file that holds them: one gone (removed by hand) starts over.
    for (const item of withBlocks) {
      if (!(await exists(partPathOf(transfer.finalPathOf(item))))) transfer.plan.forget(item);
    }
    return transfer;
  }

  /** A new transfer, nothing received yet. */
  static create(record: TransferRecord, host: IncomingHost): IncomingTransfer {
    return new IncomingTransfer(record, new ReceivePlan(record.items, record.blockBytes), host);
  }

  get id(): string {
    return this.record.id;
  }

  get active(): boolean {
    return this.record.state === 'accepted';
  }

  get running(): boolean {
    return this.active && this.record.paused.length === 0 && this.session?.open === true;
  }

  /** A session to the sender is open (or the transfer was just accepted): asks for what is missing, anew. */
  start(session: ChannelSession<FilesMessage>): void {
    this.session = session;
    if (!this.active) return;
    // The peer tells its pause again on every session: one it held on the last session is forgotten.
    if (this.record.paused.includes('peer')) {
      this.record = { ...this.record, paused: this.record.paused.filter((holder) => holder !== 'peer') };
      void this.host.changed(this);
    }
    session.send({ type: 'accept', transfer: this.transferId });
    // A pause of ours (the person's, a full disk's) is told again on a new session.
    for (const holder of this.record.paused) {
      if (holder !== 'peer') session.send({ type: 'pause', transfer: this.transferId, paused: true, reason: holder === 'disk' ? 'the disk is full' : 'paused by the receiver' });
    }
    this.askAnew();
    this.stallWatch.start();
  }

  /** Asks for what is missing in a new epoch: whatever the sender still had queued is dropped. */
  private askAnew(): void {
    if (!this.running) return;
    this.dropAssembling();
    // Whatever failed to be written is asked for again in the new epoch.
    for (const part of this.parts.values()) part.writeFailed = false;
    this.stallWatch.asked();
    const { epoch, ranges } = this.plan.restart();
    this.want(epoch, ranges);
  }

  private want(epoch: number, ranges: WantRange[]): void {
    if (ranges.length > 0) this.session?.send({ type: 'want', transfer: this.transferId, epoch, ranges });
  }

  private topUp(): void {
    if (this.running && this.completions < MAX_PENDING_COMPLETIONS) this.want(this.plan.epoch, this.plan.more());
  }

  get transferId(): Uint8Array {
    return Buffer.from(this.record.id, 'hex');
  }

  chunk(msg: Extract<FilesMessage, { type: 'chunk' }>): Promise<void> | undefined {
    if (!this.running) return undefined; // paused (a full disk): what was under way is asked for again later
    const verdict = this.plan.chunk(msg.epoch, msg.item, msg.offset, msg.data.byteLength);
    if (verdict.kind === 'stale') return undefined;
    if (verdict.kind === 'fail') {
      this.host.fail(this, `the sender sent ${verdict.reason}`);
      return undefined;
    }
    this.plan.hash(msg.data);
    this.stallWatch.byteCame();
    this.assembling ??= { item: msg.item, offset: msg.offset, buffer: this.spareBlocks.pop() ?? Buffer.allocUnsafe(this.record.blockBytes), bytes: 0 };
    this.assembling.buffer.set(msg.data, this.assembling.bytes);
    this.assembling.bytes += msg.data.byteLength;
    // The credit comes back at once while little waits for the disk; past MAX_UNWRITTEN_BYTES it waits for the
    // writes under way (never for this block's, which needs bytes still to come), so the sender never runs further
    // ahead of the disk than that, a block and a credit window.
    this.unwritten += msg.data.byteLength;
    return this.unwritten > MAX_UNWRITTEN_BYTES ? this.lastWrite : undefined;
  }

  async block(msg: Extract<FilesMessage, { type: 'block' }>): Promise<void> {
    if (!this.running) return;
    const verdict = this.plan.block(msg.epoch, msg.item, msg.block, msg.digest);
    if (verdict.kind === 'stale') return;
    if (verdict.kind === 'fail') return this.host.fail(this, verdict.reason);
    const received = this.assembling;
    this.assembling = null;
    if (verdict.kind === 'retry') {
      this.release(received);
      this.host.log(verdict.reason);
      this.want(this.plan.epoch, [{ item: verdict.item, block: verdict.block, count: 1 }]);
      return;
    }
    // Handed to the disk now, before any wait, so that the file's end (next on the wire) finds it queued.
    if (received === null) this.written(verdict);
    else if (!(await this.write(received, verdict))) return;
    if (!this.running) return;
    this.host.progressed(this);
    this.topUp();
    if (this.unsyncedBytes < SYNC_EVERY_BYTES) return;
    // The sync runs beside the transfer; only when a second one is due before the first is done does the
    // sender wait (its credit comes back after it), so a crash loses at most about two sync steps.
    if (this.syncing) {
      if (this.unsyncedBytes >= 2 * SYNC_EVERY_BYTES) await this.flushing;
      return;
    }
    this.syncing = true;
    void this.flush()
      .catch((err: unknown) => this.writeFailed(verdict.item, err))
      .finally(() => (this.syncing = false));
  }

  /**
   * Writes a verified block's chunks after the file's earlier writes; false if it failed (told, and the block
   * asked for again later). The block is noted for the next sync before the file's `written` settles, so that a
   * completion waiting on it finds the block there.
   */
  private write(received: Assembling, verdict: Extract<BlockVerdict, { kind: 'verified' }>): Promise<boolean> {
    const part = this.partOf(received.item);
    this.dirty.add(received.item);
    const outcome = part.written
      .then(async () => this.host.disk.write(await part.handle, received.buffer.subarray(0, received.bytes), received.offset))
      .then(
        () => {
          this.written(verdict);
          return true;
        },
        (err: unknown) => {
          part.writeFailed = true;
          this.plan.unverify(verdict.item, verdict.block);
          this.writeFailed(verdict.item, err);
          return false;
        },
      )
      .finally(() => this.release(received));
    part.written = outcome.then(() => {});
    this.lastWrite = part.written;
    return outcome;
  }

  /** A verified block is on its part file: it is recorded after the next sync. */
  private written(verdict: Extract<BlockVerdict, { kind: 'verified' }>): void {
    this.unsynced.push({ item: verdict.item, block: verdict.block, digest: verdict.digest });
    this.unsyncedBytes += verdict.bytes;
  }

  /** The block being received will not be finished (a new epoch, a pause, the end): dropped. */
  private dropAssembling(): void {
    this.release(this.assembling);
    this.assembling = null;
  }

  /** A block is written or dropped: its buffer is free for the next. */
  private release(block: Assembling | null): void {
    if (block === null) return;
    this.unwritten -= block.bytes;
    if (this.spareBlocks.length < this.maxSpareBlocks) this.spareBlocks.push(block.buffer);
  }

  end(msg: Extract<FilesMessage, { type: 'end' }>): void {
    if (!this.running) return;
    const verdict = this.plan.end(msg.epoch, msg.item, msg.digest);
    if (verdict.kind === 'fail') this.host.fail(this, verdict.reason);
    else if (verdict.kind === 'complete') void this.complete(verdict.item, msg.digest);
  }

  /** Syncs the part files written to, then records the blocks verified in them. */
  private flush(): Promise<void> {
    const blocks = this.unsynced;
    const dirty = [...this.dirty].map((item) => this.parts.get(item)?.handle);
    this.unsynced = [];
    this.unsyncedBytes = 0;
    this.dirty.clear();
    // Chained after the previous sync whatever became of it: one failure (told where it happened) does not fail every later one.
    this.flushing = this.flushing.catch(() => {}).then(async () => {
      await Promise.all(dirty.map(async (handle) => handle && this.host.disk.sync(await handle).catch(closedMeanwhile)));
      if (blocks.length > 0) await this.host.table.recordBlocks(this.id, blocks);
    });
    return this.flushing;
  }

  private async complete(item: number, digest: Uint8Array): Promise<void> {
    this.completions++;
    try {
      const part = this.partOf(item);
      await part.written;
      // A write of it failed (a full disk): its blocks are asked for again once writing works, and its end comes again.
      if (part.writeFailed) return;
      // The file's own blocks need no record: it is synced and recorded done below, which supersedes them; and it
      // does not wait for the other files' sync, so many small files are put in place side by side.
      this.unsynced = this.unsynced.filter((entry) => entry.item !== item);
      this.dirty.delete(item);
      this.parts.delete(item);
      const blocks = blockCountOf(this.record.items[item]!.size, this.record.blockBytes);
      const file = await putInPlace(await part.handle, part.partPath, part.finalPath, this.host.folderSyncs.sync, (placed) => this.host.table.recordDone(this.id, item, placed, blocks));
      this.plan.markDone(item);
      this.host.fileDone(this, item, file, digest);
      if (this.plan.complete) {
        this.record = { ...this.record, state: 'done' };
        await this.host.changed(this);
        this.session?.send({ type: 'done', transfer: this.transferId });
        this.stop();
      }
    } catch (err) {
      if (this.active) this.host.fail(this, `${this.record.items[item]!.path} could not be put in place: ${(err as Error).message}`);
    } finally {
      this.completions--;
      this.topUp();
    }
  }

  /** Where item `item` goes: inside the transfer's folder, its top-level folder renamed as chosen at accept. */
  finalPathOf(item: number): string {
    const segments = this.record.items[item]!.path.split('/');
    if (segments.length > 1) segments[0] = this.record.topFolders?.[segments[0]!] ?? segments[0]!;
    return path.join(this.record.directory!, ...segments);
  }

  private partOf(item: number): Part {
    let part = this.parts.get(item);
    if (part === undefined) {
      const finalPath = this.finalPathOf(item);
      const partPath = partPathOf(finalPath);
      const handle = this.host.disk.openPart(partPath);
      handle.catch(() => {}); // the failure is handled by the write waiting on it
      part = { handle, partPath, finalPath, written: Promise.resolve(), writeFailed: false };
      this.parts.set(item, part);
    }
    return part;
  }

  private writeFailed(item: number, err: unknown): void {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      void this.pause('disk', 'the disk is full');
      return;
    }
    if (!this.active) return;
    const file = this.record.items[item]!.path;
    const reason =
      code === 'ELOOP' || code === 'EMLINK'
        ? `a symbolic link is in the way of the partial file of ${file}; nothing was written through it`
        : `${file} could not be written: ${(err as Error).message}`;
    this.host.fail(this, reason);
  }

  /** Pauses (the person, the peer or a full disk); the peer is told unless it is the one pausing. */
  async pause(holder: PauseHolder, reason: string): Promise<void> {
    if (!this.active || this.record.paused.includes(holder)) return;
    this.record = { ...this.record, paused: [...this.record.paused, holder] };
    if (holder !== 'peer') this.session?.send({ type: 'pause', transfer: this.transferId, paused: true, reason });
    if (holder === 'disk') this.watchDisk();
    await this.host.changed(this);
  }

  async resume(holder: PauseHolder): Promise<void> {
    if (!this.active || !this.record.paused.includes(holder)) return;
    this.record = { ...this.record, paused: this.record.paused.filter((h) => h !== holder) };
    if (holder !== 'peer') this.session?.send({ type: 'pause', transfer: this.transferId, paused: false, reason: holder === 'disk' ? 'there is disk space again' : 'resumed' });
    await this.host.changed(this);
    this.askAnew();
  }

  /** While paused for a full disk: resumes by itself once there is room for what remains (or a good part of it). */
  private watchDisk(): void {
    const check = setInterval(() => {
      if (!this.record.paused.includes('disk') || !this.active) return clearInterval(check);
      const remaining = this.plan.totalBytes - this.plan.verifiedBytes;
      this.host.disk
        .freeBytes(this.record.directory!)
        .then((free) => {
          if (free >= Math.min(remaining, SYNC_EVERY_BYTES * 4)) {
            clearInterval(check);
            void this.resume('disk');
          }
        })
        .catch(() => {});
    }, this.host.timeouts.diskFullRetryMs);
    check.unref();
  }

  /** Stops timers and closes part files (kept on disk, to resume from). */
  stop(): void {
    this.dropAssembling();
    this.spareBlocks.length = 0;
    this.stallWatch.stop();
    for (const part of this.parts.values()) void part.handle.then((h) => h.close()).catch(() => {});
    this.parts.clear();
  }

  /** Ends the transfer for good: flushes what was verified, and for a cancel removes the part files. */
  async finish(removeParts: boolean): Promise<void> {
    await this.flush().catch(() => {});
    this.stop();
    if (!removeParts || this.record.directory === undefined) return;
    for (let item = 0; item < this.record.items.length; item++) {
      if (!this.plan.isDone(item)) await unlink(partPathOf(this.finalPathOf(item))).catch(() => {});
    }
  }
}
