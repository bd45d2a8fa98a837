/**
 * What every table of the store shares: the LevelDB handle, the group commit, whether the store is closing, and
 * reads that see pending writes (GroupCommit.read) before the disk. Failures become StoreErrors, and corruption
 * leaves the repair marker for the next start (recover.ts).
 */
import { StoreError, storeFailure } from './errors';
import { GroupCommit, type GroupCommitHooks } from './group-commit';
import { decodeMessage, type Db, type Range } from './layout';
import { markForRepair } from './recover';
import type { StoredMessage } from './types';
import type { ConversationId } from '../../../shared/ids';

/** Entries read per step of a scan that stops early. */
const SCAN_STEP = 64;

export class StoreIo {
  readonly commit: GroupCommit;
  /** Set by close: new operations are refused, background work stops. */
  stopping = false;

  constructor(
    readonly db: Db,
    private readonly dataDir: string,
    hooks: Pick<GroupCommitHooks, 'beforeWrite'> & { onFailure?: () => void },
  ) {
    this.commit = new GroupCommit(db, {
      beforeWrite: hooks.beforeWrite,
      onFailure: (err) => {
        hooks.onFailure?.();
        const failure = storeFailure(err, 'saving');
        if (failure.code === 'corrupt') void markForRepair(this.dataDir, failure.message);
      },
    });
  }

  assertOpen(): void {
    if (this.stopping) throw new StoreError('closed', 'The message store is closed.');
  }

  failure(err: unknown, doing: string): StoreError {
    if (this.stopping) return new StoreError('closed', 'The message store was closed.', { cause: err });
    const failure = storeFailure(err, doing);
    if (failure.code === 'corrupt') void markForRepair(this.dataDir, failure.message);
    return failure;
  }

  /** A key's newest value: pending, else on disk; undefined when absent or pending deletion. */
  readKey(key: string): string | undefined {
    const pending = this.commit.read(key);
    if (pending !== undefined) return pending ?? undefined;
    try {
      return this.db.getSync(key);
    } catch (err) {
      throw this.failure(err, 'reading');
    }
  }

  async readKeys(keys: string[]): Promise<Array<string | undefined>> {
    const values: Array<string | undefined> = new Array(keys.length);
    const missing: number[] = [];
    keys.forEach((key, i) => {
      const pending = this.commit.read(key);
      if (pending === undefined) missing.push(i);
      else values[i] = pending ?? undefined;
    });
    if (missing.length === 0) return values;
    try {
      const read = await this.db.getMany(missing.map((i) => keys[i]));
      missing.forEach((i, j) => (values[i] = read[j]));
    } catch (err) {
      throw this.failure(err, 'reading');
    }
    return values;
  }

  /** The messages of a range read from disk, with pending changes applied (pending new ones are not included). */
  async readMessages(range: Range & { reverse?: boolean; limit: number }, conversation: ConversationId): Promise<StoredMessage[]> {
    let entries: Array<[string, string]>;
    try {
      entries = await this.db.iterator(range).all();
    } catch (err) {
      throw this.failure(err, 'reading messages');
    }
    const out: StoredMessage[] = [];
    for (const [key, raw] of entries) {
      const pending = this.commit.read(key);
      if (pending === null) continue;
      out.push(decodeMessage(pending ?? raw, conversation));
    }
    return out;
  }

  /** Walks a message range with pending changes applied until `visit` returns false or `max` were visited. */
  async scan(
    range: { gt?: string; gte?: string; lt?: string; lte?: string; reverse?: boolean },
    max: number,
    visit: (key: string, message: StoredMessage) => boolean,
    conversation: ConversationId,
  ): Promise<void> {
    const iterator = this.db.iterator(range);
    let seen = 0;
    try {
      while (seen < max) {
        const entries = await iterator.nextv(Math.min(SCAN_STEP, max - seen));
        if (entries.length === 0) return;
        for (const [key, raw] of entries) {
          seen++;
          const pending = this.commit.read(key);
          if (pending === null) continue;
          if (!visit(key, decodeMessage(pending ?? raw, conversation))) return;
        }
      }
    } catch (err) {
      throw this.failure(err, 'reading messages');
    } finally {
      await iterator.close();
    }
  }
}
