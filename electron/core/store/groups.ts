/**
 * The groups' tables, in sublevels of their own (new tables need no layout change): each group's record, and
 * every envelope a member holds, in the order it was accepted, so replaying them at start never waits for a link.
 *
 * | sublevel `groups`, key       | value                                               |
 * | ---------------------------- | --------------------------------------------------- |
 * | `<group id>`                 | GroupRecord, JSON                                   |
 * | sublevel `group-envelopes`   |                                                     |
 * | `<group id>\0<n, 12 hex>`    | the carried envelope (with its body when we hold it) |
 *
 * Every write is synced: an envelope is acknowledged (by our receipts) only once it is on disk.
 */
import type { AbstractSublevel } from 'abstract-level';
import type { Db } from './layout';
import { seqHex } from './layout';

export interface GroupRecord {
  id: string;
  name: string;
  joinedAt: number;
  /** Whoever added us (our own key for a group we created). */
  joinedBy: string;
}

type Sub<V> = AbstractSublevel<Db, string | Buffer | Uint8Array, string, V>;

export class GroupsTable {
  private readonly records: Sub<string>;
  private readonly envelopes: Sub<Uint8Array>;
  private readonly next = new Map<string, number>();

  constructor(private readonly db: Db) {
    this.records = db.sublevel<string, string>('groups', { valueEncoding: 'utf8' }) as Sub<string>;
    this.envelopes = db.sublevel<string, Uint8Array>('group-envelopes', { valueEncoding: 'view' }) as Sub<Uint8Array>;
  }

  async groups(): Promise<GroupRecord[]> {
    const out: GroupRecord[] = [];
    for await (const value of this.records.values()) out.push(JSON.parse(value) as GroupRecord);
    return out;
  }

  /** A group's envelopes in the order they were stored. */
  async *envelopesOf(group: string): AsyncGenerator<Uint8Array> {
    let count = 0;
    for await (const value of this.envelopes.values({ gt: `${group}\x00`, lt: `${group}\x01` })) {
      count++;
      yield value;
    }
    this.next.set(group, count);
  }

  async saveGroup(record: GroupRecord): Promise<void> {
    await this.db.batch([{ type: 'put', sublevel: this.records, key: record.id, value: JSON.stringify(record) }], { sync: true });
  }

  async append(group: string, items: readonly Uint8Array[]): Promise<void> {
    if (items.length === 0) return;
    let n = this.next.get(group) ?? 0;
    const batch = items.map((value) => ({ type: 'put' as const, sublevel: this.envelopes, key: `${group}\x00${seqHex(n++)}`, value }));
    this.next.set(group, n);
    await this.db.batch(batch, { sync: true });
  }
}
