/** What the groups feature holds of one group while it runs, beside its engine. */
import type { GroupRecord } from '../../store/groups';
import type { Receipt } from './codec';
import type { GroupEngine } from './engine/engine';

export interface GroupState {
  record: GroupRecord;
  engine: GroupEngine;
  /** member → author → the latest sequence the member holds (its own receipts, and those passed on). */
  receipts: Map<string, Map<string, number>>;
  /** Receipts raised since they last went out, and who told us (null: our own): only news is passed on. */
  news: Map<string, { receipt: Receipt; from: string | null }>;
  /** Per connected member, the members it says it is connected to: what it receives, they get from it. */
  links: Map<string, ReadonlySet<string>>;
  /** Our messages not yet delivered to every member: seq → id. */
  undelivered: Map<number, string>;
  /** Our messages handed to at least one session. */
  sent: Set<string>;
  /** The delivered count last told, per own message. */
  told: Map<string, number>;
  wasMember: boolean;
}
