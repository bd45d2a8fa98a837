/**
 * An in-memory datagram network for tests: named endpoints exchange byte datagrams, each received through the
 * same gate (size, rate) and strict parsing as the mDNS transport, so unit tests reach every rule without
 * sending anything on a real network.
 */
import { announcementTxt, parseAnnouncement, type Heard } from './announcement';
import { DatagramGate, type DatagramGateOptions } from './datagram-gate';
import type { DiscoveryRole, DiscoveryTransport } from './transport';

const QUERY = JSON.stringify({ query: true });

export interface HubEndpointOptions {
  /** The source address its datagrams carry (where a peer dials it); its name by default. */
  source?: string;
  gate?: DatagramGateOptions;
  /** False: a network that drops multicast; only datagrams sent to it by name arrive, and its own multicasts go nowhere. */
  multicast?: boolean;
}

/** Who sent a datagram: the endpoint's name (to answer it) and the source address it is heard from. */
interface Sender {
  name: string;
  source: string;
  multicast: boolean;
}

export class MemoryDatagramHub {
  private readonly endpoints = new Map<string, HubEndpoint>();

  /** A transport named `name` (what a probe asks for), heard by the others from its source address. */
  endpoint(name: string, opts: HubEndpointOptions = {}): DiscoveryTransport {
    const endpoint = new HubEndpoint(this, { name, source: opts.source ?? name, multicast: opts.multicast ?? true }, new DatagramGate(opts.gate));
    this.endpoints.set(name, endpoint);
    return endpoint;
  }

  /** Delivers `bytes` from `from` to the endpoint named `to`, or multicast to every other one, after this turn. */
  send(from: Sender, bytes: Uint8Array, to?: string): void {
    queueMicrotask(() => {
      for (const [name, endpoint] of this.endpoints) {
        if (name === from.name) continue;
        const reaches = to === undefined ? from.multicast && endpoint.self.multicast : to === name;
        if (reaches) endpoint.receive(from, bytes);
      }
    });
  }

  remove(name: string): void {
    this.endpoints.delete(name);
  }
}

class HubEndpoint implements DiscoveryTransport {
  private role: DiscoveryRole = { announce: null, listen: false };
  private onHeard: (heard: Heard) => void = () => {};

  constructor(
    private readonly hub: MemoryDatagramHub,
    readonly self: Sender,
    private readonly gate: DatagramGate,
  ) {}

  start(role: DiscoveryRole, onHeard: (heard: Heard) => void): void {
    this.role = role;
    this.onHeard = onHeard;
    this.announce();
    if (role.listen) this.hub.send(this.self, Buffer.from(QUERY));
  }

  probe(hosts: readonly string[]): void {
    for (const host of hosts) this.hub.send(this.self, Buffer.from(QUERY), host);
  }

  async stop(): Promise<void> {
    this.role = { announce: null, listen: false };
    this.hub.remove(this.self.name);
  }

  receive(from: Sender, bytes: Uint8Array): void {
    if (!this.gate.admit(bytes.byteLength, from.source)) return;
    let datagram: unknown;
    try {
      datagram = JSON.parse(Buffer.from(bytes).toString('utf8'));
    } catch {
      return;
    }
    if (typeof datagram !== 'object' || datagram === null) return;
    // A query is answered to whoever asked (as mDNS answers a prober directly).
    if ((datagram as { query?: unknown }).query === true) return this.announce(from.name);
    if (!this.role.listen) return;
    const announcement = parseAnnouncement((datagram as { txt?: unknown }).txt, (datagram as { port?: unknown }).port);
    if (announcement) this.onHeard({ announcement, source: from.source });
  }

  private announce(to?: string): void {
    const { announce } = this.role;
    if (announce) this.hub.send(this.self, Buffer.from(JSON.stringify({ txt: announcementTxt(announce), port: announce.port })), to);
  }
}
