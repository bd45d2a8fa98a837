import HyperDHT, { type DhtStream, type HostPort } from 'hyperdht';
import { formatAddress } from '../../../shared/address';
import type { Identity } from '../identity';
import { createGuardedSecretStream } from './guarded-secret-stream';
import { StreamSocket } from './stream-socket';

const LOOPBACK = '127.0.0.1';
/** How long announcing may take (bootstrap, then storing our record at the closest nodes) before we give up. */
export const DHT_START_TIMEOUT_MS = 30_000;

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** What kind of NAT the DHT found us behind: `open` (reachable), `consistent` (punchable), `random` (hard to punch). */
export type NatType = 'open' | 'consistent' | 'random' | 'unknown';

export interface DhtStatus {
  /** Our key is announced and we accept sessions over the DHT. */
  announced: boolean;
  /** Our address as the DHT's nodes see it, when they can reach us unasked (not firewalled). */
  publicAddress: string | null;
  natType: NatType;
  /** The bootstrap nodes in use; empty means HyperDHT's public ones. */
  bootstrap: string[];
  /** The blind relay's key (hex), or null when none is set. */
  relay: string | null;
}

export interface DhtTransportOptions {
  identity: Identity;
  /** Bootstrap nodes; absent: HyperDHT's public ones. */
  bootstrap?: HostPort[];
  /** A blind relay that carries sessions when no hole can be punched; absent: none (punching or nothing). */
  relay?: DhtRelay;
  /** A session arrived over the DHT (its DHT handshake is done; the session layer takes it from here). */
  onConnection: (socket: StreamSocket) => void;
}

export interface DhtRelay {
  /** The relay's key: a hyperdht node running a blind relay (the `blind-relay` server). */
  key: Buffer;
  /**
   * Never punch and never tell the DHT we are reachable: our DHT sessions go through the relay (unless the
   * other side is itself reachable, which it then dials or is dialed directly). For networks where punching
   * misbehaves, and for tests.
   */
  only: boolean;
}

/**
 * The HyperDHT transport: a DHT node that announces our identity key and accepts streams to it, and dials other
 * keys. The DHT's streams are Noise secret-streams keyed by the same ed25519 key as our identity; each is handed
 * on as a StreamSocket, on which the ordinary session runs. `stop` unannounces and closes every DHT socket.
 */
export class DhtTransport {
  private readonly dht: HyperDHT;
  private readonly server;
  private announced = false;
  /** Connections hyperdht made to a relay for one of our sessions (its own, not our dials), while they last. */
  private readonly relaySockets = new Set<DhtStream>();
  /** True while our own `dial` calls the node's `connect`: that connection is a session, not a relay's. */
  private dialing = false;

  constructor(private readonly opts: DhtTransportOptions) {
    const keyPair = { publicKey: opts.identity.publicKey, secretKey: opts.identity.secretKey };
    // A DHT whose every bootstrap node is on this machine (a local testnet) stays on loopback: bound to all
    // interfaces, its nodes would tell each other addresses that loopback peers cannot reach. Nothing on
    // loopback is behind a firewall; left to find that out, the first dials would try to punch holes between
    // loopback addresses (which hyperdht skips as reserved) and never reach the listener.
    const loopbackOnly = opts.bootstrap !== undefined && opts.bootstrap.length > 0 && opts.bootstrap.every(({ host }) => isLoopback(host));
    // Relay only: the node stays "firewalled" for good (no quick check, no adaptive probing), so a dialer never
    // finds us open and connects straight to us; with punching refused, the relay is the one way in.
    const relayOnly = opts.relay?.only === true;
    const network = relayOnly ? { quickFirewall: false, ephemeral: true } : loopbackOnly ? { firewalled: false } : {};
    this.dht = new HyperDHT({ keyPair, ...(opts.bootstrap ? { bootstrap: opts.bootstrap } : {}), ...(loopbackOnly ? { host: LOOPBACK } : {}), ...network });
    this.watchRelayConnections();
    const relayThrough = opts.relay ? { relayThrough: opts.relay.key } : {};
    const serverOptions = relayOnly ? { holepunch: false as const, shareLocalAddress: false } : {};
    this.server = this.dht.createServer({ createSecretStream: createGuardedSecretStream, ...relayThrough, ...serverOptions }, (stream) => {
      // A stream that fails before the session layer listens must not become an unhandled 'error'.
      stream.on('error', () => {});
      opts.onConnection(new StreamSocket(stream, (socket) => this.isRelayed(socket)));
    });
  }

  /** Whether a relay is set (the doctor's advice for NATs that cannot be punched depends on it). */
  get hasRelay(): boolean {
    return this.opts.relay !== undefined;
  }

  /**
   * hyperdht reaches a relay with its node's own `connect` (for our relay or the one the other side names); we
   * note those connections to tell relayed sessions apart: a relayed session's packets go to the relay's address.
   */
  private watchRelayConnections(): void {
    const connect = this.dht.connect.bind(this.dht);
    this.dht.connect = (publicKey, options) => {
      const stream = connect(publicKey, options);
      if (!this.dialing) {
        this.relaySockets.add(stream);
        stream.on('close', () => this.relaySockets.delete(stream));
      }
      return stream;
    };
  }

  private isRelayed(stream: DhtStream): boolean {
    const own = stream.rawStream;
    if (!own || own.remoteHost === null) return false;
    for (const relay of this.relaySockets) {
      const via = relay.rawStream;
      if (via && via.remoteHost === own.remoteHost && via.remotePort === own.remotePort) return true;
    }
    return false;
  }

  /** Announces our key on the DHT; resolves once the DHT's nodes hold it, rejects when they do not answer in time. */
  async start(timeoutMs = DHT_START_TIMEOUT_MS): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the DHT's bootstrap nodes did not answer within ${Math.round(timeoutMs / 1000)} s (no internet, or a firewall drops UDP)`)), timeoutMs);
    });
    try {
      await Promise.race([this.server.listen({ publicKey: this.opts.identity.publicKey, secretKey: this.opts.identity.secretKey }), late]);
    } finally {
      clearTimeout(timer);
    }
    this.announced = true;
  }

  /** A stream to whoever announced `key`; emits 'connect' once the DHT connected (and punched, if it had to). */
  dial(key: Buffer): StreamSocket {
    let socket: StreamSocket | null = null;
    const relayOnly = this.opts.relay?.only === true;
    this.dialing = true;
    let stream: DhtStream;
    try {
      stream = this.dht.connect(key, {
        createSecretStream: createGuardedSecretStream,
        ...(this.opts.relay ? { relayThrough: this.opts.relay.key } : {}),
        ...(relayOnly ? { localConnection: false } : {}),
        // hyperdht asks this only when it must punch a hole through both NATs.
        holepunch: () => {
          if (relayOnly) return false;
          if (socket) socket.punched = true;
          return true;
        },
      });
    } finally {
      this.dialing = false;
    }
    socket = new StreamSocket(stream, (own) => this.isRelayed(own));
    return socket;
  }

  status(): DhtStatus {
    const remote = this.dht.remoteAddress();
    return {
      announced: this.announced,
      publicAddress: remote ? formatAddress(remote.host, remote.port) : null,
      natType: !this.announced ? 'unknown' : !this.dht.firewalled ? 'open' : this.dht.randomized ? 'random' : 'consistent',
      bootstrap: (this.opts.bootstrap ?? []).map(({ host, port }) => formatAddress(host, port)),
      relay: this.opts.relay ? this.opts.relay.key.toString('hex') : null,
    };
  }

  /** Unannounces our key and closes the DHT's sockets. */
  async stop(): Promise<void> {
    this.announced = false;
    await this.server.close().catch(() => {});
    await this.dht.destroy();
  }
}
