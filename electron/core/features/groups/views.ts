/**
 * What the person sees of groups: a group with its members (names told apart, online, last seen), a message with
 * its author and, for our own, how many members hold it and who does not yet.
 */
import { distinctNames } from '../../../../shared/names';
import type { Group, GroupMessage, GroupPending } from '../../../../shared/ipc/contract';
import { sessionKey } from '../../../../shared/ids';
import { fingerprintOf } from '../../identity';
import { shownName } from '../../trust';
import type { ConversationContext } from '../conversations/context';
import type { GroupEntry } from './engine/engine';
import type { GroupState } from './state';

export class GroupViews {
  constructor(
    private readonly ctx: Pick<ConversationContext, 'store' | 'node'>,
    private readonly me: string,
    /** When each member was last heard of (the feature keeps it). */
    private readonly lastSeen: ReadonlyMap<string, number>,
    private readonly now: () => number,
  ) {}

  /** How many of the other members hold our message number `seq`, and which do not. */
  deliveryOf(state: GroupState, seq: number): { delivered: number; members: number; pending: string[] } {
    let delivered = 0;
    let members = 0;
    const pending: string[] = [];
    for (const member of state.engine.membership.members.keys()) {
      if (member === this.me) continue;
      members++;
      if ((state.receipts.get(member)?.get(this.me) ?? 0) >= seq) delivered++;
      else pending.push(member);
    }
    return { delivered, members, pending };
  }

  pendingView(state: GroupState, pending: string[], names = this.names(state)): GroupPending[] {
    return pending.map((id) => ({ id, name: names.get(id) ?? id.slice(0, 8), lastSeen: this.lastSeen.get(id) ?? null }));
  }

  nameOf(key: string): string {
    if (key === this.me) return this.ctx.node.displayName;
    const contact = this.ctx.store.contactByKey(sessionKey(key));
    return contact ? shownName(contact) : key.slice(0, 8);
  }

  /** Names of everyone who ever wrote or was in the group, told apart where two read alike. */
  names(state: GroupState): Map<string, string> {
    const keys = new Set<string>([...state.engine.membership.members.keys(), ...state.engine.latestSeqs().keys()]);
    return distinctNames([...keys].map((key) => {
      const contact = key === this.me ? undefined : this.ctx.store.contactByKey(sessionKey(key));
      const record = state.engine.membership.members.get(key)?.record;
      const name = key === this.me ? this.ctx.node.displayName : contact ? shownName(contact) : record?.name || key.slice(0, 8);
      return { peer: key, name, fingerprint: fingerprintOf(Buffer.from(key, 'hex')) };
    }));
  }

  view(state: GroupState): Group {
    const names = this.names(state);
    const { members } = state.engine.membership;
    const gaps = state.engine.gaps();
    return {
      id: state.record.id,
      name: state.engine.membership.name || state.record.name,
      members: [...members].map(([id, member]) => ({
        id, name: names.get(id) ?? id.slice(0, 8), role: member.role, me: id === this.me, online: id === this.me || this.ctx.node.isConnected(sessionKey(id)),
        lastSeen: id === this.me ? this.now() : this.lastSeen.get(id) ?? null,
      })),
      isMember: members.has(this.me),
      joinedBy: state.record.joinedBy,
      waiting: state.engine.waitingCount,
      gaps: [...gaps.byAuthor].map(([author, missing]) => ({ author, name: names.get(author) ?? this.nameOf(author), missing })),
      otherMissing: gaps.other,
    };
  }

  messageOf(state: GroupState, entry: GroupEntry, late: boolean, names = this.names(state)): GroupMessage {
    const { id, author, clock, seq } = entry.envelope;
    const fromMe = author === this.me;
    const base = {
      group: state.record.id, id, from: author, fromName: names.get(author) ?? author.slice(0, 8), fromMe,
      text: entry.body?.kind === 'text' ? entry.body.text : '', sentAt: clock.ms, counter: clock.counter, late,
    };
    if (!fromMe) return base;
    const { delivered, members, pending } = this.deliveryOf(state, seq);
    const status = delivered > 0 ? 'delivered' : state.sent.has(id) ? 'sent' : 'queued';
    return { ...base, status, delivered, members, pending: this.pendingView(state, pending, names) };
  }
}
