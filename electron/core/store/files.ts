/**
 * The file transfers table: a sublevel `files` of the store (store.ts `table`), with its own group commit, so
 * that a block verified, a file finished and a transfer's state are each on disk before the person or the peer
 * is told. Keys (UTF-8, NUL-separated, numbers as fixed-width hex):
 *
 * | key                              | value                                               |
 * | -------------------------------- | --------------------------------------------------- |
 * | `t\0<transfer>`                  | TransferRecord, JSON                                 |
 * | `b\0<transfer>\0<item>\0<block>` | a verified block's SHA-256, hex (incoming transfers) |
 * | `d\0<transfer>\0<item>`          | where the finished file is (incoming transfers)      |
 */
import { z } from 'zod';
import type { FeatureTable } from './store';

export type TransferDirection = 'in' | 'out';
export type TransferState = 'offered' | 'accepted' | 'done' | 'failed' | 'cancelled' | 'declined';
/** Who holds an accepted transfer paused: the person here, the peer, or a full disk here. */
export type PauseHolder = 'me' | 'peer' | 'disk';

const ItemSchema = z.object({ path: z.string(), size: z.number().int().nonnegative() });
export const TransferRecordSchema = z.object({
  id: z.string(),
  direction: z.enum(['in', 'out']),
  peer: z.string(),
  items: z.array(ItemSchema),
  totalBytes: z.number().int().nonnegative(),
  blockBytes: z.number().int().positive(),
  state: z.enum(['offered', 'accepted', 'done', 'failed', 'cancelled', 'declined']),
  paused: z.array(z.enum(['me', 'peer', 'disk'])),
  reason: z.string().optional(),
  createdAt: z.number(),
  /** Outgoing: the local file of each item. */
  sources: z.array(z.string()).optional(),
  /** Incoming: the folder the files go to, and the folder each top-level folder of the offer became there. */
  directory: z.string().optional(),
  topFolders: z.record(z.string(), z.string()).optional(),
});
export type TransferRecord = z.infer<typeof TransferRecordSchema>;
export type TransferItem = z.infer<typeof ItemSchema>;

const hex8 = (n: number) => n.toString(16).padStart(8, '0');
const recordKey = (id: string) => `t\x00${id}`;
const blockKey = (id: string, item: number, block: number) => `b\x00${id}\x00${hex8(item)}\x00${hex8(block)}`;
const doneKey = (id: string, item: number) => `d\x00${id}\x00${hex8(item)}`;
const range = (ns: string, id?: string) => (id === undefined ? { gt: `${ns}\x00`, lt: `${ns}\x01` } : { gt: `${ns}\x00${id}\x00`, lt: `${ns}\x00${id}\x01` });

export class FilesTable {
  constructor(private readonly table: FeatureTable) {}

  /** Every transfer kept (a damaged record is skipped, never fatal). */
  async transfers(): Promise<TransferRecord[]> {
    const out: TransferRecord[] = [];
    for await (const [, raw] of this.table.db.iterator(range('t'))) {
      try {
        const parsed = TransferRecordSchema.safeParse(JSON.parse(raw));
        if (parsed.success) out.push(parsed.data);
      } catch {
        // a damaged record: the transfer is forgotten rather than the app refusing to start
      }
    }
    return out;
  }

  /** Stores the record; synced. */
  save(record: TransferRecord): Promise<void> {
    const batch = this.table.commit.begin();
    batch.put(recordKey(record.id), JSON.stringify(record));
    return batch.committed;
  }

  /** Verified blocks (their data already synced); synced. */
  recordBlocks(id: string, blocks: ReadonlyArray<{ item: number; block: number; digest: Uint8Array }>): Promise<void> {
    const batch = this.table.commit.begin();
    for (const { item, block, digest } of blocks) batch.put(blockKey(id, item, block), Buffer.from(digest).toString('hex'));
    return batch.committed;
  }

  /** A file of the transfer is in place at `path` (its blocks are forgotten, no longer needed); synced. */
  recordDone(id: string, item: number, path: string, blockCount: number): Promise<void> {
    const batch = this.table.commit.begin();
    batch.put(doneKey(id, item), path);
    for (let block = 0; block < blockCount; block++) batch.del(blockKey(id, item, block));
    return batch.committed;
  }

  async blocks(id: string): Promise<Array<{ item: number; block: number; digest: Uint8Array }>> {
    const out = [];
    for await (const [key, hex] of this.table.db.iterator(range('b', id))) {
      const [item, block] = key.slice(key.length - 17).split('\x00').map((h) => parseInt(h, 16));
      out.push({ item: item!, block: block!, digest: Buffer.from(hex, 'hex') });
    }
    return out;
  }

  async doneItems(id: string): Promise<Array<{ item: number; path: string }>> {
    const out = [];
    for await (const [key, path] of this.table.db.iterator(range('d', id))) out.push({ item: parseInt(key.slice(key.length - 8), 16), path });
    return out;
  }

  /** Everything written so far is on disk. */
  flush(): Promise<void> {
    return this.table.commit.flush();
  }
}
