/**
 * Group chat without a server. Each group is a GroupEngine (engine/engine.ts) whose accepted envelopes are
 * stored in accept order (store/groups.ts); this feature carries them between members over `group/1`:
 * - the author stores first (queued), then pushes to the members it is connected to (sent);
 * - a member stores what it accepts, then forwards it to its other connected members, and tells everyone
 *   reachable what it holds (receipts: member, author, latest sequence), which travel on like the messages,
 *   so the author counts who has it (delivered k of n);
 * - on every session with a member, and every SYNC_INTERVAL_MS, the two exchange "latest sequence per author"
 *   (with the ids either lacks) and each sends what the other may have and lacks: operations first, in bounded
 *   batches on the bulk lane.
 * Anything the engine refuses is dropped (never stored, so never forwarded) and counted in a notice.
 */
import type { ContractHandlers, Group, GroupMessage } from '../../../../shared/ipc/contract';
import { AppError } from '../../../../shared/ipc/result';
import { sessionKey, type SessionKey } from '../../../../shared/ids';
import type { ChannelSession } from '../../channels';
import { KeyedChain } from '../../keyed-chain';
import type { GroupRecord, GroupsTable } from '../../store/groups';
import type { ConversationContext } from '../conversations/context';
import { GROUP_CHANNEL, MAX_RECEIPTS, MAX_WANTS, type GroupChannelMessage, type Receipt } from './codec';
import { sodiumGroupCrypto, sodiumSigner } from './crypto';
import { GroupEngine, GroupRefusal, type GroupEntry, type Notice, type ReceiveResult } from './engine/engine';
import { encodeCarried, MAX_ADDRESS_BYTES, MAX_GROUP_TEXT_BYTES, MAX_MEMBER_ADDRESSES, type GroupSigner, type MemberRecord, type MembershipOp } from './engine/envelope';
import { GroupMesh, MESH_CHECK_MS, MESH_TARGET_SESSIONS } from './mesh';
import type { GroupState } from './state';
import { GroupViews } from './views';

/** How often connected members compare what they hold, besides at every new session. */
export const SYNC_INTERVAL_MS = 15_000;
/** Receipts gathered this long go out together: a burst of messages costs a few receipt messages, not one each. */
const RECEIPT_FLUSH_MS = 50;
/** Groups someone began to share with us that do not make us a member yet (a join arriving in pieces). */
const MAX_TENTATIVE_GROUPS = 16;
/** Envelopes sent in one `envelopes` message, and about how many bytes. */
const PUSH_BATCH_COUNT = 256;
const PUSH_BATCH_BYTES = 96 * 1024;
/** The most envelopes one answer to "latest sequence per author" sends; the next sync sends the rest. */
const MAX_SYNC_ANSWER = 50_000;
/**
 * A batch that makes us accept more than this many envelopes is a catch-up (a sync answer, a healed partition),
 * not live traffic: its forwarding waits CATCH_UP_FORWARD_DELAY_MS, for the receipts of members who caught up
 * the same way meanwhile, so each gets what it still lacks rather than a copy from every neighbour.
 */
const LIVE_BATCH_MAX = 16;
const CATCH_UP_FORWARD_DELAY_MS = 3 * RECEIPT_FLUSH_MS;
/** A dial to a member from its record gives up after this long. */
const MESH_DIAL_MS = 10_000;
/** The name a member gives itself in its record, at most (the rest of a long name is cut). */
const RECORD_NAME_CHARS = 64;

type GroupHandlers = Pick<ContractHandlers, 'group:create' | 'group:add' | 'group:remove' | 'group:promote' | 'group:rename' | 'group:leave' | 'group:send' | 'group:history' | 'group:list'>;

export class GroupsFeature {
  readonly handlers: GroupHandlers;
  private readonly groups = new Map<string, GroupState>();
  private readonly tentative = new Map<string, GroupEngine>();
  private readonly chain = new KeyedChain();
  private readonly signer: GroupSigner;
  private readonly me: string;
  private timer: NodeJS.Timeout | null = null;
  private receiptFlush = new Set<string>();
  private receiptTimer: NodeJS.Timeout | null = null;
  private meshTimer: NodeJS.Timeout | null = null;
  private readonly forwardTimers = new Set<NodeJS.Timeout>();
  private readonly mesh: GroupMesh;
  private readonly views: GroupViews;
  /** member key → when we last had a session with it, heard from it, or heard it took messages. */
  private readonly lastSeen = new Map<string, number>();

  /** `meshTarget`: live sessions to a group's members each member keeps by dialing from records (0: none). */
  constructor(
    private readonly ctx: ConversationContext,
    private readonly table: GroupsTable,
    private readonly now: () => number = Date.now,
    private readonly meshTarget: number = MESH_TARGET_SESSIONS,
  ) {
    const { identity } = ctx.node;
    ctx.node.on('disconnected', ({ peer }) => {
      let member = false;
      for (const state of this.groups.values()) {
        state.links.delete(peer);
        if (!state.engine.membership.members.has(peer)) continue;
        member = true;
        this.lastSeen.set(peer, this.now());
        this.tellLinks(state);
      }
      if (member) this.keepMesh();
    });
    this.mesh = new GroupMesh({
      me: identity.id,
      now,
      isConnected: (key) => ctx.node.isConnected(sessionKey(key)),
      dial: async (key, addresses) => (await ctx.node.connectKey(key, [...addresses], AbortSignal.timeout(MESH_DIAL_MS))).peer,
      wrongPeer: (expected, answered) => ctx.node.emit('log', `group member ${expected.slice(0, 8)}'s record led to ${answered.slice(0, 8)}, who is not that member`),
      log: (line) => ctx.node.emit('log', line),
    }, meshTarget);
    this.signer = sodiumSigner(identity.publicKey, identity.secretKey);
    this.me = identity.id;
    this.views = new GroupViews(ctx, this.me, this.lastSeen, now);
    ctx.node.channel(GROUP_CHANNEL, {
      opened: (session) => this.opened(session),
      message: (session, message) => this.chain.run(message.group, () => this.onMessage(session, message)).catch((err) => ctx.events.raise(err)),
    });
    this.handlers = {
      'group:create': async ({ name, members }) => this.create(name, members),
      'group:add': async ({ group, member, role }) => this.change(group, () => ({ op: 'add', member: this.memberKey(member), role, record: this.recordOf(member) })),
      'group:remove': async ({ group, member }) => this.change(group, () => ({ op: 'remove', member: this.memberKey(member) })),
      'group:promote': async ({ group, member }) => this.change(group, () => ({ op: 'promote', member: this.memberKey(member) })),
      'group:rename': async ({ group, name }) => this.change(group, () => ({ op: 'rename', name })),
      'group:leave': async ({ group }) => {
        await this.change(group, () => ({ op: 'leave' }));
        return null;
      },
      'group:send': async ({ group, text }) => this.send(group, text),
      'group:history': async ({ group, before, limit }) => this.history(group, before, limit),
      'group:list': async () => [...this.groups.values()].map((state) => this.views.view(state)),
    };
  }

  /** Loads every group from the store (replaying its envelopes through the accept rule) and starts syncing. */
  async start(): Promise<void> {
    for (const record of await this.table.groups()) {
      const engine = new GroupEngine(record.id, sodiumGroupCrypto, this.now);
      for await (const bytes of this.table.envelopesOf(record.id)) engine.receive(bytes);
      const state = this.stateOf(record, engine);
      for (const [seq, id] of this.ownChain(engine)) state.undelivered.set(seq, id);
      this.groups.set(record.id, state);
    }
    this.timer = setInterval(() => this.syncAll(), SYNC_INTERVAL_MS);
    this.timer.unref();
    if (this.meshTarget > 0) {
      this.meshTimer = setInterval(() => this.keepMesh(), MESH_CHECK_MS);
      this.meshTimer.unref();
    }
  }

  /**
   * Once we listen: our record in each group we are in says where we are now (a changed address or name is a
   * new signed record), so the others can dial us.
   */
  async publishRecords(): Promise<void> {
    for (const state of this.groups.values()) {
      if (this.isMember(state)) await this.chain.run(state.record.id, async () => void (await this.publishRecord(state)));
    }
  }

  close(): void {
    if (this.meshTimer) clearInterval(this.meshTimer);
    this.meshTimer = null;
    for (const timer of this.forwardTimers) clearTimeout(timer);
    this.forwardTimers.clear();
    if (this.timer) clearInterval(this.timer);
    if (this.receiptTimer) clearTimeout(this.receiptTimer);
    this.timer = null;
    this.receiptTimer = null;
  }

  // ---- what the person does ----

  private async create(name: string, members: string[]): Promise<Group> {
    const keys = [...new Set(members.map((member) => this.memberKey(member)))].filter((key) => key !== this.me);
    const { engine, genesis } = GroupEngine.create(name, this.signer, sodiumGroupCrypto, this.now);
    const record: GroupRecord = { id: engine.groupId, name, joinedAt: this.now(), joinedBy: this.me };
    const stored = [encodeCarried(genesis, true)];
    for (const key of keys) {
      const { envelope } = engine.writeOp({ op: 'add', member: key, role: 'member', record: this.recordOf(key) }, this.signer);
      stored.push(encodeCarried(envelope, true));
    }
    const own = this.ownRecord();
    if (own.addresses.length > 0) stored.push(encodeCarried(engine.writeOp({ op: 'profile', record: own }, this.signer).envelope, true));
    await this.table.saveGroup(record);
    await this.table.append(record.id, stored);
    const state = this.stateOf(record, engine);
    this.groups.set(record.id, state);
    this.ctx.events.emit('group:updated', this.views.view(state));
    this.syncAll(record.id);
    return this.views.view(state);
  }

  private async change(group: string, op: () => MembershipOp): Promise<Group> {
    const state = this.stateFor(group);
    return this.chain.run(group, async () => {
      await this.writeOp(state, op());
      return this.views.view(state);
    });
  }

  /** Writes, stores and pushes a membership operation of ours (inside the group's chain). */
  private async writeOp(state: GroupState, op: MembershipOp): Promise<void> {
    const entry = this.write(state, op);
    await this.table.append(state.record.id, [encodeCarried(entry.envelope, true)]);
    this.push(state, [entry.envelope.id], null);
    this.afterAccepting(state, [entry]);
  }

  /** Writes our record anew where it does not say what `ownRecord` says (inside the group's chain). */
  private async publishRecord(state: GroupState): Promise<void> {
    const own = this.ownRecord();
    const current = state.engine.membership.members.get(this.me)?.record;
    if (own.addresses.length === 0 || (current && current.name === own.name && sameList(current.addresses, own.addresses))) return;
    await this.writeOp(state, { op: 'profile', record: own });
  }

  /** Our record: our name and the addresses we listen on, as far as a record holds them. */
  private ownRecord(): MemberRecord {
    const { node } = this.ctx;
    const addresses = node.port > 0 ? node.dialableAddresses().filter((a) => new TextEncoder().encode(a).length <= MAX_ADDRESS_BYTES).slice(0, MAX_MEMBER_ADDRESSES) : [];
    return { name: node.displayName.slice(0, RECORD_NAME_CHARS), addresses };
  }

  /** Each group we are in: if we have too few sessions to its members, dial some from their records. */
  private keepMesh(): void {
    if (this.meshTarget <= 0) return;
    for (const state of this.groups.values()) {
      if (!this.isMember(state)) continue;
      this.mesh.check([...state.engine.membership.members].map(([key, member]) => ({ key, addresses: member.record?.addresses ?? [] })));
    }
  }

  private async send(group: string, text: string): Promise<GroupMessage> {
    const state = this.stateFor(group);
    if (new TextEncoder().encode(text).length > MAX_GROUP_TEXT_BYTES) throw new AppError('message-invalid', `A group message is at most ${MAX_GROUP_TEXT_BYTES} bytes.`);
    return this.chain.run(group, async () => {
      const entry = this.write(state, { text });
      await this.table.append(group, [encodeCarried(entry.envelope, true)]);
      state.undelivered.set(entry.envelope.seq, entry.envelope.id);
      this.push(state, [entry.envelope.id], null);
      this.afterAccepting(state, [entry]);
      return this.views.messageOf(state, entry, false);
    });
  }

  private write(state: GroupState, what: MembershipOp | { text: string }): GroupEntry {
    try {
      const { result } = 'text' in what ? state.engine.writeText(what.text, this.signer) : state.engine.writeOp(what, this.signer);
      return result.accepted[0]!;
    } catch (err) {
      if (err instanceof GroupRefusal) throw new AppError('group-refused', `The group does not take that: ${err.message}.`);
      throw err;
    }
  }

  private history(group: string, before: string | undefined, limit: number): { messages: GroupMessage[]; hasMore: boolean } {
    const state = this.stateFor(group);
    const ordered = state.engine.ordered();
    let end = ordered.length;
    if (before !== undefined) {
      end = ordered.findIndex((entry) => entry.envelope.id === before);
      if (end < 0) throw new AppError('unknown-message', 'That message is not in this group.');
    }
    const start = Math.max(0, end - limit);
    const names = this.views.names(state);
    return { messages: ordered.slice(start, end).map((entry) => this.views.messageOf(state, entry, false, names)), hasMore: start > 0 };
  }

  // ---- the channel ----

  private opened(session: ChannelSession<GroupChannelMessage>): void {
    for (const state of this.groups.values()) {
      if (!this.isMember(state) || !state.engine.membership.members.has(session.key)) continue;
      this.lastSeen.set(session.key, this.now());
      this.sendHeads(state, session);
      this.sendReceipts(state, session, this.allReceipts(state));
      this.tellLinks(state);
    }
    this.emitPresence(session.key);
  }

  private async onMessage(session: ChannelSession<GroupChannelMessage>, message: GroupChannelMessage): Promise<void> {
    const state = this.groups.get(message.group);
    const from = session.key;
    if (!state) return this.onUnknownGroup(session, message);
    // Only members (now, or at some point: a removed one may still hand us its last words) are heard.
    const { members, removed } = state.engine.membership;
    if (!members.has(from) && !removed.has(from)) return;
    this.lastSeen.set(from, this.now());
    switch (message.type) {
      case 'envelopes':
        return this.takeEnvelopes(state, session, message.items);
      case 'heads':
        return this.answerHeads(state.engine, session, message.seqs, message.wants);
      case 'receipts':
        if (members.has(from)) this.takeReceipts(state, message.receipts, from);
        return;
      case 'links':
        state.links.set(from, new Set(message.members));
        return;
    }
  }

  /**
   * Envelopes of a group we do not hold: someone may be adding us. Kept in a tentative engine (a few, from
   * contacts only) until they make us a member; then the group is ours.
   */
  private async onUnknownGroup(session: ChannelSession<GroupChannelMessage>, message: GroupChannelMessage): Promise<void> {
    const contact = this.ctx.store.contactByKey(session.key);
    if (!contact || contact.blocked || message.type === 'receipts' || message.type === 'links') return;
    if (message.type === 'heads') {
      // A member tells us what it holds of a group we lack: we hold nothing of it, so it sends what we may have.
      const known = this.tentative.get(message.group);
      return void session.send({ type: 'heads', group: message.group, seqs: known ? [...known.latestSeqs()] : [], wants: [] });
    }
    let engine = this.tentative.get(message.group);
    if (!engine) {
      if (this.tentative.size >= MAX_TENTATIVE_GROUPS) this.tentative.delete(this.tentative.keys().next().value!);
      engine = new GroupEngine(message.group, sodiumGroupCrypto, this.now);
      this.tentative.set(message.group, engine);
    }
    let missing = false;
    for (const item of message.items) missing = engine.receive(item).missing.length > 0 || missing;
    if (!engine.membership.members.has(this.me)) {
      if (missing) session.send({ type: 'heads', group: message.group, seqs: [...engine.latestSeqs()], wants: engine.missingLinks().slice(0, MAX_WANTS) });
      return;
    }
    // We are in: keep the group, with everything accepted so far in the order it was accepted.
    this.tentative.delete(message.group);
    const record: GroupRecord = { id: message.group, name: engine.membership.name, joinedAt: this.now(), joinedBy: this.adderOf(engine) ?? session.key };
    const replay = new GroupEngine(message.group, sodiumGroupCrypto, this.now);
    const state = this.stateOf(record, replay);
    this.groups.set(record.id, state);
    await this.table.saveGroup(record);
    const accepted: GroupEntry[] = [];
    // An engine's entries are in the order it accepted them, so each comes after its links.
    for (const entry of engine.allEntries()) accepted.push(...replay.receive(encodeCarried(entry.envelope, entry.body !== null)).accepted);
    await this.table.append(record.id, accepted.map((entry) => encodeCarried(entry.envelope, entry.body !== null)));
    this.ctx.events.emit('group:joined', { group: record.id, name: record.name, by: record.joinedBy });
    this.push(state, accepted.map((entry) => entry.envelope.id), session.key);
    this.afterAccepting(state, accepted);
    this.sendHeads(state, session);
    // (Already inside the group's chain: this message's turn.)
    await this.publishRecord(state);
  }

  private async takeEnvelopes(state: GroupState, session: ChannelSession<GroupChannelMessage>, items: Uint8Array[]): Promise<void> {
    const waitingBefore = state.engine.waitingCount;
    const accepted: GroupEntry[] = [];
    const notices: Notice[] = [];
    let missing = false;
    const late = new Set<string>();
    for (const item of items) {
      const result: ReceiveResult = state.engine.receive(item);
      accepted.push(...result.accepted);
      notices.push(...result.notices.filter((notice) => notice.reason !== 'waiting-full'));
      if (result.missing.length > 0) missing = true;
      for (const shown of result.shown) if (shown.late) late.add(shown.id);
    }
    // Passed on at once, checked as it is: what we pass on needs no disk of ours (a member who lacks it later gets
    // it by sync). Our receipts, and the UI, wait for our store. A catch-up is passed on a little later.
    const ids = accepted.map((entry) => entry.envelope.id);
    if (ids.length <= LIVE_BATCH_MAX) this.push(state, ids, session.key);
    else this.pushLater(state, ids, session.key);
    if (accepted.length > 0) await this.table.append(state.record.id, accepted.map((entry) => encodeCarried(entry.envelope, entry.body !== null)));
    if (notices.length > 0) this.tellDropped(state, session.key, notices);
    if (late.size > 0) {
      this.ctx.events.emit('group:notice', { group: state.record.id, text: `${late.size} earlier message${late.size === 1 ? '' : 's'} arrived.` });
    }
    this.afterAccepting(state, accepted, late);
    // What is hidden, and what it waits for, is part of the group's view.
    if (state.engine.waitingCount !== waitingBefore && !accepted.some((entry) => entry.envelope.bodyKind === 1)) this.ctx.events.emit('group:updated', this.views.view(state));
    if (missing) this.sendHeads(state, session);
  }

  private tellDropped(state: GroupState, from: SessionKey, notices: Notice[]): void {
    const reasons = [...new Set(notices.map((notice) => notice.reason))].join(', ');
    const text = `Dropped ${notices.length} group message${notices.length === 1 ? '' : 's'} passed on by ${this.views.nameOf(from)} (${reasons}): they were not what their author signed, or not allowed.`;
    this.ctx.node.emit('log', `group ${state.record.id.slice(0, 8)}: ${text} ${notices[0]!.detail}`);
    this.ctx.events.emit('group:notice', { group: state.record.id, text });
  }

  /** After storing what we accepted (our own or others'): tell the UI and say what we now hold. */
  private afterAccepting(state: GroupState, accepted: GroupEntry[], late: ReadonlySet<string> = new Set()): void {
    if (accepted.length === 0) return;
    let membershipChanged = false;
    // Names once for the batch: telling look-alike names apart hashes every member's key.
    let names: Map<string, string> | undefined;
    for (const entry of accepted) {
      if (entry.envelope.bodyKind === 1) {
        membershipChanged = true;
        names = undefined;
      }
      if (entry.body?.kind === 'text' && entry.envelope.author !== this.me) {
        names ??= this.views.names(state);
        this.ctx.events.emit('group:message-received', this.views.messageOf(state, entry, late.has(entry.envelope.id), names));
      }
    }
    if (membershipChanged) this.membershipChanged(state);
    this.noteReceipt(state, this.me, state.engine.latestSeqs());
  }

  private membershipChanged(state: GroupState): void {
    const membership = state.engine.membership;
    if (membership.name && membership.name !== state.record.name) {
      state.record = { ...state.record, name: membership.name };
      void this.table.saveGroup(state.record).catch((err) => this.ctx.events.raise(err));
    }
    this.ctx.events.emit('group:updated', this.views.view(state));
    const isMember = membership.members.has(this.me);
    if (state.wasMember && !isMember) {
      const removal = membership.removed.get(this.me);
      this.ctx.events.emit('group:removed', { group: state.record.id, by: removal?.by ?? this.me });
    }
    state.wasMember = isMember;
    // Who is a member changed, so which of our sessions are the group's links did too.
    if (isMember) this.tellLinks(state);
    this.updateStatuses(state);
  }

  /** Tells our connected members which members we are connected to (see `push`). */
  private tellLinks(state: GroupState): void {
    const sessions = this.memberSessions(state);
    const members = sessions.map((session) => session.key as string);
    for (const session of sessions) session.send({ type: 'links', group: state.record.id, members: members.filter((m) => m !== session.key) });
  }

  /**
   * Sends `ids` to every connected member who may have them, but `except` (who gave them to us) and the members
   * `except` says it is connected to (it passes them on itself), their author, and whoever's receipts say it
   * holds them already. A link list that is out of date costs a duplicate, or a wait for the next sync.
   */
  private push(state: GroupState, ids: string[], except: SessionKey | null): void {
    const theirs = except === null ? undefined : state.links.get(except);
    for (const session of this.memberSessions(state)) {
      if (session.key === except || theirs?.has(session.key)) continue;
      const held = state.receipts.get(session.key);
      const items = ids.flatMap((id) => {
        const { author, seq } = state.engine.entry(id)!.envelope;
        if (author === session.key || (held?.get(author) ?? 0) >= seq) return [];
        const outgoing = state.engine.carried(id, session.key);
        return outgoing ? [outgoing.bytes] : [];
      });
      if (items.length === 0) continue;
      this.sendBatches(state.record.id, session, items);
      for (const id of ids) this.markSent(state, id);
    }
  }

  private pushLater(state: GroupState, ids: string[], except: SessionKey): void {
    const timer = setTimeout(() => {
      this.forwardTimers.delete(timer);
      if (this.groups.get(state.record.id) === state) this.push(state, ids, except);
    }, CATCH_UP_FORWARD_DELAY_MS);
    this.forwardTimers.add(timer);
  }

  private markSent(state: GroupState, id: string): void {
    const entry = state.engine.entry(id);
    if (!entry || entry.envelope.author !== this.me || entry.body?.kind !== 'text' || state.sent.has(id)) return;
    state.sent.add(id);
    const { delivered, members, pending } = this.views.deliveryOf(state, entry.envelope.seq);
    if (delivered === 0) this.ctx.events.emit('group:status-changed', { group: state.record.id, id, status: 'sent', delivered, members, pending: this.views.pendingView(state, pending) });
  }

  private sendBatches(group: string, session: ChannelSession<GroupChannelMessage>, items: Uint8Array[]): void {
    for (const batch of batches(items)) session.sendBulk({ type: 'envelopes', group, items: batch }).catch((err: unknown) => this.ctx.events.raise(err));
  }

  private sendHeads(state: GroupState, session: ChannelSession<GroupChannelMessage>): void {
    const wants = [...state.engine.missingLinks(), ...state.engine.bodiesLacked(this.me)].slice(0, MAX_WANTS);
    session.send({ type: 'heads', group: state.record.id, seqs: [...state.engine.latestSeqs()], wants });
  }

  private answerHeads(engine: GroupEngine, session: ChannelSession<GroupChannelMessage>, seqs: Array<[string, number]>, wants: string[]): void {
    const items = engine.wanted(wants, session.key).map((outgoing) => outgoing.bytes);
    const lacking = engine.lackingFor(new Map(seqs), session.key, MAX_SYNC_ANSWER);
    items.push(...lacking.map((outgoing) => outgoing.bytes));
    if (items.length > 0) this.sendBatches(engine.groupId, session, items);
  }

  private syncAll(only?: string): void {
    for (const state of this.groups.values()) {
      if ((only !== undefined && state.record.id !== only) || !this.isMember(state)) continue;
      for (const session of this.memberSessions(state)) {
        this.sendHeads(state, session);
        if (only !== undefined) this.push(state, [...state.engine.allEntries()].map((e) => e.envelope.id), null);
      }
    }
  }

  // ---- receipts: who holds what ----

  private takeReceipts(state: GroupState, receipts: Receipt[], from: string): void {
    const changed: Receipt[] = [];
    for (const receipt of receipts) {
      if (!state.engine.membership.members.has(receipt.member) || receipt.member === this.me) continue;
      // A member speaks for itself; what it says of others it passes on.
      if (this.raise(state, receipt, from)) changed.push(receipt);
    }
    if (changed.length > 0) {
      this.updateStatuses(state);
      this.queueReceipts(state);
    }
  }

  private noteReceipt(state: GroupState, member: string, seqs: Map<string, number>): void {
    let changed = false;
    for (const [author, seq] of seqs) changed = this.raise(state, { member, author, seq }, null) || changed;
    if (changed) this.queueReceipts(state);
  }

  private raise(state: GroupState, receipt: Receipt, from: string | null): boolean {
    let held = state.receipts.get(receipt.member);
    if (!held) state.receipts.set(receipt.member, (held = new Map()));
    if ((held.get(receipt.author) ?? 0) >= receipt.seq) return false;
    held.set(receipt.author, receipt.seq);
    // It took something new: it was there since we last heard of it.
    if (receipt.member !== this.me) this.lastSeen.set(receipt.member, this.now());
    state.news.set(`${receipt.member}:${receipt.author}`, { receipt, from });
    return true;
  }

  /** News of receipts goes out once per turn, however many envelopes were taken in it; a new session gets them all. */
  private queueReceipts(state: GroupState): void {
    this.receiptFlush.add(state.record.id);
    this.receiptTimer ??= setTimeout(() => {
      this.receiptTimer = null;
      const groups = [...this.receiptFlush];
      this.receiptFlush.clear();
      for (const id of groups) {
        const current = this.groups.get(id);
        if (!current) continue;
        const news = [...current.news.values()];
        current.news.clear();
        // Nobody is told its own receipts, nor what came from it or from a member it is connected to (as for envelopes).
        for (const session of this.memberSessions(current)) {
          const receipts = news.filter(({ receipt, from }) => receipt.member !== session.key && from !== session.key && !(from !== null && current.links.get(from)?.has(session.key)));
          this.sendReceipts(current, session, receipts.map(({ receipt }) => receipt));
        }
      }
    }, RECEIPT_FLUSH_MS);
  }

  private allReceipts(state: GroupState): Receipt[] {
    const out: Receipt[] = [];
    for (const [member, held] of state.receipts) for (const [author, seq] of held) out.push({ member, author, seq });
    return out;
  }

  private sendReceipts(state: GroupState, session: ChannelSession<GroupChannelMessage>, receipts: Receipt[]): void {
    for (let i = 0; i < receipts.length; i += MAX_RECEIPTS) session.send({ type: 'receipts', group: state.record.id, receipts: receipts.slice(i, i + MAX_RECEIPTS) });
  }

  private updateStatuses(state: GroupState): void {
    let names: Map<string, string> | undefined;
    for (const [seq, id] of state.undelivered) {
      const { delivered, members, pending } = this.views.deliveryOf(state, seq);
      if (state.told.get(id) === delivered) continue;
      state.told.set(id, delivered);
      if (delivered === 0) continue;
      names ??= this.views.names(state);
      this.ctx.events.emit('group:status-changed', { group: state.record.id, id, status: 'delivered', delivered, members, pending: this.views.pendingView(state, pending, names) });
      if (delivered >= members) {
        state.undelivered.delete(seq);
        state.told.delete(id);
      }
    }
  }

  // ---- helpers ----

  private stateOf(record: GroupRecord, engine: GroupEngine): GroupState {
    return { record, engine, receipts: new Map(), news: new Map(), links: new Map(), undelivered: new Map(), sent: new Set(), told: new Map(), wasMember: engine.membership.members.has(this.me) };
  }

  private stateFor(group: string): GroupState {
    const state = this.groups.get(group);
    if (!state) throw new AppError('unknown-group', 'There is no group with that id.');
    return state;
  }

  private isMember(state: GroupState): boolean {
    return state.engine.membership.members.has(this.me);
  }

  private memberSessions(state: GroupState): ChannelSession<GroupChannelMessage>[] {
    const out: ChannelSession<GroupChannelMessage>[] = [];
    for (const member of state.engine.membership.members.keys()) {
      if (member === this.me) continue;
      const session = this.ctx.node.session(sessionKey(member), GROUP_CHANNEL);
      if (session?.open) out.push(session);
    }
    return out;
  }

  /** A member's key from a contact id (its pinned key) or a key given as is. */
  private memberKey(member: string): string {
    const contact = this.ctx.store.contact(member as never);
    if (contact?.mode === 'secure') return contact.key ?? contact.id;
    if (/^[0-9a-f]{64}$/.test(member)) return member;
    throw new AppError('unknown-peer', 'A group member is one of your contacts (an encrypted one), or a member\'s key.');
  }

  /** What we know of a member to put in its record: the name it gives itself and where we reach it. */
  private recordOf(member: string) {
    const key = this.memberKey(member);
    const contact = this.ctx.store.contactByKey(sessionKey(key));
    return { name: (contact?.peerName ?? '').slice(0, 64), addresses: (contact?.addresses ?? []).slice(0, 4).filter((a) => a.length <= 64) };
  }

  private emitPresence(key: SessionKey): void {
    for (const state of this.groups.values()) if (state.engine.membership.members.has(key)) this.ctx.events.emit('group:updated', this.views.view(state));
  }

  private ownChain(engine: GroupEngine): Array<[number, string]> {
    const out: Array<[number, string]> = [];
    for (const entry of engine.allEntries()) if (entry.envelope.author === this.me && entry.body?.kind === 'text') out.push([entry.envelope.seq, entry.envelope.id]);
    return out;
  }

  private adderOf(engine: GroupEngine): string | null {
    return engine.membership.members.get(this.me)?.addedBy ?? null;
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}

function batches(items: Uint8Array[]): Uint8Array[][] {
  const out: Uint8Array[][] = [];
  let current: Uint8Array[] = [];
  let bytes = 0;
  for (const item of items) {
    if (current.length > 0 && (current.length >= PUSH_BATCH_COUNT || bytes + item.length > PUSH_BATCH_BYTES)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += item.length;
  }
  if (current.length > 0) out.push(current);
  return out;
}

