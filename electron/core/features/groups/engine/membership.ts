/**
 * Who is in a group, as a pure function of a set of membership operations (and their causal links). Every member
 * holding the same operations computes the same answer, whatever order they arrived in.
 *
 * Every operation was checked against the membership of its own causal past when it was accepted (the author
 * was a member; an admin for add, remove, promote and rename). Concurrent operations are then resolved here:
 * - operations run in display order (clock, author, id), which is consistent with causality;
 * - a removal (or a leave) wins over a concurrent add of the same person;
 * - whatever a removed member did concurrently with its removal does not count;
 * - when two admins remove each other concurrently, the less senior admin's removal does not count (seniority:
 *   the creator first, then by when each became admin).
 */
import { compareEnvelopes, type MemberRecord, type MemberRole, type MembershipOp } from './envelope';
import type { Clock } from './clock';

/** A membership operation as the resolver sees it. `past`: the ids of the operations in its causal past. */
export interface OpRecord {
  id: string;
  author: string;
  clock: Clock;
  op: MembershipOp;
  past: OpSet;
}

/** A set of operation ids, interned by its key (the sorted ids), so equal sets are one object and one memo. */
export interface OpSet {
  readonly key: string;
  readonly ids: ReadonlySet<string>;
}

export interface MemberState {
  role: MemberRole;
  /** The operation that made this member an admin (the creator's: the group's first message); null for others. */
  adminSince: OrderKey | null;
  /** The latest record (name, addresses) the member published, or the one it was added with. */
  record: MemberRecord | null;
  addedBy: string | null;
}

export interface Membership {
  name: string;
  creator: string | null;
  members: ReadonlyMap<string, MemberState>;
  /** Who left or was removed, and by whom. */
  removed: ReadonlyMap<string, { by: string; op: string }>;
}

type OrderKey = Pick<OpRecord, 'clock' | 'author' | 'id'>;

const EMPTY_MEMBERSHIP: Membership = Object.freeze({ name: '', creator: null, members: new Map(), removed: new Map() });

function removalTarget(record: OpRecord): string | null {
  if (record.op.op === 'remove') return record.op.member;
  if (record.op.op === 'leave') return record.author;
  return null;
}

function concurrent(a: OpRecord, b: OpRecord): boolean {
  return a.id !== b.id && !a.past.ids.has(b.id) && !b.past.ids.has(a.id);
}

export class MembershipResolver {
  private readonly memo = new Map<string, Membership>();

  constructor(private readonly lookup: (id: string) => OpRecord | undefined) {}

  /** The membership after the operations of `set` (which holds its own causal past). */
  resolve(set: OpSet): Membership {
    const known = this.memo.get(set.key);
    if (known) return known;
    const result = set.ids.size === 0 ? EMPTY_MEMBERSHIP : this.compute(set);
    this.memo.set(set.key, result);
    return result;
  }

  private compute(set: OpSet): Membership {
    const ops = [...set.ids].map((id) => {
      const record = this.lookup(id);
      if (!record) throw new Error(`membership operation ${id} is not known`);
      return record;
    });
    ops.sort(compareEnvelopes);
    const removals = ops.filter((record) => removalTarget(record) !== null);
    const outranked = new Set<string>();
    for (const removal of removals) {
      if (removal.op.op !== 'remove') continue;
      const target = removal.op.member;
      const counter = removals.find((other) => other.op.op === 'remove' && other.author === target && other.op.member === removal.author && concurrent(other, removal));
      if (counter && this.moreSenior(counter, removal)) outranked.add(removal.id);
    }
    const effectiveRemovals = removals.filter((removal) => !outranked.has(removal.id));
    const removedConcurrently = (member: string, record: OpRecord) =>
      effectiveRemovals.some((removal) => removalTarget(removal) === member && concurrent(removal, record));

    let name = '';
    let creator: string | null = null;
    const members = new Map<string, MemberState>();
    const removed = new Map<string, { by: string; op: string }>();
    for (const record of ops) {
      const { op, author } = record;
      if (op.op === 'create') {
        if (record.past.ids.size !== 0 || creator !== null) continue;
        creator = author;
        name = op.name;
        members.set(author, { role: 'admin', adminSince: record, record: null, addedBy: null });
        continue;
      }
      if (outranked.has(record.id)) continue;
      const self = members.get(author);
      if (!self) continue;
      if (op.op !== 'leave' && removedConcurrently(author, record)) continue;
      const isAdmin = self.role === 'admin';
      switch (op.op) {
        case 'add':
          if (!isAdmin || members.has(op.member) || removedConcurrently(op.member, record)) break;
          members.set(op.member, { role: op.role, adminSince: op.role === 'admin' ? record : null, record: op.record, addedBy: author });
          removed.delete(op.member);
          break;
        case 'remove':
          if (!isAdmin || !members.delete(op.member)) break;
          removed.set(op.member, { by: author, op: record.id });
          break;
        case 'promote': {
          const target = members.get(op.member);
          if (isAdmin && target && target.role !== 'admin') members.set(op.member, { ...target, role: 'admin', adminSince: record });
          break;
        }
        case 'leave':
          members.delete(author);
          removed.set(author, { by: author, op: record.id });
          break;
        case 'rename':
          if (isAdmin) name = op.name;
          break;
        case 'profile':
          members.set(author, { ...self, record: op.record });
          break;
      }
    }
    return { name, creator, members, removed };
  }

  /** Whether the author of `a` was the more senior admin, each as of its own operation. */
  private moreSenior(a: OpRecord, b: OpRecord): boolean {
    const since = (record: OpRecord) => this.resolve(record.past).members.get(record.author)?.adminSince ?? null;
    const sinceA = since(a);
    const sinceB = since(b);
    if (!sinceA || !sinceB) return sinceA !== null;
    const order = compareEnvelopes(sinceA, sinceB);
    return order !== 0 ? order < 0 : a.author < b.author;
  }
}

/**
 * Why `op` by `author` may not be accepted at a point whose membership is `state`, or null if it may: an
 * operation must be authorised where it was written, by what its author knew.
 */
export function refuseOp(state: Membership, author: string, op: MembershipOp): string | null {
  const self = state.members.get(author);
  if (op.op === 'create') return 'a group is created only by its first message';
  if (!self) return 'the author is not a member';
  const admin = self.role === 'admin';
  switch (op.op) {
    case 'add':
      if (!admin) return 'only an admin adds members';
      if (state.members.has(op.member)) return 'already a member';
      return null;
    case 'remove':
      if (!admin) return 'only an admin removes members';
      if (!state.members.has(op.member)) return 'not a member';
      if (op.member === author) return 'a member leaves rather than removing itself';
      return null;
    case 'promote':
      if (!admin) return 'only an admin promotes members';
      if (state.members.get(op.member)?.role !== 'member') return 'not a member who could become admin';
      return null;
    case 'rename':
      return admin ? null : 'only an admin renames the group';
    case 'leave':
    case 'profile':
      return null;
  }
}
