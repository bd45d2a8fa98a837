import type { ContractHandlers, NearbyPeer, Settings } from '../../../../shared/ipc/contract';
import { AppError } from '../../../../shared/ipc/result';
import { fingerprintOf } from '../../identity';
import type { ContactRecord } from '../../store/types';
import { shownName } from '../../trust';
import type { ConnectionsFeature } from '../connections/connections';
import type { ConversationContext } from '../conversations/context';
import { newInstanceId, type Heard } from './announcement';
import { QUERY_INTERVAL_MS } from './limits';
import { NearbyTable, type NearbyEntry } from './nearby-table';
import type { DiscoveryRole, DiscoveryTransport } from './transport';

type DiscoveryHandlers = Pick<ContractHandlers, 'nearby:list' | 'nearby:connect'>;
export type NearbySettings = Pick<Settings, 'nearbyVisible' | 'nearbyLook' | 'probeAddresses'>;

export interface DiscoveryOptions {
  /** Null: this run takes no part in discovery (the list stays empty; the settings are still kept). */
  transport: DiscoveryTransport | null;
  /** This run's choice for both switches, not stored (the command: off unless `--discover`); absent: the settings. */
  override?: boolean;
  now?: () => number;
}

/**
 * Nearby peers: announces this Peerline on the local network and lists the ones heard, as hints. A hint becomes
 * a session only through a dial whose handshake shows the announced fingerprint; a peer showing another key is
 * dropped from the list. Known contacts heard nearby are dialed by themselves (the session stores the address);
 * strangers only when the person asks (`nearby:connect`).
 */
export class DiscoveryFeature {
  readonly handlers: DiscoveryHandlers;
  private readonly table: NearbyTable;
  private readonly instance = newInstanceId();
  private readonly now: () => number;
  private override: { nearbyVisible?: boolean; nearbyLook?: boolean };
  /** Contacts being dialed because they were heard, and when each was last tried. */
  private readonly lastAutoDial = new Map<string, number>();
  private readonly autoDialing = new Set<string>();
  /** The fingerprint of each contact key seen, so a heard fingerprint is matched without hashing every key again. */
  private readonly fingerprints = new Map<string, string>();
  private expiryTimer: NodeJS.Timeout | null = null;
  /** The list as last told in `nearby:updated`. */
  private lastTold = '[]';
  private closed = false;

  constructor(
    private readonly ctx: ConversationContext,
    private readonly connections: ConnectionsFeature,
    private readonly opts: DiscoveryOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.table = new NearbyTable(this.now);
    this.override = opts.override === undefined ? {} : { nearbyVisible: opts.override, nearbyLook: opts.override };
    // A contact made, renamed or removed changes what the list says of a peer heard.
    ctx.events.subscribe((event) => {
      if ((event === 'peer:updated' || event === 'conversation:removed') && this.table.size > 0) this.changed();
    });
    this.handlers = {
      'nearby:list': async () => ({ peers: this.peers() }),
      'nearby:connect': async ({ fingerprint, address }) => {
        const entry = this.table.find(fingerprint, address);
        if (!entry) throw new AppError('invalid-request', `${fingerprint} is no longer heard at ${address}.`);
        return this.dial(entry);
      },
    };
  }

  /** Starts announcing and listening as the settings say (once the node listens: the port is announced). */
  start(): void {
    if (!this.opts.transport) return;
    this.applyRole();
    this.expiryTimer = setInterval(() => {
      if (this.table.expire()) this.changed();
      // The probe list is asked again each interval, as multicast queries are, so its peers do not expire.
      const { nearbyLook, probeAddresses } = this.settings();
      if (nearbyLook && probeAddresses.length > 0) this.opts.transport?.probe(probeAddresses);
    }, QUERY_INTERVAL_MS);
  }

  settings(): NearbySettings {
    const stored = this.ctx.store.settings();
    return {
      nearbyVisible: this.override.nearbyVisible ?? stored.nearbyVisible ?? true,
      nearbyLook: this.override.nearbyLook ?? stored.nearbyLook ?? true,
      probeAddresses: stored.probeAddresses ?? [],
    };
  }

  /** After the settings changed (stored already): a switch the person set replaces this run's override. */
  settingsChanged(change: Partial<Settings>): void {
    if (change.nearbyVisible !== undefined) delete this.override.nearbyVisible;
    if (change.nearbyLook !== undefined) delete this.override.nearbyLook;
    this.applyRole();
  }

  peers(): NearbyPeer[] {
    const entries = this.table.list();
    const contacts = entries.length > 0 ? this.contactsByFingerprint() : new Map<string, ContactRecord>();
    return entries.map((entry) => {
      const contact = contacts.get(entry.fingerprint);
      return { fingerprint: entry.fingerprint, address: entry.address, ...(contact && { contact: { peer: contact.id, name: shownName(contact) } }) };
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.expiryTimer) clearInterval(this.expiryTimer);
    await this.opts.transport?.stop();
  }

  private applyRole(): void {
    const { transport } = this.opts;
    if (this.closed || !transport) return;
    const { nearbyVisible, nearbyLook, probeAddresses } = this.settings();
    const { node } = this.ctx;
    const role: DiscoveryRole = {
      announce: nearbyVisible && node.listening ? { fingerprint: node.identity.fingerprint, port: node.port, instance: this.instance } : null,
      listen: nearbyLook,
    };
    transport.start(role, (heard) => this.onHeard(heard));
    if (nearbyLook) transport.probe(probeAddresses);
    else if (this.table.list().length > 0) {
      this.table.clear();
      this.changed();
    }
  }

  private onHeard(heard: Heard): void {
    if (this.closed || !this.settings().nearbyLook) return;
    // Ourselves, heard back over multicast loopback.
    if (heard.announcement.fingerprint === this.ctx.node.identity.fingerprint) return;
    const { entry, isNew } = this.table.heard(heard);
    if (isNew) this.changed();
    this.dialIfContact(entry);
  }

  /** A known contact heard nearby while offline: dialed at the address heard (at most once per query interval). */
  private dialIfContact(entry: NearbyEntry): void {
    const contact = this.contactWith(entry.fingerprint);
    if (!contact) return;
    const { presence, reconnector } = this.ctx;
    if (presence.onlineKey(contact.id) !== null || reconnector.isPaused(contact.id) || this.autoDialing.has(contact.id)) return;
    const last = this.lastAutoDial.get(contact.id);
    if (last !== undefined && this.now() - last < QUERY_INTERVAL_MS) return;
    this.lastAutoDial.set(contact.id, this.now());
    this.autoDialing.add(contact.id);
    void this.dial(entry)
      .catch((err: unknown) => this.ctx.node.emit('log', `nearby contact at ${entry.address} not reached: ${(err as Error).message}`))
      .finally(() => this.autoDialing.delete(contact.id));
  }

  private async dial(entry: NearbyEntry) {
    try {
      return await this.connections.connect(entry.host, entry.port, 'secure', { fingerprint: entry.fingerprint });
    } catch (err) {
      if (err instanceof AppError && err.code === 'dial-unexpected-key') {
        this.table.drop(entry.fingerprint, entry.address);
        this.changed();
      }
      throw err;
    }
  }

  /** The accepted secure contact whose current key has this fingerprint. */
  private contactWith(fingerprint: string): ContactRecord | undefined {
    return this.contactsByFingerprint().get(fingerprint);
  }

  /** Accepted secure contacts by the fingerprint of their current key (each key hashed once per run). */
  private contactsByFingerprint(): Map<string, ContactRecord> {
    const byFingerprint = new Map<string, ContactRecord>();
    for (const contact of this.ctx.store.contacts()) {
      if (contact.mode !== 'secure' || contact.request || contact.blocked || contact.key === undefined) continue;
      let known = this.fingerprints.get(contact.key);
      if (known === undefined) {
        known = fingerprintOf(Buffer.from(contact.key, 'hex'));
        this.fingerprints.set(contact.key, known);
      }
      byFingerprint.set(known, contact);
    }
    return byFingerprint;
  }

  /** Tells the list when it differs from what was told last (a peer heard or gone, a contact made or removed). */
  private changed(): void {
    const peers = this.peers();
    const told = JSON.stringify(peers);
    if (told === this.lastTold) return;
    this.lastTold = told;
    this.ctx.events.emit('nearby:updated', { peers });
  }
}
