/**
 * The outbox table (`o\0<conv>\0<seq>`): our messages that wait (queued or sent, not yet delivered, read or
 * failed), by conversation. The sequence numbers are kept in memory; the messages are read when asked for.
 */
import type { Batch } from './group-commit';
import type { Numbered } from './conversations';
import type { StoreIo } from './io';
import { decodeMessage, messageKey, namespaceRange, outboxKey, seqHex } from './layout';
import type { StoredMessage } from './types';
import type { MessageStatus } from '../../../shared/ipc/contract';
import type { ConversationId } from '../../../shared/ids';

/**
 * Outbox entries deleted (delivered, failed, cancelled) before the outbox range is compacted in the background:
 * LevelDB keeps a deleted key as a tombstone until a compaction reaches it, and reading the outbox at open walks
 * over every one (200,000 acks left ~35 ms of them). Compacting this small range costs ~0.1 s on another thread.
 */
export const OUTBOX_COMPACT_AFTER = 20_000;

/** Our message waits in the outbox while queued or sent (not yet delivered, read or failed). */
export function waits(status: MessageStatus | undefined): boolean {
  return status === 'queued' || status === 'sent';
}

export class OutboxTable {
  /** Each conversation's outbox: the sequence numbers of our waiting messages, with the conversation's number. */
  private readonly waiting = new Map<ConversationId, { numbered: Numbered; seqs: Set<number> }>();
  private deletes = 0;
  private compacting: Promise<void> | null = null;

  constructor(
    private readonly io: StoreIo,
    loaded: Iterable<[Numbered, Set<number>]>,
  ) {
    for (const [numbered, seqs] of loaded) this.waiting.set(numbered.id, { numbered, seqs });
  }

  /** Our messages waiting in the conversation. */
  count(id: ConversationId): number {
    return this.waiting.get(id)?.seqs.size ?? 0;
  }

  /** Puts our message in or takes it out of the outbox. */
  set(batch: Batch, numbered: Numbered, seq: number, waiting: boolean): void {
    let entry = this.waiting.get(numbered.id);
    if (waiting === (entry?.seqs.has(seq) ?? false)) return;
    const key = outboxKey(numbered.num, seqHex(seq));
    if (waiting) {
      if (entry === undefined) this.waiting.set(numbered.id, (entry = { numbered, seqs: new Set() }));
      entry.seqs.add(seq);
      batch.put(key, '');
    } else {
      entry!.seqs.delete(seq);
      if (entry!.seqs.size === 0) this.waiting.delete(numbered.id);
      batch.del(key);
      if (++this.deletes >= OUTBOX_COMPACT_AFTER) this.compact();
    }
  }

  /** Forgets a removed conversation's outbox (its records go with the conversation's). */
  drop(id: ConversationId): void {
    this.waiting.delete(id);
  }

  /** Our messages still waiting, oldest first; of one conversation, or of all. */
  async list(id?: ConversationId): Promise<StoredMessage[]> {
    const entries: Array<{ seq: number; numbered: Numbered }> = [];
    for (const [owner, { numbered, seqs }] of this.waiting) {
      if (id !== undefined && owner !== id) continue;
      for (const seq of seqs) entries.push({ seq, numbered });
    }
    entries.sort((a, b) => a.seq - b.seq);
    const values = await this.io.readKeys(entries.map(({ seq, numbered }) => messageKey(numbered.num, seqHex(seq))));
    const out: StoredMessage[] = [];
    values.forEach((raw, i) => {
      if (raw === undefined) return;
      const message = decodeMessage(raw, entries[i].numbered.id);
      if (waits(message.status)) out.push(message);
    });
    return out;
  }

  /**
   * A page of the conversation's waiting messages after sequence number `afterSeq`, oldest first, at most `limit`:
   * the outbox is written out a window at a time, never read whole. One pass over the sequence numbers kept in
   * memory (mostly in order already, so the page's few are picked without sorting them all).
   */
  async page(id: ConversationId, afterSeq: number, limit: number): Promise<Array<{ seq: number; message: StoredMessage }>> {
    const entry = this.waiting.get(id);
    if (!entry || limit <= 0) return [];
    const best: number[] = [];
    for (const seq of entry.seqs) {
      if (seq <= afterSeq || (best.length === limit && seq > best[limit - 1])) continue;
      let at = best.length;
      while (at > 0 && best[at - 1] > seq) at--;
      best.splice(at, 0, seq);
      if (best.length > limit) best.pop();
    }
    const values = await this.io.readKeys(best.map((seq) => messageKey(entry.numbered.num, seqHex(seq))));
    const out: Array<{ seq: number; message: StoredMessage }> = [];
    values.forEach((raw, i) => {
      if (raw === undefined) return;
      const message = decodeMessage(raw, id);
      if (waits(message.status)) out.push({ seq: best[i], message });
    });
    return out;
  }

  /** The background compaction under way, if any (close waits for it). */
  get compaction(): Promise<void> | null {
    return this.compacting;
  }

  /** Compacts the outbox range in the background once its deletions are written (see OUTBOX_COMPACT_AFTER). */
  private compact(): void {
    if (this.compacting !== null || this.io.stopping) return;
    this.deletes = 0;
    const { gt, lt } = namespaceRange('o');
    this.compacting = (async () => {
      await this.io.commit.flush();
      await this.io.db.compactRange(gt, lt);
    })()
      .catch(() => {
        // Only housekeeping: LevelDB compacts the range by itself sooner or later.
      })
      .finally(() => (this.compacting = null));
  }
}
