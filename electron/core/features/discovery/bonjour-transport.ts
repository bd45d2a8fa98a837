/**
 * Discovery over mDNS with `bonjour-service`: one responder per eligible network interface (see interfaces.ts),
 * each announcing `_peerline._tcp` with our fingerprint, port and instance id, and listening for the others.
 * Every socket is wrapped so a datagram over the size limit, or past its source's rate, is dropped before
 * multicast-dns decodes it.
 */
import dgram, { type RemoteInfo } from 'node:dgram';
import os from 'node:os';
import Bonjour, { type Service, type ServiceConfig } from 'bonjour-service';
import { announcementTxt, type Announcement, type Heard } from './announcement';
import { DatagramGate } from './datagram-gate';
import { eligibleInterfaces, type EligibleInterface } from './interfaces';
import { INTERFACE_RESCAN_MS, QUERY_INTERVAL_MS, SERVICE_TYPE, STOP_TIMEOUT_MS } from './limits';
import { announcementsIn, SERVICE_NAME, type MdnsPacket } from './mdns-records';
import type { DiscoveryRole, DiscoveryTransport } from './transport';

const MDNS_PORT = 5353;
/** The responders' records a prober gets: the service PTR, SRV and TXT (no host addresses). */
const PROBE_ANSWER_TYPES = new Set(['PTR', 'SRV', 'TXT']);

/** The part of multicast-dns we use; bonjour-service keeps its instance on `server.mdns` (typed `any` there). */
interface Mdns {
  on(event: 'response', listener: (packet: MdnsPacket, rinfo: RemoteInfo) => void): void;
  on(event: 'query', listener: (query: { questions?: unknown }, rinfo: RemoteInfo) => void): void;
  on(event: 'error' | 'warning', listener: (err: Error) => void): void;
  query(query: object, rinfo?: { address: string; port: number }): void;
  respond(response: object, rinfo?: { address: string; port: number }): void;
}

function mdnsOf(bonjour: Bonjour): Mdns {
  return (bonjour as unknown as { server: { mdns: Mdns } }).server.mdns;
}

/** A UDP socket whose 'message' listeners only hear datagrams the gate admits. */
function gatedSocket(gate: DatagramGate): dgram.Socket {
  const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  const proxy: dgram.Socket = new Proxy(socket, {
    get(target, prop) {
      if (prop === 'on' || prop === 'addListener') {
        return (event: string, listener: (...args: unknown[]) => void) => {
          const gated = (message: Buffer, rinfo: RemoteInfo) => {
            if (gate.admit(message.length, rinfo.address)) listener(message, rinfo);
          };
          target.on(event, event === 'message' ? gated : listener);
          return proxy;
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return proxy;
}

/** A Bonjour instance over a gated socket, whose errors are logged and never thrown. */
function gatedBonjour(options: Record<string, unknown>, log: (line: string) => void): { bonjour: Bonjour; mdns: Mdns } {
  const onError = (err: unknown) => log(`discovery: ${(err as Error)?.message ?? String(err)}`);
  const bonjour = new Bonjour({ ...options, socket: gatedSocket(new DatagramGate()) } as unknown as Partial<ServiceConfig>, onError);
  const mdns = mdnsOf(bonjour);
  mdns.on('error', onError);
  mdns.on('warning', onError);
  return { bonjour, mdns };
}

const isOurQuery = (query: { questions?: unknown }) =>
  Array.isArray(query.questions) && query.questions.some((q: { name?: unknown; type?: unknown }) => typeof q?.name === 'string' && q.name.toLowerCase() === SERVICE_NAME && (q.type === 'PTR' || q.type === 'ANY'));

/** One interface: its own mDNS socket, our announcement on it, and what is heard there. */
class InterfaceResponder {
  private readonly bonjour: Bonjour;
  private readonly mdns: Mdns;
  private service: Service | null = null;
  private role: DiscoveryRole = { announce: null, listen: false };
  private queryTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly iface: EligibleInterface,
    private readonly onHeard: (heard: Heard) => void,
    log: (line: string) => void,
  ) {
    // Bound to any address (a socket bound to the interface's address would not receive the group's datagrams);
    // the interface's address picks where it joins the group and sends from.
    ({ bonjour: this.bonjour, mdns: this.mdns } = gatedBonjour({ interface: iface.address, bind: '0.0.0.0' }, log));
    this.mdns.on('response', (packet, rinfo) => {
      if (!this.role.listen) return;
      for (const announcement of announcementsIn(packet)) this.onHeard({ announcement, source: rinfo.address });
    });
    // A query from a port other than 5353 is a prober's (a "legacy unicast" query, RFC 6762 §6.7): answered to it
    // directly, since the network may drop the multicast answer.
    this.mdns.on('query', (query, rinfo) => {
      if (rinfo.port === MDNS_PORT || !this.service || !isOurQuery(query)) return;
      const answers = this.service.records().filter((r) => PROBE_ANSWER_TYPES.has(r.type) && r.name !== '_services._dns-sd._udp.local');
      this.mdns.respond({ answers }, { address: rinfo.address, port: rinfo.port });
    });
  }

  apply(role: DiscoveryRole): void {
    const before = this.role;
    this.role = role;
    if (!sameAnnouncement(before.announce, role.announce)) {
      this.service?.stop();
      this.service = role.announce ? this.publish(role.announce) : null;
    }
    if (role.listen && !this.queryTimer) {
      this.ask();
      this.queryTimer = setInterval(() => this.ask(), QUERY_INTERVAL_MS);
    } else if (!role.listen && this.queryTimer) {
      clearInterval(this.queryTimer);
      this.queryTimer = null;
    }
  }

  stop(): Promise<void> {
    if (this.queryTimer) clearInterval(this.queryTimer);
    this.queryTimer = null;
    this.role = { announce: null, listen: false };
    // Goodbye records go out first, then the socket closes; a goodbye that cannot go does not hold the quit.
    const goodbye = new Promise<void>((resolve) => this.bonjour.unpublishAll(() => resolve()));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_TIMEOUT_MS)));
    return Promise.race([goodbye, deadline]).then(
      () =>
        new Promise<void>((resolve) => {
          clearTimeout(timer);
          this.bonjour.destroy(() => resolve());
        }),
    );
  }

  private ask(): void {
    this.mdns.query({ questions: [{ name: SERVICE_NAME, type: 'PTR' }] });
  }

  private publish(announcement: Announcement): Service {
    // The host is the instance id, never the machine's name; no probing for a name that is random anyway.
    return this.bonjour.publish({
      name: announcement.instance,
      type: SERVICE_TYPE,
      port: announcement.port,
      host: `${announcement.instance}.local`,
      txt: announcementTxt(announcement),
      probe: false,
      disableIPv6: true,
    });
  }
}

function sameAnnouncement(a: Announcement | null, b: Announcement | null): boolean {
  return a === b || (a !== null && b !== null && a.fingerprint === b.fingerprint && a.port === b.port && a.instance === b.instance);
}

export interface BonjourTransportOptions {
  log?: (line: string) => void;
  /** The interface table; the system's by default. */
  networkInterfaces?: () => ReturnType<typeof os.networkInterfaces>;
}

export class BonjourTransport implements DiscoveryTransport {
  private readonly responders = new Map<string, InterfaceResponder>();
  private role: DiscoveryRole = { announce: null, listen: false };
  private onHeard: (heard: Heard) => void = () => {};
  private rescanTimer: NodeJS.Timeout | null = null;
  private prober: { bonjour: Bonjour; mdns: Mdns } | null = null;
  private readonly log: (line: string) => void;
  private readonly interfaces: () => ReturnType<typeof os.networkInterfaces>;

  constructor(opts: BonjourTransportOptions = {}) {
    this.log = opts.log ?? (() => {});
    this.interfaces = opts.networkInterfaces ?? os.networkInterfaces;
  }

  start(role: DiscoveryRole, onHeard: (heard: Heard) => void): void {
    this.role = role;
    this.onHeard = onHeard;
    this.rescan();
    this.rescanTimer ??= setInterval(() => this.rescan(), INTERFACE_RESCAN_MS);
  }

  probe(hosts: readonly string[]): void {
    if (hosts.length === 0) return;
    if (!this.prober) {
      // An ephemeral port that joins no group: responders see a legacy query and answer it to this port.
      this.prober = gatedBonjour({ port: 0, multicast: false }, this.log);
      this.prober.mdns.on('response', (packet, rinfo) => {
        for (const announcement of announcementsIn(packet)) this.onHeard({ announcement, source: rinfo.address });
      });
    }
    for (const host of hosts) this.prober.mdns.query({ questions: [{ name: SERVICE_NAME, type: 'PTR' }] }, { address: host, port: MDNS_PORT });
  }

  async stop(): Promise<void> {
    if (this.rescanTimer) clearInterval(this.rescanTimer);
    this.rescanTimer = null;
    const stopping = [...this.responders.values()].map((responder) => responder.stop());
    this.responders.clear();
    if (this.prober) {
      const { bonjour } = this.prober;
      this.prober = null;
      stopping.push(new Promise((resolve) => bonjour.destroy(() => resolve())));
    }
    await Promise.all(stopping);
  }

  /** A responder for each eligible interface (new ones start, gone ones stop), each told the current role. */
  private rescan(): void {
    const active = this.role.announce !== null || this.role.listen;
    const wanted = active ? eligibleInterfaces(this.interfaces()) : [];
    const keys = new Set(wanted.map((iface) => `${iface.name}/${iface.address}`));
    for (const [key, responder] of this.responders) {
      if (keys.has(key)) continue;
      this.responders.delete(key);
      void responder.stop();
    }
    for (const iface of wanted) {
      const key = `${iface.name}/${iface.address}`;
      let responder = this.responders.get(key);
      if (!responder) {
        responder = new InterfaceResponder(iface, (heard) => this.onHeard(heard), this.log);
        this.responders.set(key, responder);
      }
      responder.apply(this.role);
    }
  }
}
