/**
 * Members keep sessions to a few other members, not a full mesh: a member with fewer than `target` live sessions
 * to a group's members dials some of the others, at the addresses in their signed member records (the record a
 * member publishes of itself, or the one it was added with). So the group holds together when the member who
 * introduced everyone goes away. Dials go through the node's ordinary connection path: the session must still
 * be made, and it counts for the group only if the one who answers proves the member's key.
 *
 * A record is a hint from a member, which could name someone else's address: each member is dialed at most once
 * per MESH_RETRY_MS, at most MESH_DIALS_PER_CHECK at a time, and at most MAX_MEMBER_ADDRESSES addresses each.
 */

/** Live sessions to a group's members that a member keeps, dialing more when it has fewer. */
export const MESH_TARGET_SESSIONS = 3;
/** How often a member looks at its sessions, besides when one to a member ends. */
export const MESH_CHECK_MS = 5_000;
/** A member dialed (whether it answered or not) is not dialed again for this long. */
export const MESH_RETRY_MS = 60_000;
/** Dials under way at once, over all groups. */
export const MESH_DIALS_PER_CHECK = 2;

export interface MeshMember {
  key: string;
  addresses: readonly string[];
}

export interface MeshHost {
  me: string;
  now(): number;
  isConnected(key: string): boolean;
  /** Dials `key` at `addresses`; resolves once a session is open with whoever answered (its key). */
  dial(key: string, addresses: readonly string[]): Promise<string>;
  /** Someone other than the member answered: its session is not the group's. */
  wrongPeer(expected: string, answered: string): void;
  log(line: string): void;
}

export class GroupMesh {
  private readonly lastTried = new Map<string, number>();
  private readonly dialing = new Set<string>();

  constructor(
    private readonly host: MeshHost,
    private readonly target: number = MESH_TARGET_SESSIONS,
  ) {}

  /** Looks at one group's members (with their records' addresses) and dials a few if too few are connected. */
  check(members: readonly MeshMember[]): void {
    const { host } = this;
    const others = members.filter((member) => member.key !== host.me);
    const live = others.filter((member) => host.isConnected(member.key)).length;
    const underWay = others.filter((member) => this.dialing.has(member.key)).length;
    let wanted = Math.min(this.target - live - underWay, MESH_DIALS_PER_CHECK - this.dialing.size);
    if (wanted <= 0) return;
    const now = host.now();
    const candidates = others.filter((member) =>
      member.addresses.length > 0 && !host.isConnected(member.key) && !this.dialing.has(member.key) && now - (this.lastTried.get(member.key) ?? -Infinity) >= MESH_RETRY_MS);
    // Each member tries the others in its own order (by a mix of both keys), so not every member dials the same few.
    candidates.sort((a, b) => spread(host.me, a.key) - spread(host.me, b.key) || (a.key < b.key ? -1 : 1));
    for (const member of candidates) {
      if (wanted-- <= 0) break;
      this.dial(member);
    }
  }

  /** A member is gone from the group: it is not dialed again for it. */
  forget(key: string): void {
    this.lastTried.delete(key);
  }

  private dial(member: MeshMember): void {
    const { host } = this;
    this.dialing.add(member.key);
    this.lastTried.set(member.key, host.now());
    host.dial(member.key, member.addresses).then(
      (answered) => {
        if (answered !== member.key) host.wrongPeer(member.key, answered);
      },
      (err: Error) => host.log(`group member ${member.key.slice(0, 8)} not reached at ${member.addresses.join(', ')}: ${err.message}`),
    ).finally(() => this.dialing.delete(member.key));
  }
}

/** A number from two keys, the same for the same pair: a member's own order of the others. */
function spread(me: string, other: string): number {
  let mixed = 0;
  for (let i = 0; i < 8; i++) mixed = (mixed * 31 + (parseInt(me.slice(i * 2, i * 2 + 2), 16) ^ parseInt(other.slice(i * 2, i * 2 + 2), 16))) >>> 0;
  return mixed;
}
