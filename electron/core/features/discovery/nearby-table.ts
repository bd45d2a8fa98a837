import { formatAddress } from '../../../../shared/address';
import type { Heard } from './announcement';
import { MAX_NEARBY_PEERS, NEARBY_EXPIRY_MS } from './limits';

export interface NearbyEntry {
  fingerprint: string;
  /** `host:port`: the datagram's source address and the announced port. */
  address: string;
  host: string;
  port: number;
  instance: string;
  lastHeard: number;
}

/**
 * The peers heard nearby: hints, one per fingerprint and address. Bounded (the entry heard longest ago goes
 * first) and each entry expires unless heard again.
 */
export class NearbyTable {
  /** Keyed by `fingerprint@address`; most recently heard last. */
  private readonly entries = new Map<string, NearbyEntry>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxEntries = MAX_NEARBY_PEERS,
    private readonly expiryMs = NEARBY_EXPIRY_MS,
  ) {}

  /** Takes an announcement in; `isNew` when the list changed (a new entry, or a new instance at the same place). */
  heard({ announcement, source }: Heard): { entry: NearbyEntry; isNew: boolean } {
    const address = formatAddress(source, announcement.port);
    const key = `${announcement.fingerprint}@${address}`;
    const previous = this.entries.get(key);
    const entry: NearbyEntry = { fingerprint: announcement.fingerprint, address, host: source, port: announcement.port, instance: announcement.instance, lastHeard: this.now() };
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return { entry, isNew: previous === undefined || previous.instance !== entry.instance };
  }

  find(fingerprint: string, address: string): NearbyEntry | undefined {
    this.expire();
    return this.entries.get(`${fingerprint}@${address}`);
  }

  drop(fingerprint: string, address: string): boolean {
    return this.entries.delete(`${fingerprint}@${address}`);
  }

  /** Drops the entries not heard within the expiry; true when any went. */
  expire(): boolean {
    const cutoff = this.now() - this.expiryMs;
    let dropped = false;
    for (const [key, entry] of this.entries) {
      if (entry.lastHeard < cutoff) dropped = this.entries.delete(key) || dropped;
    }
    return dropped;
  }

  /** Newest first. */
  list(): NearbyEntry[] {
    this.expire();
    return [...this.entries.values()].reverse();
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}
