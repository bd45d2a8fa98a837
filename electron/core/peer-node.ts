import { EventEmitter } from 'node:events';
import net, { type Socket } from 'node:net';
import os from 'node:os';
import { formatAddress } from '../../shared/address';
import {
  DEFAULT_LIMITS,
  DEFAULT_LISTEN_HOST,
  DEFAULT_PORT,
  DEFAULT_TIMEOUTS,
  MAX_NAME_BYTES,
  MAX_TEXT_BYTES,
  PROTOCOL_VERSION,
  type PeerLimits,
  type PeerTimeouts,
} from '../../shared/protocol/limits';
import { ByeReason, type HelloMessage } from '../../shared/protocol/messages';
import type { Connection, ConnectionMode, Direction, InboundChat } from './connection';
import { classifyDialError, DialError } from './errors';
import { fingerprintOf, type Identity } from './identity';
import { classifyInbound } from './inbound';
import { listenWithFallback } from './listen';
import { newMessageId } from './message-id';
import { PlainConnection } from './plain-connection';
import { RecentIds } from './recent-ids';
import { SecureConnection } from './secure-connection';

/**
 * How many received message ids each peer's dedupe window remembers. A resend after a broken connection repeats
 * only what was not acknowledged, which is what was in flight when it broke: far fewer than this.
 */
const DEDUPE_WINDOW = 16_384;
/**
 * How many peers that are gone (no connection, nothing unacknowledged) we still remember, for their dedupe
 * windows. Past it the longest gone are forgotten, so strangers with fresh identities cannot grow memory forever.
 */
const MAX_REMEMBERED_PEERS = 256;

export interface PeerNodeOptions {
  identity: Identity;
  name: string;
  appVersion: string;
  host?: string;
  port?: number;
  allowPlain?: boolean;
  limits?: Partial<PeerLimits>;
  timeouts?: Partial<PeerTimeouts>;
}

export interface PeerInfo {
  /** `plain:HOST:PORT`, or the verified public key in hex. */
  peer: string;
  mode: ConnectionMode;
  direction: Direction;
  /** The remote socket, `host:port`. */
  address: string;
  /** Where to dial this peer again: the address dialed, or for a secure peer that dialed us, its host and listening port. */
  dialAddress: string;
  /** Secure peers only: the verified public key in hex (same as `peer`), its fingerprint, and what `hello` said. */
  id?: string;
  fingerprint?: string;
  name?: string;
  appVersion?: string;
  listenPort?: number;
}

export interface NodeEvents {
  connected: [PeerInfo];
  disconnected: [{ peer: string; reason: string }];
  message: [{ peer: string; id?: string; text: string; sentAt?: number }];
  sent: [{ peer: string; id: string }];
  delivered: [{ peer: string; id: string }];
  typing: [{ peer: string; active: boolean }];
  /** Something worth telling an operator that is not an event of a peer: refused connections, limits. */
  log: [string];
}

interface OutgoingChat {
  id: string;
  text: string;
  sentAt: number;
}

/** What we know of one peer across its connections. */
interface PeerEntry {
  key: string;
  current: Connection | null;
  /** Sent but not yet acknowledged, in order; resent whenever a new session with the peer opens. */
  unacked: Map<string, OutgoingChat>;
  seen: RecentIds;
}

/** A request this peer cannot carry out, said in words for the person who made it. */
export class UserError extends Error {
  override name = 'UserError';
  constructor(
    readonly reason: 'invalid-name' | 'invalid-message' | 'not-connected',
    message: string,
  ) {
    super(message);
  }
}

function validName(name: string): string {
  const trimmed = name.trim();
  if (!trimmed) throw new UserError('invalid-name', 'A name cannot be empty.');
  if (Buffer.byteLength(trimmed) > MAX_NAME_BYTES) throw new UserError('invalid-name', `A name can be at most ${MAX_NAME_BYTES} bytes.`);
  return trimmed;
}

/**
 * One Peerline peer: a TCP listener and a dialer, the sessions they make, and the peers behind them. Messages to
 * a secure peer stay in `unacked` until the peer acknowledges them, and are sent again on the next session; the
 * receiver drops ids it has seen, so each message is shown once. When two sessions with the same peer are open at
 * once, both sides keep the one dialed by the smaller public key (or the newer, when one side dialed both).
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
  private readonly pendingSockets = new Set<Socket>();
  private readonly entries = new Map<string, PeerEntry>();
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
  }

  get id(): string {
    return this.identity.id;
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
    if (this.host !== '0.0.0.0' && this.host !== '::') return [formatAddress(this.host, this.boundPort)];
    const wantV6 = this.host === '::';
    const found: string[] = [];
    for (const list of Object.values(os.networkInterfaces())) {
      for (const entry of list ?? []) {
        if (entry.family === 'IPv4' || (wantV6 && entry.family === 'IPv6')) found.push(formatAddress(entry.address, this.boundPort));
      }
    }
    return found;
  }

  peers(): PeerInfo[] {
    const list: PeerInfo[] = [];
    for (const entry of this.entries.values()) {
      if (entry.current?.state === 'open') list.push(this.infoOf(entry.current));
    }
    return list;
  }

  /** Dials `host:port`. Resolves once the session is open; rejects with a DialError a person can read. */
  connect(host: string, port: number, mode: ConnectionMode = 'secure', signal?: AbortSignal): Promise<PeerInfo> {
    const address = formatAddress(host, port);
    if (this.closing) return Promise.reject(new DialError('closed', 'Peerline is shutting down.'));
    if (this.connections.size + this.pendingSockets.size >= this.limits.maxConnections) {
      return Promise.reject(new DialError('limit', `Too many connections already (${this.limits.maxConnections}).`));
    }
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      this.pendingSockets.add(socket);
      let settled = false;
      const settle = (error: DialError | null, info?: PeerInfo) => {
        if (settled) return;
        settled = true;
        clearTimeout(connectTimer);
        signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve(info!);
      };
      const fail = (error: DialError) => {
        settle(error);
        socket.destroy();
      };
      // Until the session opens, cancelling destroys the socket, whether TCP or the handshake is under way.
      const onAbort = () => fail(new DialError('cancelled', `Connecting to ${address} was cancelled.`));
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      const connectTimer = setTimeout(
        () => fail(new DialError('timeout', `${address} did not answer within ${Math.round(this.timeouts.connectMs / 1000)} s.`)),
        this.timeouts.connectMs,
      );
      const onError = (err: Error) => settle(classifyDialError(err, address));
      const onClose = () => {
        this.pendingSockets.delete(socket);
        settle(new DialError('closed', `${address} closed the connection.`));
      };
      socket.once('error', onError);
      socket.once('close', onClose);
      socket.once('connect', () => {
        this.pendingSockets.delete(socket);
        // From here on the connection explains its own end, and its handshake deadline applies.
        socket.off('error', onError);
        socket.off('close', onClose);
        clearTimeout(connectTimer);
        if (settled) return;
        const connection = this.track(
          mode === 'plain'
            ? new PlainConnection(socket, 'outbound', { limits: this.limits, timeouts: this.timeouts })
            : new SecureConnection(socket, {
                direction: 'outbound',
                identity: this.identity,
                localHello: () => this.localHello(),
                limits: this.limits,
                timeouts: this.timeouts,
                deadlineAt: Date.now() + this.timeouts.handshakeMs,
              }),
        );
        const onOpen = () => {
          // The tie-break may have kept another session with this peer: report that one.
          const current = this.entries.get(connection.peerKey!)?.current ?? connection;
          settle(null, this.infoOf(current));
        };
        if (connection.state === 'open') onOpen();
        else connection.once('open', onOpen);
        connection.closed.then((reason) => {
          if (connection.failure) return settle(connection.failure);
          const survivor = connection.peerKey ? this.entries.get(connection.peerKey)?.current : null;
          if (survivor && survivor.state === 'open') return settle(null, this.infoOf(survivor));
          settle(new DialError('closed', `${address} closed the connection (${reason}).`));
        });
      });
    });
  }

  /** Sends text to a connected peer; resolves the message id. Secure messages are resent until acknowledged. */
  send(peer: string, text: string): string {
    if (text.length === 0) throw new UserError('invalid-message', 'The message is empty.');
    if (Buffer.byteLength(text) > MAX_TEXT_BYTES) throw new UserError('invalid-message', `The message is too long: at most ${MAX_TEXT_BYTES / 1024} KiB.`);
    const entry = this.entries.get(peer);
    const connection = entry?.current;
    if (!entry || !connection || connection.state !== 'open') throw new UserError('not-connected', `Not connected to ${peer}.`);
    const chat: OutgoingChat = { id: newMessageId(), text, sentAt: Date.now() };
    if (connection.mode === 'secure') entry.unacked.set(chat.id, chat);
    connection.sendChat(chat.id, chat.text, chat.sentAt);
    this.emit('sent', { peer, id: chat.id });
    return chat.id;
  }

  setTyping(peer: string, active: boolean): void {
    const connection = this.entries.get(peer)?.current;
    if (connection?.state === 'open') connection.sendTyping(active);
  }

  async disconnect(peer: string): Promise<void> {
    const connection = this.entries.get(peer)?.current;
    if (!connection) throw new UserError('not-connected', `Not connected to ${peer}.`);
    await connection.close('closed by the user');
  }

  /** Says `bye` to every peer, waits for them briefly, and stops listening. Calling it again waits for the same. */
  close(): Promise<void> {
    this.closed ??= this.shutDown();
    return this.closed;
  }

  private async shutDown(): Promise<void> {
    this.closing = true;
    const serverClosed = new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    for (const socket of this.pendingSockets) socket.destroy();
    await Promise.all([...this.connections].map((connection) => connection.close('quit')));
    await serverClosed;
  }

  private localHello(): HelloMessage {
    return {
      type: 'hello',
      protocolVersion: PROTOCOL_VERSION,
      name: this.name,
      appVersion: this.appVersion,
      listenPort: this.boundPort,
      capabilities: [],
    };
  }

  private onAccept(socket: Socket): void {
    const refusal = this.admissionRefusal(socket);
    if (refusal) {
      this.emit('log', `refused a connection from ${formatAddress(socket.remoteAddress ?? '?', socket.remotePort ?? 0)}: ${refusal}`);
      socket.on('error', () => {});
      socket.destroy();
      return;
    }
    this.pendingSockets.add(socket);
    const from = formatAddress(socket.remoteAddress ?? '?', socket.remotePort ?? 0);
    const inbound = classifyInbound(
      socket,
      {
        identity: this.identity,
        localHello: () => this.localHello(),
        limits: this.limits,
        timeouts: this.timeouts,
        allowPlain: () => this.allowPlain,
      },
      (reason) => this.emit('log', `turned away ${from}: ${reason}`),
    );
    void inbound.then((connection) => {
      this.pendingSockets.delete(socket);
      if (connection) this.track(connection);
    });
  }

  /** Why a newly accepted socket must be refused, or null. Established peers are never touched by this. */
  private admissionRefusal(socket: Socket): string | null {
    if (this.closing) return 'shutting down';
    const pending = this.pendingSockets.size + [...this.connections].filter((c) => c.state !== 'open').length;
    if (pending >= this.limits.maxPendingConnections) return `too many connections still handshaking (${pending})`;
    if (this.connections.size + this.pendingSockets.size >= this.limits.maxConnections) return `too many connections (${this.limits.maxConnections})`;
    const remote = socket.remoteAddress;
    let fromSameAddress = 0;
    for (const connection of this.connections) if (connection.remoteHost === remote) fromSameAddress++;
    for (const other of this.pendingSockets) if (other.remoteAddress === remote) fromSameAddress++;
    if (fromSameAddress >= this.limits.maxConnectionsPerAddress) return `too many connections from ${remote} (${fromSameAddress})`;
    return null;
  }

  private track(connection: Connection): Connection {
    this.connections.add(connection);
    connection.once('open', () => this.onOpen(connection));
    connection.on('chat', (chat) => this.onChat(connection, chat));
    connection.on('acked', (ids) => this.onAcked(connection, ids));
    connection.on('typing', (active) => connection.peerKey && this.emit('typing', { peer: connection.peerKey, active }));
    void connection.closed.then((reason) => this.onClosed(connection, reason));
    return connection;
  }

  private entryFor(key: string): PeerEntry {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { key, current: null, unacked: new Map(), seen: new RecentIds(DEDUPE_WINDOW) };
      this.entries.set(key, entry);
    }
    return entry;
  }

  private onOpen(connection: Connection): void {
    const entry = this.entryFor(connection.peerKey!);
    const existing = entry.current;
    if (existing && existing !== connection && existing.state === 'open') {
      const keep = this.preferred(existing, connection);
      const drop = keep === existing ? connection : existing;
      entry.current = keep;
      this.emit('log', `two sessions with ${entry.key}: keeping the one ${keep.direction === 'outbound' ? 'we' : 'they'} dialed`);
      void drop.close('duplicate connection', ByeReason.Duplicate);
      if (keep === connection) this.resendUnacked(entry);
      return;
    }
    entry.current = connection;
    this.emit('connected', this.infoOf(connection));
    this.resendUnacked(entry);
  }

  /** The deterministic tie-break both sides compute alike: the session dialed by the smaller key survives. */
  private preferred(a: Connection, b: Connection): Connection {
    const dialerOf = (c: Connection) => (c.direction === 'outbound' ? this.identity.id : c.peerKey!);
    const dialerA = dialerOf(a);
    const dialerB = dialerOf(b);
    if (dialerA === dialerB) return b; // One side dialed twice: the newer session replaces a stale one.
    return dialerA < dialerB ? a : b;
  }

  private resendUnacked(entry: PeerEntry): void {
    for (const chat of entry.unacked.values()) entry.current!.sendChat(chat.id, chat.text, chat.sentAt);
  }

  private onChat(connection: Connection, chat: InboundChat): void {
    const entry = this.entryFor(connection.peerKey!);
    if (chat.id !== undefined) {
      connection.ack(chat.id);
      if (entry.seen.has(chat.id)) return;
      entry.seen.add(chat.id);
    }
    this.emit('message', { peer: entry.key, id: chat.id, text: chat.text, sentAt: chat.sentAt });
  }

  private onAcked(connection: Connection, ids: string[]): void {
    const entry = this.entries.get(connection.peerKey!);
    if (!entry) return;
    for (const id of ids) {
      if (entry.unacked.delete(id)) this.emit('delivered', { peer: entry.key, id });
    }
  }

  private onClosed(connection: Connection, reason: string): void {
    this.connections.delete(connection);
    // An inbound secure connection that ends before its hello was nobody's peer yet, so no 'disconnected' tells
    // of it: say why in the log, as `onAccept` does for the ones it turns away before the handshake.
    if (connection.direction === 'inbound' && connection.mode === 'secure' && connection.remoteHello === null) {
      this.emit('log', `turned away ${connection.remoteAddress}: ${reason}`);
    }
    const entry = connection.peerKey ? this.entries.get(connection.peerKey) : undefined;
    if (!entry || entry.current !== connection) return;
    entry.current = null;
    this.emit('disconnected', { peer: entry.key, reason });
    this.entries.delete(entry.key);
    // A plain peer's key names its socket: the next connection from there is a new peer. A secure peer is
    // remembered, most recently gone last, so that the oldest can be forgotten first.
    if (connection.mode === 'secure') this.entries.set(entry.key, entry);
    this.forgetLongGonePeers();
  }

  private forgetLongGonePeers(): void {
    let gone = 0;
    for (const entry of this.entries.values()) if (entry.current === null && entry.unacked.size === 0) gone++;
    for (const [key, entry] of this.entries) {
      if (gone <= MAX_REMEMBERED_PEERS) return;
      if (entry.current !== null || entry.unacked.size > 0) continue;
      this.entries.delete(key);
      gone--;
    }
  }

  private infoOf(connection: Connection): PeerInfo {
    const listenPort = connection.remoteHello?.listenPort ?? 0;
    const info: PeerInfo = {
      peer: connection.peerKey!,
      mode: connection.mode,
      direction: connection.direction,
      address: connection.remoteAddress,
      dialAddress:
        connection.direction === 'inbound' && listenPort > 0 ? formatAddress(connection.remoteHost, listenPort) : connection.remoteAddress,
    };
    if (connection.mode === 'secure' && connection.remoteHello) {
      info.id = connection.peerKey!;
      info.fingerprint = fingerprintOf(Buffer.from(connection.peerKey!, 'hex'));
      info.name = connection.remoteHello.name;
      info.appVersion = connection.remoteHello.appVersion;
      info.listenPort = connection.remoteHello.listenPort;
    }
    return info;
  }
}
