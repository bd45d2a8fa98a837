/**
 * The sans-IO group engine: one group's history on one member. It takes envelopes however they arrive (pushed,
 * forwarded, synced, replayed from disk), applies the accept rule, keeps the display order, resolves membership,
 * and says what another member lacks. No sockets, no disk, no clock of its own: its host feeds it bytes and time.
 *
 * Accept rule, for every envelope: it parses and its signature is the author's; it belongs to this group; its
 * links (the author's previous message and the parents) are held — else it waits, hidden, and its missing links
 * are asked for; its sequence number follows the author's previous; its clock is ahead of every link and not far
 * in the future; its author was a member where it was written (an admin, for what only admins may do). Anything
 * else is dropped with a notice and never stored, so never forwarded. A replay changes nothing.
 *
 * A fork (an author signing two different messages with one sequence number) is kept, both branches: members
 * cannot know which one others got first, so keeping only the first would let the author make them disagree.
 * Every member keeps every validly signed branch, offers them at every sync (a "latest sequence" cannot say which
 * branch one holds), and so all converge on the same set; order and membership are functions of that set.
 */
import { bytesEqual, toHex } from '../../../../../shared/bytes';
import { compareClocks, maxClock, tick, ZERO_CLOCK, type Clock } from './clock';
import {
  compareEnvelopes, decodeBody, encodeCarried, GroupEnvelopeError, MAX_PARENTS, openEnvelope, sealEnvelope, signedPartOf,
  type Body, type Envelope, type GroupCrypto, type GroupSigner, type MembershipOp,
} from './envelope';
import { MembershipResolver, refuseOp, type Membership, type OpRecord, type OpSet } from './membership';

/** How far ahead of our own clock a message's clock may be (a peer's clock that runs fast). */
export const MAX_CLOCK_AHEAD_MS = 5 * 60_000;
/** Envelopes waiting for links, over all authors, and per author: bounded, so a flood of orphans cannot grow memory. */
export const MAX_WAITING = 20_000;
export const MAX_WAITING_PER_AUTHOR = 5_000;
/** A sync batch: at most this many envelopes and about this many bytes. */
export const SYNC_BATCH_COUNT = 256;
export const SYNC_BATCH_BYTES = 96 * 1024;

/** An accepted message, as the engine keeps it. */
export interface GroupEntry {
  envelope: Envelope;
  /** The body, or null when only the header was shared with us (written before we were added). */
  body: Body | null;
  /** Membership operations in this message's causal past. */
  past: OpSet;
}

/** A message that became visible, in display order. `late`: it went in before messages already shown. */
export interface Shown {
  id: string;
  author: string;
  clock: Clock;
  text: string;
  late: boolean;
}

export type DropReason = 'malformed' | 'forged' | 'other-group' | 'sequence' | 'clock' | 'not-member' | 'not-allowed' | 'missing-link' | 'waiting-full';

export interface Notice {
  reason: DropReason;
  detail: string;
  id?: string;
  author?: string;
}

export interface ReceiveResult {
  /** Newly accepted envelopes (including ones that were waiting for this one), in the order accepted. */
  accepted: GroupEntry[];
  /** Of those, the texts that became visible. */
  shown: Shown[];
  /** Links we lack: ask the sender for them. */
  missing: string[];
  /** Dropped envelopes and why. */
  notices: Notice[];
  /** The membership changed. */
  membershipChanged: boolean;
}

/** One envelope to send, with or without its body. */
export interface Outgoing {
  id: string;
  bytes: Uint8Array;
  isOp: boolean;
}

export type Sharing = 'full' | 'header' | null;

const EMPTY_KEY = '';

interface Waiting {
  envelope: Envelope;
  missing: Set<string>;
}

export class GroupEngine {
  private readonly entries = new Map<string, GroupEntry>();
  private readonly ops = new Map<string, OpRecord>();
  private readonly sets = new Map<string, OpSet>([[EMPTY_KEY, { key: EMPTY_KEY, ids: new Set() }]]);
  private readonly resolver = new MembershipResolver((id) => this.ops.get(id));
  /** author → seq → id (the first branch accepted). Accepted sequences are 1..n with no gap, since each links its previous. */
  private readonly chains = new Map<string, string[]>();
  /** Messages accepted at a sequence number already taken by another of the same author: the other branches of forks. */
  private readonly forks = new Set<string>();
  private readonly heads = new Set<string>();
  private readonly waiting = new Map<string, Waiting>();
  /** The signature (the start of it, hex) of each envelope held or waiting → its id: to know a copy without hashing it. */
  private readonly bySignature = new Map<string, string>();
  private readonly waitingByAuthor = new Map<string, number>();
  private readonly waitingOn = new Map<string, Set<string>>();
  /** Entries held without their body (headers of what came before we joined, or a body still to come). */
  private readonly bare = new Set<string>();
  /** Visible texts in display order. */
  private readonly display: GroupEntry[] = [];
  private latestClock: Clock = ZERO_CLOCK;
  private current: Membership;
  private allOps: OpSet;

  constructor(
    readonly groupId: string,
    private readonly crypto: GroupCrypto,
    private readonly now: () => number,
  ) {
    this.allOps = this.sets.get(EMPTY_KEY)!;
    this.current = this.resolver.resolve(this.allOps);
  }

  /** A new group: the creator's signed first message, whose id is the group's id. */
  static create(name: string, signer: GroupSigner, crypto: GroupCrypto, now: () => number): { engine: GroupEngine; genesis: Envelope } {
    const genesis = sealEnvelope(
      { group: '', seq: 1, prev: null, clock: tick(ZERO_CLOCK, now()), parents: [] },
      { kind: 'op', op: { op: 'create', name } }, signer, crypto,
    );
    const engine = new GroupEngine(genesis.id, crypto, now);
    const result = engine.receiveEnvelope(genesis);
    if (result.accepted.length !== 1) throw new Error(`the group's first message was refused: ${result.notices[0]?.detail}`);
    return { engine, genesis };
  }

  // ---- what the host reads ----

  get membership(): Membership {
    return this.current;
  }

  get size(): number {
    return this.entries.size;
  }

  get waitingCount(): number {
    return this.waiting.size;
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  allEntries(): IterableIterator<GroupEntry> {
    return this.entries.values();
  }

  entry(id: string): GroupEntry | undefined {
    return this.entries.get(id);
  }

  /** The visible texts in display order (clock, author, id). */
  ordered(): readonly GroupEntry[] {
    return this.display;
  }

  /** Latest sequence number per author: what a peer compares with its own to know what it lacks. */
  latestSeqs(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [author, chain] of this.chains) out.set(author, chain.length);
    return out;
  }

  /** Ids accepted as another branch of a fork by their author. */
  forkedIds(): ReadonlySet<string> {
    return this.forks;
  }

  /**
   * What the hidden messages wait for, by author: how many of an author's messages are missing below the
   * ones of its that wait (its chain has a hole there); `other`: links to messages of authors we cannot tell
   * (a missing parent is just an id until it arrives).
   */
  gaps(): { byAuthor: Map<string, number>; other: number } {
    const waitingSeqs = new Map<string, number[]>();
    const otherLinks = new Set<string>();
    for (const { envelope, missing } of this.waiting.values()) {
      let seqs = waitingSeqs.get(envelope.author);
      if (!seqs) waitingSeqs.set(envelope.author, (seqs = []));
      seqs.push(envelope.seq);
      for (const link of missing) if (link !== envelope.prev && !this.waiting.has(link)) otherLinks.add(link);
    }
    const byAuthor = new Map<string, number>();
    for (const [author, seqs] of waitingSeqs) {
      const held = this.chains.get(author)?.length ?? 0;
      const highest = Math.max(...seqs);
      const lacking = highest - held - new Set(seqs.filter((seq) => seq > held)).size;
      if (lacking > 0) byAuthor.set(author, lacking);
    }
    return { byAuthor, other: otherLinks.size };
  }

  /** Which links a waiting envelope lacks, for asking again. */
  missingLinks(): string[] {
    const out: string[] = [];
    for (const id of this.waitingOn.keys()) if (!this.waiting.has(id)) out.push(id);
    return out;
  }

  /** The membership where `id` was written (before it), or null for an unknown id. */
  membershipAt(id: string): Membership | null {
    const entry = this.entries.get(id);
    return entry ? this.resolver.resolve(entry.past) : null;
  }

  // ---- receiving ----

  /** Takes one carried envelope, from anyone. Never throws for bad input: it says why in `notices`. */
  receive(bytes: Uint8Array): ReceiveResult {
    if (this.isCopy(bytes)) return emptyResult();
    let envelope: Envelope;
    try {
      envelope = openEnvelope(bytes, this.crypto, (id) => this.entries.has(id) || this.waiting.has(id));
    } catch (err) {
      if (!(err instanceof GroupEnvelopeError)) throw err;
      const reason = err.message.includes('signature') || err.message.includes('signed hash') ? 'forged' : 'malformed';
      return { ...emptyResult(), notices: [{ reason, detail: err.message }] };
    }
    return this.receiveEnvelope(envelope);
  }

  /**
   * Whether `bytes` carry exactly the signed bytes of an envelope we hold (or keep waiting) and nothing it lacks:
   * a copy (members pass on what they take, so copies are most of what arrives after a partition heals) changes
   * nothing, and is known without hashing or verifying. The signature picks the candidate; the signed bytes
   * must then be equal, so a tampered copy still goes through every check.
   */
  private isCopy(bytes: Uint8Array): boolean {
    const part = signedPartOf(bytes);
    if (!part) return false;
    const id = this.bySignature.get(signatureKeyOf(part.signature));
    const held = id === undefined ? undefined : this.entries.get(id)?.envelope ?? this.waiting.get(id)?.envelope;
    return held !== undefined && (held.body !== null || !part.hasBody) && bytesEqual(held.signed, part.signed);
  }

  private receiveEnvelope(envelope: Envelope): ReceiveResult {
    const result = emptyResult();
    const isGenesis = envelope.group === '';
    if (isGenesis ? envelope.id !== this.groupId : envelope.group !== this.groupId) {
      result.notices.push(notice('other-group', 'the envelope belongs to another group', envelope));
      return result;
    }
    const known = this.entries.get(envelope.id);
    if (known) {
      if (!known.body && envelope.body) this.reveal(known, envelope.body, result);
      return result;
    }
    const waiting = this.waiting.get(envelope.id);
    if (waiting) {
      if (!waiting.envelope.body && envelope.body) waiting.envelope = envelope;
      return result;
    }
    const links = linksOf(envelope);
    const missing = links.filter((link) => !this.entries.has(link));
    if (missing.length > 0) {
      this.wait(envelope, missing, result);
      return result;
    }
    this.acceptNow(envelope, result);
    return result;
  }

  private wait(envelope: Envelope, missing: string[], result: ReceiveResult) {
    const authorCount = this.waitingByAuthor.get(envelope.author) ?? 0;
    if (this.waiting.size >= MAX_WAITING || authorCount >= MAX_WAITING_PER_AUTHOR) {
      result.notices.push(notice('waiting-full', 'too many messages wait for earlier ones; it will come again with the next sync', envelope));
      return;
    }
    this.waiting.set(envelope.id, { envelope, missing: new Set(missing) });
    this.bySignature.set(signatureKey(envelope), envelope.id);
    this.waitingByAuthor.set(envelope.author, authorCount + 1);
    for (const link of missing) {
      let dependents = this.waitingOn.get(link);
      if (!dependents) this.waitingOn.set(link, (dependents = new Set()));
      dependents.add(envelope.id);
      if (!this.waiting.has(link)) result.missing.push(link);
    }
  }

  /** Accepts `first` if it passes, then whatever waited for it, without recursion. */
  private acceptNow(first: Envelope, result: ReceiveResult) {
    const queue: Envelope[] = [first];
    while (queue.length > 0) {
      const envelope = queue.shift()!;
      const refusal = this.check(envelope);
      if (refusal) {
        result.notices.push(refusal);
        this.dropDependents(envelope.id, result);
        continue;
      }
      this.store(envelope, result);
      const dependents = this.waitingOn.get(envelope.id);
      if (!dependents) continue;
      this.waitingOn.delete(envelope.id);
      for (const id of dependents) {
        const waiting = this.waiting.get(id);
        if (!waiting) continue;
        waiting.missing.delete(envelope.id);
        if (waiting.missing.size === 0) {
          this.unwait(id, waiting.envelope.author);
          queue.push(waiting.envelope);
        }
      }
    }
  }

  private unwait(id: string, author: string) {
    const waiting = this.waiting.get(id);
    if (waiting) this.bySignature.delete(signatureKey(waiting.envelope));
    this.waiting.delete(id);
    const count = (this.waitingByAuthor.get(author) ?? 1) - 1;
    if (count <= 0) this.waitingByAuthor.delete(author);
    else this.waitingByAuthor.set(author, count);
  }

  /** A refused envelope can never be a link: whatever waited for it is dropped too. */
  private dropDependents(id: string, result: ReceiveResult) {
    const stack = [id];
    while (stack.length > 0) {
      const link = stack.pop()!;
      const dependents = this.waitingOn.get(link);
      if (!dependents) continue;
      this.waitingOn.delete(link);
      for (const dependent of dependents) {
        const waiting = this.waiting.get(dependent);
        if (!waiting) continue;
        this.unwait(dependent, waiting.envelope.author);
        for (const other of waiting.missing) this.waitingOn.get(other)?.delete(dependent);
        result.notices.push(notice('missing-link', `it links ${link.slice(0, 8)}, which was refused`, waiting.envelope));
        stack.push(dependent);
      }
    }
  }

  private check(envelope: Envelope): Notice | null {
    const refuse = (reason: DropReason, detail: string) => notice(reason, detail, envelope);
    if (envelope.prev !== null) {
      const previous = this.entries.get(envelope.prev)!;
      if (previous.envelope.author !== envelope.author || previous.envelope.seq !== envelope.seq - 1) {
        return refuse('sequence', `message number ${envelope.seq} does not follow the author's number ${envelope.seq - 1}`);
      }
    } else if (envelope.group !== '' && envelope.parents.length === 0) {
      return refuse('missing-link', 'only the group\'s first message links nothing');
    }
    for (const link of linksOf(envelope)) {
      if (compareClocks(envelope.clock, this.entries.get(link)!.envelope.clock) <= 0) return refuse('clock', 'its clock is not ahead of a message it links');
    }
    if (envelope.clock.ms > this.now() + MAX_CLOCK_AHEAD_MS) return refuse('clock', 'its clock is too far in the future');
    const body = envelope.body ? decodeBody(envelope) : null;
    const isGenesis = envelope.group === '';
    if (isGenesis) {
      if (body?.kind !== 'op' || body.op.op !== 'create' || envelope.parents.length > 0) return refuse('malformed', 'the group\'s first message creates it');
      return null;
    }
    const state = this.resolver.resolve(this.pastOf(envelope));
    if (!state.members.has(envelope.author)) return refuse('not-member', 'the author was not a member where this was written');
    if (envelope.bodyKind === 1) {
      if (body?.kind !== 'op') return refuse('malformed', 'a membership operation always travels with its body');
      const why = refuseOp(state, envelope.author, body.op);
      if (why) return refuse('not-allowed', why);
    }
    return null;
  }

  /** The membership operations in the causal past of `envelope` (its links and theirs), interned. */
  private pastOf(envelope: Envelope): OpSet {
    const links = linksOf(envelope).map((id) => this.entries.get(id)!);
    let largest = this.sets.get(EMPTY_KEY)!;
    for (const link of links) if (link.past.ids.size > largest.ids.size) largest = link.past;
    const extra: string[] = [];
    for (const link of links) {
      if (link.envelope.bodyKind === 1 && !largest.ids.has(link.envelope.id)) extra.push(link.envelope.id);
      if (link.past !== largest) for (const id of link.past.ids) if (!largest.ids.has(id)) extra.push(id);
    }
    if (extra.length === 0) return largest;
    return this.intern(new Set([...largest.ids, ...extra]));
  }

  private intern(ids: Set<string>): OpSet {
    const key = [...ids].sort().join(',');
    let set = this.sets.get(key);
    if (!set) this.sets.set(key, (set = { key, ids }));
    return set;
  }

  private store(envelope: Envelope, result: ReceiveResult) {
    const isGenesis = envelope.group === '';
    const past = isGenesis ? this.sets.get(EMPTY_KEY)! : this.pastOf(envelope);
    const body = envelope.body ? decodeBody(envelope) : null;
    const entry: GroupEntry = { envelope, body, past };
    this.entries.set(envelope.id, entry);
    this.bySignature.set(signatureKey(envelope), envelope.id);
    let chain = this.chains.get(envelope.author);
    if (!chain) this.chains.set(envelope.author, (chain = []));
    if (chain[envelope.seq - 1] === undefined) chain[envelope.seq - 1] = envelope.id;
    else this.forks.add(envelope.id);
    for (const link of linksOf(envelope)) this.heads.delete(link);
    this.heads.add(envelope.id);
    this.latestClock = maxClock(this.latestClock, envelope.clock);
    result.accepted.push(entry);
    if (!body) this.bare.add(envelope.id);
    if (body?.kind === 'op') {
      this.ops.set(envelope.id, { id: envelope.id, author: envelope.author, clock: envelope.clock, op: body.op, past });
      this.allOps = this.intern(new Set([...this.allOps.ids, envelope.id]));
      this.current = this.resolver.resolve(this.allOps);
      result.membershipChanged = true;
    }
    if (body?.kind === 'text') this.show(entry, result);
  }

  private reveal(entry: GroupEntry, bodyBytes: Uint8Array, result: ReceiveResult) {
    this.bare.delete(entry.envelope.id);
    entry.envelope = { ...entry.envelope, body: bodyBytes };
    entry.body = decodeBody(entry.envelope);
    if (entry.body?.kind === 'text') this.show(entry, result);
  }

  private show(entry: GroupEntry, result: ReceiveResult) {
    let low = 0;
    let high = this.display.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (compareEnvelopes(this.display[mid]!.envelope, entry.envelope) < 0) low = mid + 1;
      else high = mid;
    }
    this.display.splice(low, 0, entry);
    const { id, author, clock } = entry.envelope;
    result.shown.push({ id, author, clock, text: (entry.body as { text: string }).text, late: low < this.display.length - 1 });
  }

  // ---- writing ----

  /** Writes, signs and accepts a message by `signer`. Throws if the accept rule refuses it (say, not a member). */
  write(body: Body, signer: GroupSigner): { envelope: Envelope; result: ReceiveResult } {
    const author = toHex(signer.publicKey);
    const chain = this.chains.get(author) ?? [];
    const prev = chain.length > 0 ? chain[chain.length - 1]! : null;
    const parents = [...this.heads]
      .filter((id) => id !== prev)
      .map((id) => this.entries.get(id)!)
      .sort((a, b) => compareEnvelopes(b.envelope, a.envelope))
      .slice(0, MAX_PARENTS)
      .map((entry) => entry.envelope.id);
    const envelope = sealEnvelope(
      { group: this.groupId, seq: chain.length + 1, prev, clock: tick(this.latestClock, this.now()), parents },
      body, signer, this.crypto,
    );
    const result = this.receiveEnvelope(envelope);
    if (result.accepted.length === 0) throw new GroupRefusal(result.notices[0]?.detail ?? 'the message was not accepted');
    return { envelope, result };
  }

  writeText(text: string, signer: GroupSigner) {
    return this.write({ kind: 'text', text }, signer);
  }

  writeOp(op: MembershipOp, signer: GroupSigner) {
    return this.write({ kind: 'op', op }, signer);
  }

  // ---- sharing ----

  /**
   * What `member` may have of `id`: all of it where it was a member (and the operation that adds or removes
   * it); only the header of what came before it joined, so it can check the links; nothing created after its
   * removal.
   */
  sharing(id: string, member: string): Sharing {
    const entry = this.entries.get(id);
    if (!entry) return null;
    const isOp = entry.envelope.bodyKind === 1;
    if (this.resolver.resolve(entry.past).members.has(member)) return 'full';
    if (isOp && entry.body?.kind === 'op' && 'member' in entry.body.op && entry.body.op.member === member) return 'full';
    if (this.current.members.has(member)) return isOp ? 'full' : 'header';
    return null;
  }

  /**
   * Ids whose body `member` may read but holds only the header of (another late member passed the header on):
   * to ask for by id. At most `limit`.
   */
  bodiesLacked(member: string, limit = SYNC_BATCH_COUNT): string[] {
    const out: string[] = [];
    for (const id of this.bare) {
      if (out.length >= limit) break;
      if (this.sharing(id, member) === 'full') out.push(id);
    }
    return out;
  }

  /** What we can give `member` of the ids it asked for (missing links, missing bodies), bounded like a batch. */
  wanted(ids: readonly string[], member: string): Outgoing[] {
    const out: Outgoing[] = [];
    let bytes = 0;
    for (const id of ids.slice(0, SYNC_BATCH_COUNT)) {
      const outgoing = this.carried(id, member);
      if (!outgoing) continue;
      if (out.length > 0 && bytes + outgoing.bytes.length > SYNC_BATCH_BYTES) break;
      out.push(outgoing);
      bytes += outgoing.bytes.length;
    }
    return out;
  }

  /** The carried bytes of `id` for `member`, or null if it gets nothing of it. */
  carried(id: string, member: string): Outgoing | null {
    const sharing = this.sharing(id, member);
    const entry = this.entries.get(id);
    if (!sharing || !entry) return null;
    return { id, bytes: encodeCarried(entry.envelope, sharing === 'full' && entry.envelope.body !== null), isOp: entry.envelope.bodyKind === 1 };
  }

  /**
   * What `member` lacks, given its latest sequence per author, and may have: membership operations first, then
   * the rest in causal order; at most `limit`. The other branches of forks always go along: a sequence number
   * cannot tell which branch the member holds.
   */
  lackingFor(theirs: ReadonlyMap<string, number>, member: string, limit: number): Outgoing[] {
    const lacking: GroupEntry[] = [];
    for (const [author, chain] of this.chains) {
      for (let seq = (theirs.get(author) ?? 0) + 1; seq <= chain.length; seq++) lacking.push(this.entries.get(chain[seq - 1]!)!);
    }
    for (const id of this.forks) lacking.push(this.entries.get(id)!);
    lacking.sort((a, b) => (b.envelope.bodyKind - a.envelope.bodyKind) || compareEnvelopes(a.envelope, b.envelope));
    const out: Outgoing[] = [];
    for (const entry of lacking) {
      if (out.length >= limit) break;
      const outgoing = this.carried(entry.envelope.id, member);
      if (outgoing) out.push(outgoing);
    }
    return out;
  }

  /** The first bounded batch of `lackingFor`; `more` says a further batch is waiting. */
  missingFor(theirs: ReadonlyMap<string, number>, member: string): { batch: Outgoing[]; more: boolean } {
    const lacking = this.lackingFor(theirs, member, Number.MAX_SAFE_INTEGER);
    const batch: Outgoing[] = [];
    let bytes = 0;
    for (const outgoing of lacking) {
      if (batch.length >= SYNC_BATCH_COUNT || (batch.length > 0 && bytes + outgoing.bytes.length > SYNC_BATCH_BYTES)) return { batch, more: true };
      batch.push(outgoing);
      bytes += outgoing.bytes.length;
    }
    return { batch, more: false };
  }
}

export class GroupRefusal extends Error {
  override name = 'GroupRefusal';
}

/** The first bytes of a signature name it well enough to find a candidate; the signed bytes are compared after. */
const SIGNATURE_KEY_BYTES = 16;

function signatureKeyOf(signature: Uint8Array): string {
  return toHex(signature.subarray(0, SIGNATURE_KEY_BYTES));
}

function signatureKey(envelope: Envelope): string {
  return signatureKeyOf(envelope.signed.subarray(envelope.headerLength));
}

function linksOf(envelope: Envelope): string[] {
  return envelope.prev === null ? envelope.parents : [envelope.prev, ...envelope.parents];
}

function notice(reason: DropReason, detail: string, envelope: Envelope): Notice {
  return { reason, detail, id: envelope.id, author: envelope.author };
}

function emptyResult(): ReceiveResult {
  return { accepted: [], shown: [], missing: [], notices: [], membershipChanged: false };
}
