import type { Socket } from 'node:net';
import { formatAddress } from '../../shared/address';
import type { SessionKey } from '../../shared/ids';
import type { PeerLimits, PeerTimeouts } from '../../shared/protocol/limits';
import type { Connection } from './connection';

/** What eviction needs to know of one slot. */
export interface Slot {
  /** The remote IP address. */
  address: string;
  /** When it was accepted (ms). */
  since: number;
  /** A stranger that is not identified yet (or never can be: plain text), or idle: one that may go for a newcomer. */
  evictable: boolean;
}

/**
 * The slot to free for a newcomer from `newcomer` when `slots` (one full table) has no room, or null when the
 * newcomer must be refused. Address diversity, as Bitcoin Core's eviction: the victim comes from the address
 * holding the most slots of the table, and only if that is more than the newcomer's address holds, so a crowd from
 * a few addresses cannot keep out someone from another; among those, the oldest. Slots that are not evictable
 * (contacts, active strangers, connections already closing) still count for their address but never go.
 */
export function evictionFor<S extends Slot>(slots: readonly S[], newcomer: string): S | null {
  const held = new Map<string, number>();
  for (const slot of slots) held.set(slot.address, (held.get(slot.address) ?? 0) + 1);
  const newcomerHolds = held.get(newcomer) ?? 0;
  let victim: S | null = null;
  let victimHolds = 0;
  for (const slot of slots) {
    const holds = held.get(slot.address)!;
    if (!slot.evictable || holds <= newcomerHolds) continue;
    if (victim === null || holds > victimHolds || (holds === victimHolds && slot.since < victim.since)) {
      victim = slot;
      victimHolds = holds;
    }
  }
  return victim;
}

/** One accepted socket, from accept until it closes; its connection once the listener has classified it. */
interface InboundSlot extends Slot {
  socket: Socket;
  connection: Connection | null;
}

export interface InboundSlotsOptions {
  limits: PeerLimits;
  timeouts: PeerTimeouts;
  /** Whether a session key belongs to a known contact: contacts are never evicted for strangers. */
  isContact: (key: SessionKey) => boolean;
  log: (line: string) => void;
}

/**
 * The listener's slot tables: every accepted socket until it closes. Two tables share these slots: pending ones
 * (not yet an open session) up to `maxPendingConnections`, and all of them up to `maxInboundConnections`; one
 * address holds at most `maxConnectionsPerAddress`. Our own dials are not here: they have their own budget.
 */
export class InboundSlots {
  private readonly slots = new Map<Socket, InboundSlot>();

  constructor(private readonly opts: InboundSlotsOptions) {}

  /**
   * Takes a slot for a newly accepted socket, evicting a stranger when a table is full and the newcomer's address
   * is less crowded than the victim's. Returns why it must be refused instead, or null once it holds a slot.
   */
  admit(socket: Socket): string | null {
    const { limits } = this.opts;
    const address = socket.remoteAddress ?? 'unknown';
    const all = [...this.slots.values()].map((slot) => this.refresh(slot));
    const fromAddress = all.filter((slot) => slot.address === address).length;
    if (fromAddress >= limits.maxConnectionsPerAddress) return `too many connections from ${address} (${fromAddress})`;
    const pending = all.filter((slot) => !isOpen(slot));
    if (pending.length >= limits.maxPendingConnections) {
      const victim = evictionFor(pending, address);
      if (!victim) return `too many connections still handshaking (${pending.length})`;
      this.evict(victim, address, pending);
    } else if (all.length >= limits.maxInboundConnections) {
      const victim = evictionFor(all, address);
      if (!victim) return `too many connections (${limits.maxInboundConnections})`;
      this.evict(victim, address, all);
    }
    this.slots.set(socket, { socket, address, since: Date.now(), evictable: true, connection: null });
    socket.once('close', () => this.slots.delete(socket));
    return null;
  }

  /** The listener made a connection of the socket in this slot. */
  attach(socket: Socket, connection: Connection): void {
    const slot = this.slots.get(socket);
    if (slot) slot.connection = connection;
  }

  /** Shutting down: destroys the sockets not yet sessions (sessions are closed by the node). */
  destroyUnclassified(): void {
    for (const slot of this.slots.values()) if (slot.connection === null) slot.socket.destroy();
  }

  private refresh(slot: InboundSlot): InboundSlot {
    slot.evictable = this.evictable(slot.connection);
    return slot;
  }

  private evictable(connection: Connection | null): boolean {
    if (connection === null) return true;
    const known = connection.mode === 'secure' && connection.peerKey !== null && this.opts.isContact(connection.peerKey);
    if (known) return false;
    switch (connection.state) {
      case 'connecting':
      case 'handshaking':
        return true;
      case 'open':
        return connection.mode === 'plain' || Date.now() - connection.lastActiveAt >= this.opts.timeouts.strangerIdleMs;
      default:
        return false; // already on its way out
    }
  }

  private evict(victim: InboundSlot, newcomer: string, table: readonly InboundSlot[]): void {
    this.slots.delete(victim.socket);
    const held = table.filter((slot) => slot.address === victim.address).length;
    const kind = victim.connection?.mode ?? 'unclassified';
    const from = formatAddress(victim.address, victim.socket.remotePort ?? 0);
    this.opts.log(`evicted ${kind} ${from} (${describe(victim.connection)}; ${victim.address} held ${held} slots) for a newcomer from ${newcomer}`);
    // The error is the reason the connection (or the listener's sniffing) reports for this socket's end.
    victim.socket.destroy(new Error(`evicted for a newcomer from ${newcomer}`));
  }
}

function isOpen(slot: InboundSlot): boolean {
  const state = slot.connection?.state;
  return state === 'open' || state === 'closing' || state === 'closed';
}

function describe(connection: Connection | null): string {
  if (connection === null) return 'said nothing yet';
  if (connection.state !== 'open') return 'handshaking';
  if (connection.mode === 'plain') return 'plain text, unidentified';
  return `idle for ${Math.round((Date.now() - connection.lastActiveAt) / 1000)} s`;
}

/**
 * Why a dial of ours must wait, or null: only dials under way (TCP, handshake, hello) count against our own
 * budget, since the sessions we dialed are our contacts' and the person's, however many.
 */
export function dialRefusal(dialing: ReadonlySet<unknown>, connections: Iterable<Connection>, limits: PeerLimits): string | null {
  let underWay = dialing.size;
  for (const connection of connections) if (connection.direction === 'outbound' && connection.state !== 'open') underWay++;
  return underWay >= limits.maxOutboundConnections ? `Too many connections being dialed already (${limits.maxOutboundConnections}).` : null;
}
