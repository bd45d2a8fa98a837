/**
 * An in-process network of group engines for the seeded simulator: members write texts and membership
 * operations, pushes and syncs travel as packets that the network delivers in random order, duplicates and drops
 * across partitions. The same shape as the real feature: push to members, forward what is new, answer "latest
 * sequence per author" with what the other lacks (bounded batches, operations first), ask again when links are missing.
 */
import { toHex } from '../../shared/bytes';
import { newSigner, sodiumGroupCrypto } from '../../electron/core/features/groups/crypto';
import { GroupEngine, GroupRefusal } from '../../electron/core/features/groups/engine/engine';
import { encodeCarried, sealEnvelope, type GroupSigner, type MembershipOp } from '../../electron/core/features/groups/engine/envelope';

type Packet =
  | { kind: 'envelopes'; from: string; to: string; items: Uint8Array[]; more: boolean }
  | { kind: 'heads'; from: string; to: string; seqs: [string, number][]; wants: string[] };

export interface SimMember {
  key: string;
  signer: GroupSigner;
  engine: GroupEngine | null;
}

export class GroupSimulation {
  readonly members = new Map<string, SimMember>();
  private queue: Packet[] = [];
  private readonly cut = new Set<string>();
  clock = 1_700_000_000_000;
  readonly now = () => this.clock;
  groupId = '';
  /** Every envelope any member ever wrote, carried in full: for replays and order-independence checks. */
  readonly written: Uint8Array[] = [];

  constructor(private readonly random: () => number, count: number) {
    for (let i = 0; i < count; i++) {
      const signer = newSigner();
      this.members.set(toHex(signer.publicKey), { key: toHex(signer.publicKey), signer, engine: null });
    }
  }

  get keys(): string[] {
    return [...this.members.keys()];
  }

  create(creator: string, name: string) {
    const member = this.members.get(creator)!;
    const { engine, genesis } = GroupEngine.create(name, member.signer, sodiumGroupCrypto, this.now);
    member.engine = engine;
    this.groupId = engine.groupId;
    for (const other of this.members.values()) other.engine ??= new GroupEngine(engine.groupId, sodiumGroupCrypto, this.now);
    this.remember(engine, genesis.id);
  }

  private remember(engine: GroupEngine, id: string) {
    const entry = engine.entry(id)!;
    const carried = engine.carried(id, entry.envelope.author);
    if (carried) this.written.push(carried.bytes);
  }

  /** `author` writes; false if its engine refuses (it knows it is no longer a member). */
  write(author: string, what: { text: string } | { op: MembershipOp }): string | null {
    const member = this.members.get(author)!;
    const engine = member.engine!;
    try {
      const { envelope } = 'text' in what ? engine.writeText(what.text, member.signer) : engine.writeOp(what.op, member.signer);
      this.remember(engine, envelope.id);
      this.push(author, envelope.id);
      return envelope.id;
    } catch (err) {
      if (err instanceof GroupRefusal) return null;
      throw err;
    }
  }

  /** Sends `id` to every member the sender knows of (and to whoever the operation concerns). */
  private push(from: string, id: string) {
    const engine = this.members.get(from)!.engine!;
    for (const to of this.keys) {
      if (to === from) continue;
      const carried = engine.carried(id, to);
      if (carried && (engine.membership.members.has(to) || engine.sharing(id, to) === 'full')) {
        this.queue.push({ kind: 'envelopes', from, to, items: [carried.bytes], more: false });
      }
    }
  }

  sync(from: string, to: string) {
    const engine = this.members.get(from)!.engine!;
    const wants = [...engine.missingLinks(), ...engine.bodiesLacked(from)];
    this.queue.push({ kind: 'heads', from, to, seqs: [...engine.latestSeqs()], wants });
  }

  partition(groups: string[][]) {
    this.cut.clear();
    for (const a of this.keys) {
      for (const b of this.keys) {
        if (groups.findIndex((g) => g.includes(a)) !== groups.findIndex((g) => g.includes(b))) this.cut.add(`${a}>${b}`);
      }
    }
  }

  heal() {
    this.cut.clear();
  }

  /** Delivers up to `count` packets in random order; a packet may arrive twice; packets across a cut are lost. */
  step(count: number, duplicateChance = 0.1) {
    for (let i = 0; i < count && this.queue.length > 0; i++) {
      const index = Math.floor(this.random() * this.queue.length);
      const packet = this.queue[index]!;
      if (this.random() >= duplicateChance) this.queue.splice(index, 1);
      this.clock += Math.floor(this.random() * 3);
      if (this.cut.has(`${packet.from}>${packet.to}`)) continue;
      this.deliver(packet);
    }
  }

  /** Runs until nothing is in flight (bounded). */
  drain(limit = 200_000) {
    let steps = 0;
    while (this.queue.length > 0 && steps++ < limit) this.step(1, 0);
    if (this.queue.length > 0) throw new Error('the simulation did not settle');
  }

  private deliver(packet: Packet) {
    const receiver = this.members.get(packet.to)?.engine;
    if (!receiver) return;
    if (packet.kind === 'heads') {
      const { batch: missing, more } = receiver.missingFor(new Map(packet.seqs), packet.from);
      const batch = [...receiver.wanted(packet.wants, packet.from), ...missing];
      if (batch.length > 0 && this.members.has(packet.from)) this.queue.push({ kind: 'envelopes', from: packet.to, to: packet.from, items: batch.map((b) => b.bytes), more });
      return;
    }
    let askAgain = packet.more;
    for (const bytes of packet.items) {
      const result = receiver.receive(bytes);
      if (result.missing.length > 0) askAgain = true;
      for (const entry of result.accepted) this.forward(packet.to, entry.envelope.id);
    }
    if (askAgain && this.members.has(packet.from)) this.sync(packet.to, packet.from);
  }

  /** A member forwards what it accepted to a few others (not everyone: gossip, as over a line of peers). */
  private forward(from: string, id: string) {
    const engine = this.members.get(from)!.engine!;
    for (const to of this.keys) {
      if (to === from || this.random() > 0.3) continue;
      const carried = engine.carried(id, to);
      if (carried && engine.membership.members.has(to)) this.queue.push({ kind: 'envelopes', from, to, items: [carried.bytes], more: false });
    }
  }

  /**
   * `author` equivocates: it signs two different texts with the same next sequence number and gives one to `one`
   * and the other to `other` (itself holding both). Returns the two ids, or null if it is not a member.
   */
  fork(author: string, one: string, other: string): [string, string] | null {
    const member = this.members.get(author)!;
    const engine = member.engine!;
    if (!engine.membership.members.has(author)) return null;
    const seq = (engine.latestSeqs().get(author) ?? 0) + 1;
    const prev = seq === 1 ? null : [...engine.allEntries()].find((entry) => entry.envelope.author === author && entry.envelope.seq === seq - 1)!.envelope;
    const linked = prev ?? engine.entry(this.groupId)!.envelope;
    const clock = { ms: Math.max(linked.clock.ms, this.clock) + 1, counter: 0 };
    const branches = ['left', 'right'].map((side) => sealEnvelope(
      { group: this.groupId, seq, prev: prev?.id ?? null, clock, parents: prev ? [] : [this.groupId] },
      { kind: 'text', text: `${author.slice(0, 4)} forks ${side}` }, member.signer, sodiumGroupCrypto,
    ));
    for (const [index, branch] of branches.entries()) {
      const bytes = encodeCarried(branch, true);
      this.written.push(bytes);
      engine.receive(bytes);
      this.queue.push({ kind: 'envelopes', from: author, to: index === 0 ? one : other, items: [bytes], more: false });
    }
    return [branches[0]!.id, branches[1]!.id];
  }

  inject(to: string, bytes: Uint8Array, from = 'rogue') {
    this.queue.push({ kind: 'envelopes', from, to, items: [bytes], more: false });
  }
}
