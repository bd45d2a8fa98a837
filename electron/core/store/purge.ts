/**
 * Clearing a removed conversation: its records (messages, id index, outbox, search entries) are deleted in
 * chunks after the conversation left, durably, with a removal record `D\0<conv>`; a crash or a close part-way
 * leaves the removal record, and the deletion resumes at the next open.
 */
import type { StoreIo } from './io';
import { conversationRange, decodeMessage, idKey, outboxKey, removalKey, seqHexOfKey } from './layout';
import { unindexMessage } from './search-index';
import type { ConversationId } from '../../../shared/ids';

/** Messages deleted per batch while a removed conversation is cleared (each ~10 index entries): keeps batches small. */
export const PURGE_CHUNK = 500;

export class Purges {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly io: StoreIo) {}

  get size(): number {
    return this.running.size;
  }

  /** Settles when the clearing under way now has stopped (finished, failed or cut short by close). */
  settled(): Promise<unknown> {
    return Promise.allSettled([...this.running]);
  }

  /** Deletes a removed conversation's records in chunks (tracked, so `close` waits; resumed at open if cut short). */
  start(num: string): Promise<void> {
    const run = this.clear(num).catch(() => {
      // Left for the next open: the removal record stays until every chunk is gone.
    });
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
    return run;
  }

  private async clear(num: string): Promise<void> {
    const { db, commit } = this.io;
    for (const ns of ['m', 'i', 'o'] as const) {
      const range = conversationRange(ns, num);
      for (;;) {
        if (this.io.stopping) return;
        const entries = await db.iterator({ ...range, limit: PURGE_CHUNK }).all();
        if (entries.length === 0) break;
        const batch = commit.begin();
        for (const [key, raw] of entries) {
          batch.del(key);
          if (ns !== 'm') continue;
          const seq = seqHexOfKey(key);
          batch.del(outboxKey(num, seq));
          try {
            const message = decodeMessage(raw, '' as ConversationId);
            batch.del(idKey(num, message.id));
            if (message.kind === 'chat') unindexMessage(batch, message.text, seq);
          } catch {
            // An unreadable record: its index entries (if any) are found by the `i` pass; search skips the rest.
          }
        }
        await batch.committed;
      }
    }
    const batch = commit.begin();
    batch.del(removalKey(num));
    await batch.committed;
  }
}
