import { EventEmitter } from 'node:events';
import net, { type Socket } from 'node:net';
import { formatAddress, parsePeerAddress } from '../../shared/address';
import { toHex } from '../../shared/bytes';
import type { SessionPath } from '../../shared/session-path';
import { sessionKey, type SessionKey } from '../../shared/ids';
import {
  DEFAULT_LIMITS,
  DEFAULT_LISTEN_HOST,
  DEFAULT_PORT,
  DEFAULT_TIMEOUTS,
  PROTOCOL_VERSION,
  type PeerLimits,
  type PeerTimeouts,
} from '../../shared/protocol/limits';
import { ByeReason, type HelloMessage } from '../../shared/protocol/messages';
import { nameProblem, notConnectedTo } from '../../shared/validation';
import type { ChannelHandlers, ChannelSession, ChannelSpec, RegisteredChannel } from './channels';
import type { Connection, ConnectionMode } from './connection';
import { dialRefusal, InboundSlots } from './admission';
import { connectTransport, dial, dialFirst, type Transport } from './dial';
import { DhtTransport, type DhtRelay, type DhtStatus } from './dht/dht-transport';
import type { StreamSocket } from './dht/stream-socket';
import { SecureConnection } from './secure-connection';
import { DialError, UserError } from './errors';
import type { Identity } from './identity';
import { classifyInbound, type InboundOptions } from './inbound';
import { dialableAddresses, listenWithFallback } from './listen';
import { infoOf, type PeerInfo } from './peer-info';

export type { PeerInfo } from './peer-info';

export interface PeerNodeOptions {
  identity: Identity;
  name: string;
  appVersion: string;
  host?: string;
  port?: number;
  allowPlain?: boolean;
  limits?: Partial<PeerLimits>;
  timeouts?: Partial<PeerTimeouts>;
  /** Whether a session key is a known contact's: contacts are never evicted from a slot for a stranger. */
  isContact?: (key: SessionKey) => boolean;
  /** The DHT's bootstrap nodes (absent: HyperDHT's public ones); the DHT runs once `setReachableByKey(true)`. */
  dhtBootstrap?: { host: string; port: number }[];
  /** A blind relay for sessions no hole can be punched for (absent: none, the default). */
  dhtRelay?: DhtRelay;
}

export interface NodeEvents {
  connected: [PeerInfo];
  /** `byPeerUser`: the person at the other end disconnected on purpose, so we should not dial back on our own. */
  disconnected: [{ peer: SessionKey; reason: string; byPeerUser: boolean }];
  /** Something worth telling an operator that is not an event of a peer: refused connections, limits. */
  log: [string];
}

function validName(name: string): string {
  const problem = nameProblem(name);
  if (problem !== null) throw new UserError('invalid-name', problem);
  return name.trim();
}

/**
 * One Peerline peer: a TCP listener and a dialer, the sessions they make, one current session per peer, and the
 * wire channels features speak on them. It knows sessions and channels, never a feature's messages: a feature
 * registers its channel (`channel`) and reaches a peer's current session through `session`. When two sessions
 * with the same peer are open at once, both sides keep the one dialed by the smaller public key (or the newer,
 * when one side dialed both).
 */
export class PeerNode extends EventEmitter<NodeEvents> {
  readonly identity: Identity;
  readonly limits: PeerLimits;
  readonly timeouts: PeerTimeouts;
  private name: string;
  private allowPlain: boolean;
  private readonly appVersion: string;
  private readonly host: string;
  private readonly requestedPort: number;
  private server: net.Server | null = null;
  private boundPort = 0;
  private readonly connections = new Set<Connection>();
  /** Accepted sockets, until they close: the listener's slots. */
  private readonly inbound: InboundSlots;
  /** Our dials still connecting (TCP): with our outbound connections, they spend our own budget. */
  private readonly dialing = new Set<Socket>();
  /** Each peer's current session, by session key. */
  private readonly current = new Map<SessionKey, Connection>();
  private readonly channels = new Map<string, RegisteredChannel>();
  private readonly dhtBootstrap: { host: string; port: number }[] | undefined;
  private relay: DhtRelay | undefined;
  /** The DHT transport while reachable by key; changes are made one at a time, in order. */
  private dht: DhtTransport | null = null;
  private dhtChange: Promise<void> = Promise.resolve();
  private closing = false;
  private closed: Promise<void> | null = null;

  constructor(opts: PeerNodeOptions) {
    super();
    this.identity = opts.identity;
    this.name = validName(opts.name);
    this.appVersion = opts.appVersion;
    this.host = opts.host ?? DEFAULT_LISTEN_HOST;
    this.requestedPort = opts.port ?? DEFAULT_PORT;
    this.allowPlain = opts.allowPlain ?? true;
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
    this.dhtBootstrap = opts.dhtBootstrap;
    this.relay = opts.dhtRelay;
    const isContact = opts.isContact ?? (() => false);
    this.inbound = new InboundSlots({ limits: this.limits, timeouts: this.timeouts, isContact, log: (line) => this.emit('log', line) });
  }

  /** Our public key in hex: the session key other peers know us by. */
  get id(): SessionKey {
    return sessionKey(this.identity.id);
  }

  get listeningHost(): string {
    return this.host;
  }

  get port(): number {
    return this.boundPort;
  }

  get displayName(): string {
    return this.name;
  }

  setName(name: string): void {
    this.name = validName(name);
  }

  get allowsPlain(): boolean {
    return this.allowPlain;
  }

  setAllowPlain(allow: boolean): void {
    this.allowPlain = allow;
  }

  /**
   * Speaks `spec` on every session from now on, with `handlers` for what arrives on it. Register before
   * `listen`: a session offers the channels registered when its handshake ends.
   */
  channel<M>(spec: ChannelSpec<M>, handlers: ChannelHandlers<M>): void {
    if (this.channels.has(spec.name)) throw new Error(`channel ${spec.name} is registered already`);
    this.channels.set(spec.name, { spec, handlers } as RegisteredChannel);
  }

  /** `channel` on the peer's current session, if one is open and speaks it. */
  session<M>(key: SessionKey, channel: ChannelSpec<M>): ChannelSession<M> | null {
    const connection = this.openConnection(key);
    return connection?.speaks(channel.name) ? connection.channel<M>(channel.name) : null;
  }

  /** Starts listening; resolves with the address bound (the port may be a fallback). */
  async listen(): Promise<{ host: string; port: number }> {
    await this.relisten(this.requestedPort);
    return { host: this.host, port: this.boundPort };
  }

  /**
   * Moves the listener to `port` (with the same fallback as `listen`), keeping every open session. The new port
   * is bound before the old one is let go, so a failure leaves the peer listening where it was.
   */
  async relisten(port: number): Promise<number> {
    if (this.server && port === this.boundPort) return this.boundPort;
    const server = net.createServer((socket) => this.onAccept(socket));
    const bound = await listenWithFallback(server, this.host, port);
    const previous = this.server;
    this.server = server;
    this.boundPort = bound;
    previous?.close();
    return bound;
  }

  get listening(): boolean {
    return this.server?.listening ?? false;
  }

  /** Addresses others can dial: each interface's address when listening on all of them. */
  dialableAddresses(): string[] {
    return dialableAddresses(this.host, this.boundPort);
  }

  peers(): PeerInfo[] {
    return [...this.current.values()].filter((connection) => connection.state === 'open').map((connection) => infoOf(connection));
  }

  /** Whether a session with `peer` is open now. */
  isConnected(peer: SessionKey): boolean {
    return this.openConnection(peer) !== null;
  }

  /**
   * Dials `host:port`. Resolves once the session is open; rejects with a DialError a person can read. With
   * `expectFingerprint`, a secure peer showing another key in the handshake is closed before its session opens.
   */
  async connect(host: string, port: number, mode: ConnectionMode = 'secure', signal?: AbortSignal, expectFingerprint?: string): Promise<PeerInfo> {
    this.checkDialAllowed();
    const connection = await dial({
      ...this.sessionRequest(mode, signal),
      expectFingerprint,
      transport: this.tcpTransport(host, port),
      pending: this.dialing,
    });
    return infoOf(connection);
  }

  /**
   * Dials the peer with public key `key` (hex) over the DHT and at each LAN address at once, and keeps the
   * session of the first path that connects. Over the DHT the session must prove `key`; at an address it is
   * whoever answers (so a contact's changed key is still noticed there, as with `connect`).
   */
  async connectKey(key: string, addresses: string[] = [], signal?: AbortSignal): Promise<PeerInfo> {
    this.checkDialAllowed();
    const transports: Transport[] = [];
    if (this.dht) transports.push(this.dhtTransport(this.dht, key));
    for (const address of addresses) {
      const parsed = parsePeerAddress(address);
      if (parsed.ok) transports.push(this.tcpTransport(parsed.host, parsed.port));
    }
    if (transports.length === 0) {
      throw new DialError('dht-off', 'Reaching a peer by key needs "Reachable over the internet by my key" turned on (in the command line, --dht).');
    }
    const connection = await dialFirst(transports, { ...this.sessionRequest('secure', signal), pending: this.dialing });
    return infoOf(connection);
  }

  /** Whether we announce our key on the DHT and accept sessions over it. */
  get reachableByKey(): boolean {
    return this.dht !== null;
  }

  /** What the DHT knows of us, or null while it is off. */
  dhtStatus(): DhtStatus | null {
    return this.dht?.status() ?? null;
  }

  /**
   * Starts (announcing our key) or stops the DHT transport. Sessions already open over it stay until they end.
   * Resolves once the change is made; a failed start leaves it off and rejects.
   */
  setReachableByKey(on: boolean): Promise<void> {
    return this.changeDht(async () => {
      if (on === (this.dht !== null) || (on && this.closing)) return;
      if (on) await this.startDht();
      else await this.stopDht();
    });
  }

  /** The DHT relay's key (hex), or null when none is set. */
  get dhtRelayKey(): string | null {
    return this.relay ? this.relay.key.toString('hex') : null;
  }

  /**
   * Sets the blind relay (null: none) for DHT sessions from now on; a running DHT restarts on it (sessions
   * already open stay until they end). A failed restart leaves the DHT off and rejects.
   */
  setDhtRelay(key: Buffer | null): Promise<void> {
    return this.changeDht(async () => {
      if (key === null ? this.relay === undefined : this.relay?.key.equals(key)) return;
      this.relay = key === null ? undefined : { key, only: this.relay?.only ?? false };
      if (this.dht === null || this.closing) return;
      await this.stopDht();
      await this.startDht();
    });
  }

  /** Runs `change` after the DHT changes before it, one at a time. */
  private changeDht(change: () => Promise<void>): Promise<void> {
    const done = this.dhtChange.then(change);
    this.dhtChange = done.catch(() => {});
    return done;
  }

  private async startDht(): Promise<void> {
    const transport = new DhtTransport({
      identity: this.identity,
      bootstrap: this.dhtBootstrap,
      relay: this.relay,
      onConnection: (socket) => this.onDhtStream(socket),
    });
    try {
      await transport.start();
    } catch (err) {
      await transport.stop();
      throw new Error(`Could not announce this Peerline on the DHT: ${(err as Error).message}`);
    }
    this.dht = transport;
  }

  private async stopDht(): Promise<void> {
    const stopping = this.dht!;
    this.dht = null;
    await stopping.stop();
  }

  /** How the peer's open session travels, or null when none is open. */
  pathOf(peer: SessionKey): SessionPath | null {
    return this.openConnection(peer)?.path ?? null;
  }

  /** Where a dial-back test reaches the peer of an open session: its address as we see it, at `port`. */
  probeAddressOf(peer: SessionKey, port: number): string | null {
    const connection = this.openConnection(peer);
    return connection ? formatAddress(connection.remoteHost, port) : null;
  }

  /**
   * Tests whether we can reach a peer at a TCP address or by its key over the DHT, without a session: the
   * transport connects and is closed at once. Rejects with the doctor's sentence; counts in our dial budget.
   */
  async probe(target: { address: string } | { key: string }): Promise<void> {
    this.checkDialAllowed();
    let transport: Transport;
    if ('key' in target) {
      if (!this.dht) throw new DialError('dht-off', 'This Peerline is not on the DHT ("Reachable over the internet by my key" is off), so it cannot test that path.');
      transport = this.dhtTransport(this.dht, target.key);
    } else {
      const parsed = parsePeerAddress(target.address);
      if (!parsed.ok) throw new DialError('not-found', parsed.error);
      transport = this.tcpTransport(parsed.host, parsed.port);
    }
    const socket = await connectTransport(transport, this.dialing);
    socket.destroy();
  }

  private checkDialAllowed(): void {
    if (this.closing) throw new DialError('closed', 'Peerline is shutting down.');
    const refusal = dialRefusal(this.dialing, this.connections, this.limits);
    if (refusal) throw new DialError('limit', refusal);
  }

  private sessionRequest(mode: ConnectionMode, signal: AbortSignal | undefined) {
    return {
      mode,
      signal,
      sessionOptions: () => this.sessionOptions(),
      track: (made: Connection) => this.track(made),
      current: (key: SessionKey) => this.current.get(key),
    };
  }

  private tcpTransport(host: string, port: number): Transport {
    return { label: formatAddress(host, port), open: () => net.connect({ host, port }), connectMs: this.timeouts.connectMs };
  }

  private dhtTransport(dht: DhtTransport, key: string): Transport {
    return {
      label: `the key ${key.slice(0, 12)}…`,
      open: () => dht.dial(Buffer.from(key, 'hex')) as unknown as Socket,
      connectMs: this.timeouts.dhtConnectMs,
      expectedKey: key,
      relaySet: dht.hasRelay,
    };
  }

  async disconnect(peer: SessionKey): Promise<void> {
    const connection = this.current.get(peer);
    if (!connection) throw new UserError('not-connected', notConnectedTo(peer));
    await connection.close('closed by the user', ByeReason.UserClosed);
  }

  /** Says `bye` to every peer, waits for them briefly, and stops listening. Calling it again waits for the same. */
  close(): Promise<void> {
    this.closed ??= this.shutDown();
    return this.closed;
  }

  private async shutDown(): Promise<void> {
    this.closing = true;
    const serverClosed = new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    for (const socket of this.dialing) socket.destroy();
    this.inbound.destroyUnclassified();
    await Promise.all([...this.connections].map((connection) => connection.close('quit')));
    await serverClosed;
    // The DHT goes last: its sessions said goodbye over it. Stopping unannounces us and closes its sockets.
    await this.setReachableByKey(false).catch((err: Error) => this.emit('log', `stopping the DHT: ${err.message}`));
  }

  private sessionOptions(): InboundOptions {
    return {
      identity: this.identity,
      localHello: (): HelloMessage => ({
        type: 'hello',
        protocolVersion: PROTOCOL_VERSION,
        name: this.name,
        appVersion: this.appVersion,
        listenPort: this.boundPort,
        capabilities: [],
      }),
      channels: this.channels,
      limits: this.limits,
      timeouts: this.timeouts,
      allowPlain: () => this.allowPlain,
    };
  }

  /**
   * A session arriving over the DHT: the same slots, budgets and caps as a TCP arrival, never plain text, and
   * its session must prove the key the DHT's handshake proved.
   */
  /**
   * A session over the DHT: hyperdht's handshake proved the dialer's key, so the session runs on its stream
   * directly (secure only, no preface to sniff), in the same slots as TCP and proving that same key.
   */
  private onDhtStream(stream: StreamSocket): void {
    const remoteKey = stream.remotePublicKey;
    if (!remoteKey) {
      stream.destroy();
      return;
    }
    this.onAccept(stream as unknown as Socket, (socket, options) =>
      Promise.resolve(
        new SecureConnection(socket, {
          direction: 'inbound',
          identity: options.identity,
          localHello: options.localHello,
          channels: options.channels,
          limits: options.limits,
          timeouts: options.timeouts,
          deadlineAt: Date.now() + options.timeouts.handshakeMs,
          expectedKey: toHex(remoteKey),
          keyedStream: stream.stream,
        }),
      ),
    );
  }

  /** Admits an accepted socket to a slot, then `start`s its session (over TCP: sniffing plain from secure). */
  private onAccept(socket: Socket, start: (socket: Socket, options: InboundOptions, reject: (reason: string) => void) => Promise<Connection | null> = classifyInbound): void {
    const from = formatAddress(socket.remoteAddress ?? '?', socket.remotePort ?? 0);
    const refusal = this.closing ? 'shutting down' : this.inbound.admit(socket);
    if (refusal) {
      this.emit('log', `refused a connection from ${from}: ${refusal}`);
      socket.on('error', () => {});
      socket.destroy();
      return;
    }
    const inbound = start(socket, this.sessionOptions(), (reason) => this.emit('log', `turned away ${from}: ${reason}`));
    void inbound.then((connection) => {
      if (!connection) return;
      this.inbound.attach(socket, connection);
      this.track(connection);
    });
  }

  private track(connection: Connection): Connection {
    this.connections.add(connection);
    connection.once('open', () => this.onOpen(connection));
    connection.on('closing', () => this.forEachChannel(connection, (channel, session) => channel.handlers.closing?.(session)));
    void connection.closed.then((reason) => this.onClosed(connection, reason));
    return connection;
  }

  /** The peer's session, if one is open. */
  private openConnection(peer: SessionKey): Connection | null {
    const connection = this.current.get(peer);
    return connection?.state === 'open' ? connection : null;
  }

  private onOpen(connection: Connection): void {
    const key = connection.peerKey!;
    const existing = this.current.get(key);
    if (existing && existing !== connection && existing.state === 'open') {
      const keep = preferredSession(existing, connection, this.identity.id);
      const drop = keep === existing ? connection : existing;
      this.current.set(key, keep);
      this.emit('log', `two sessions with ${key}: keeping the one ${keep.direction === 'outbound' ? 'we' : 'they'} dialed`);
      void drop.close('duplicate connection', ByeReason.Duplicate);
      if (keep === connection) this.forEachChannel(connection, (channel, session) => channel.handlers.opened?.(session));
      return;
    }
    this.current.set(key, connection);
    this.emit('connected', infoOf(connection));
    this.forEachChannel(connection, (channel, session) => channel.handlers.opened?.(session));
  }

  private forEachChannel(connection: Connection, visit: (channel: RegisteredChannel, session: ChannelSession<unknown>) => void): void {
    for (const channel of this.channels.values()) {
      if (connection.speaks(channel.spec.name)) visit(channel, connection.channel(channel.spec.name));
    }
  }

  private onClosed(connection: Connection, reason: string): void {
    this.connections.delete(connection);
    // An inbound secure connection that ends before its hello was nobody's peer yet, so no 'disconnected' tells
    // of it: say why in the log, as `onAccept` does for the ones it turns away before the handshake.
    if (connection.direction === 'inbound' && connection.mode === 'secure' && connection.remoteHello === null) {
      this.emit('log', `turned away ${connection.remoteAddress}: ${reason}`);
    }
    const key = connection.peerKey;
    if (key === null || this.current.get(key) !== connection) return;
    this.current.delete(key);
    this.emit('disconnected', { peer: key, reason, byPeerUser: connection.closedByPeerUser });
  }
}

/**
 * The deterministic tie-break both sides compute alike when two sessions with one peer are open: the session
 * dialed by the smaller key survives; when one side dialed both, the newer (`b`) replaces a stale one.
 */
export function preferredSession(a: Connection, b: Connection, ourId: string): Connection {
  const dialerOf = (c: Connection) => (c.direction === 'outbound' ? ourId : c.peerKey!);
  const dialerA = dialerOf(a);
  const dialerB = dialerOf(b);
  if (dialerA === dialerB) return b;
  return dialerA < dialerB ? a : b;
}
