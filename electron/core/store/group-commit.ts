/**
 * Group commit: writes gather in a batch while the previous one is being synced, then go to LevelDB together as
 * one `batch` with `{ sync: true }`. A synced write costs about one fsync (~9 ms on a plain disk) however much it
 * carries, so a write per message would cap the store at ~100 messages per second; this way throughput grows
 * with load and each write still resolves only once it is on disk.
 *
 * Callers take the open batch with `begin()` and add their operations synchronously, in the same turn; the batch
 * is written at the earliest on the next `setImmediate` (so everything started in one turn shares a sync) and
 * otherwise as soon as the previous write finished. Batches are written one at a time, in order.
 *
 * Shadowed keys: values written but not yet on disk stay readable through `read()` until their batch is written,
 * so the store can check and update records synchronously (no read-modify-write races between operations) and
 * readers see the newest state.
 */
import { storeFailure } from './errors';
import type { Db } from './layout';

/**
 * A batch stops taking new callers at this many operations (one caller's operations always stay together):
 * bounds the memory and the time of one write (~10 operations per message: a few thousand messages).
 */
export const MAX_BATCH_OPS = 50_000;

interface Shadow {
  value: string | null;
  batch: Batch;
}

type Chained = ReturnType<Db['batch']>;

/**
 * One group-commit batch. Operations go straight into LevelDB's native write batch (a chained batch: about
 * 0.3 µs an operation, against several µs through the array form of `db.batch`, which copies every operation
 * in JavaScript), so the work is spread over the callers instead of blocking the event loop at write time.
 */
export class Batch {
  /** Keys whose last value in this batch is all that matters (contacts, counters): null deletes; objects become JSON. */
  readonly latest = new Map<string, unknown>();
  readonly shadowed: string[] = [];
  readonly committed: Promise<void>;
  resolve!: () => void;
  reject!: (err: unknown) => void;
  private readonly chained: Chained;
  private count = 0;

  constructor(
    db: Db,
    private readonly overlay: Map<string, Shadow>,
  ) {
    this.chained = db.batch();
    this.committed = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // A caller may choose not to wait (a status that need not be synced): its failure must not become an
    // unhandled rejection. Callers that await still see it.
    this.committed.catch(() => {});
  }

  get size(): number {
    return this.count + this.latest.size;
  }

  put(key: string, value: string): void {
    this.chained.put(key, value);
    this.count++;
  }

  del(key: string): void {
    this.chained.del(key);
    this.count++;
  }

  /** A put whose value `GroupCommit.read` returns until this batch is written. */
  putShadowed(key: string, value: string): void {
    this.put(key, value);
    this.shadow(key, value);
  }

  delShadowed(key: string): void {
    this.del(key);
    this.shadow(key, null);
  }

  /** Writes `key` with the last value given in this batch: a string as it is, an object as JSON, null deletes. */
  setLatest(key: string, value: unknown): void {
    this.latest.set(key, value);
  }

  private shadow(key: string, value: string | null): void {
    this.overlay.set(key, { value, batch: this });
    this.shadowed.push(key);
  }

  /** Adds `latest` and writes the batch, synced. */
  async write(): Promise<void> {
    for (const [key, value] of this.latest) {
      if (value === null) this.del(key);
      else this.put(key, typeof value === 'string' ? value : JSON.stringify(value));
    }
    if (this.count === 0) return this.chained.close();
    try {
      await this.chained.write({ sync: true });
    } catch (err) {
      await this.chained.close().catch(() => {});
      throw err;
    }
  }
}

export interface GroupCommitHooks {
  /** Called as a batch is taken for writing: the last chance to add to it (the store's counters). */
  beforeWrite?(batch: Batch): void;
  /** Called when a write fails (each waiting caller also gets the error). */
  onFailure?(err: unknown): void;
}

export class GroupCommit {
  private readonly overlay = new Map<string, Shadow>();
  /** Gathered, not yet written, oldest first; the last one is open for more. */
  private readonly queue: Batch[] = [];
  private writing: Batch | null = null;
  private scheduled = false;
  private running = false;
  /** Counts for the bench and tests: batches written and operations in them. */
  readonly stats = { batches: 0, ops: 0 };

  constructor(
    private readonly db: Db,
    private readonly hooks: GroupCommitHooks = {},
  ) {}

  /** The batch to add to now (synchronously, in this turn). */
  begin(): Batch {
    let batch = this.queue.at(-1);
    if (batch === undefined || batch.size >= MAX_BATCH_OPS) {
      batch = new Batch(this.db, this.overlay);
      this.queue.push(batch);
    }
    this.schedule();
    return batch;
  }

  /** A shadowed key's pending value: a string, null for a pending delete, undefined when nothing is pending. */
  read(key: string): string | null | undefined {
    return this.overlay.get(key)?.value;
  }

  /** Resolves when the pending write of `key`, if any, is on disk (rejects if that write failed). */
  whenWritten(key: string): Promise<void> {
    return this.overlay.get(key)?.batch.committed ?? Promise.resolve();
  }

  /** Resolves when everything gathered so far is written (failed writes included). */
  flush(): Promise<void> {
    const last = this.queue.at(-1) ?? this.writing;
    return last === null ? Promise.resolve() : last.committed.catch(() => {});
  }

  private schedule(): void {
    if (this.running || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.run();
    });
  }

  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    while (this.queue.length > 0) {
      const batch = this.queue.shift()!;
      this.writing = batch;
      this.hooks.beforeWrite?.(batch);
      const ops = batch.size;
      try {
        await batch.write();
        this.stats.batches++;
        this.stats.ops += ops;
        batch.resolve();
      } catch (err) {
        this.hooks.onFailure?.(err);
        batch.reject(storeFailure(err, 'saving'));
      } finally {
        for (const key of batch.shadowed) if (this.overlay.get(key)?.batch === batch) this.overlay.delete(key);
        this.writing = null;
      }
    }
    this.running = false;
  }
}
