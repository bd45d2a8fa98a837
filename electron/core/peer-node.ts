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
  MAX_TIMESTAMP_MS,
  MESSAGE_ID_BYTES,
  PROTOCOL_VERSION,
  type PeerLimits,
  type PeerTimeouts,
} from '../../shared/protocol/limits';
import { ByeReason, type HelloMessage } from '../../shared/protocol/messages';
import type { Connection, ConnectionMode, Direction, InboundChat } from './connection';
import { classifyDialError, DialError } from './errors';
import { fingerprintOf, type Identity } from './identity';
import { MemoryInbox, type Inbox } from './inbox';
import { classifyInbound } from './inbound';
import { listenWithFallback } from './listen';
import { newMessageId } from './message-id';
import { PlainConnection } from './plain-connection';
import { SecureConnection } from './secure-connection';

export type { Inbox } from './inbox';

/**
 * With the default inbox: how many peers that are gone (no connection, nothing unacknowledged) we still remember,
 * for their dedupe windows. Past it the longest gone are forgotten, so strangers with fresh identities cannot grow
 * memory forever. With an inbox of the caller's, which dedupes on its own, a gone peer is forgotten at once.
 */
const MAX_REMEMBERED_PEERS = 256;
/** A secure peer's id: its ed25519 public key in lowercase hex. Anything else names a plain-text socket. */
const SECURE_PEER = /^[0-9a-f]{64}$/;
const MESSAGE_ID = new RegExp(`^[0-9a-f]{${MESSAGE_ID_BYTES * 2}}$`);
/** Why a connection is closed when the inbox could not keep one of its messages; the peer is told, briefly. */
const NOT_STORED_REASON = 'a received message could not be stored';

export interface PeerNodeOptions {
  identity: Identity;
  name: string;
  appVersion: string;
  host?: string;
  port?: number;
  allowPlain?: boolean;
  limits?: Partial<PeerLimits>;
  timeouts?: Partial<PeerTimeouts>;
  /**
   * Where received chats go; a secure chat is acknowledged once `receive` resolves. Without one, the node dedupes
   * in memory and emits 'message' itself; with one, it emits no 'message'.
   */
  inbox?: Inbox;
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
  /** `byPeerUser`: the person at the other end disconnected on purpose, so we should not dial back on our own. */
  disconnected: [{ peer: string; reason: string; byPeerUser: boolean }];
  message: [{ peer: string; id?: string; text: string; sentAt?: number }];
  sent: [{ peer: string; id: string }];
  delivered: [{ peer: string; id: string }];
  typing: [{ peer: string; active: boolean }];
  /** A read receipt: `peer` has read every message of ours up to and including `upTo`. */
  read: [{ peer: string; upTo: string }];
  /** Something worth telling an operator that is not an event of a peer: refused connections, limits. */
  log: [string];
}

export interface OutgoingChat {
  /** Hex, `MESSAGE_ID_BYTES` long: see `newMessageId`. */
  id: string;
  text: string;
  /** Our clock when the person sent it, milliseconds since the epoch. */
  sentAt: number;
}

/** What we know of one peer across its connections. */
interface PeerEntry {
  key: string;
  current: Connection | null;
  /**
   * Queued but not yet acknowledged, in the order queued: written now if a session is open, and again whenever a
   * new session with the peer opens. An entry with anything here is never forgotten.
   */
  unacked: Map<string, OutgoingChat>;
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

function checkText(text: string): void {
  if (text.length === 0) throw new UserError('invalid-message', 'The message is empty.');
  if (Buffer.byteLength(text) > MAX_TEXT_BYTES) throw new UserError('invalid-message', `The message is too long: at most ${MAX_TEXT_BYTES / 1024} KiB.`);
}

/** A message id or a time that the codec could not encode is the caller's bug: a RangeError, now, not at resend. */
function checkMessageId(id: string): void {
  if (!MESSAGE_ID.test(id)) throw new RangeError(`a message id is ${MESSAGE_ID_BYTES * 2} lowercase hex digits, not ${JSON.stringify(id)}`);
}

function checkOutgoing(chat: OutgoingChat): void {
  checkText(chat.text);
  checkMessageId(chat.id);
  if (!Number.isInteger(chat.sentAt) || chat.sentAt < 0 || chat.sentAt > MAX_TIMESTAMP_MS) {
    throw new RangeError(`sentAt ${chat.sentAt} is not a whole number of milliseconds from 0 to ${MAX_TIMESTAMP_MS}`);
  }
}

function notConnected(peer: string): UserError {
  return new UserError('not-connected', `Not connected to ${peer}.`);
}

function validName(name: string): string {
  const trimmed = name.trim();
  if (!trimmed) throw new UserError('invalid-name', 'A name cannot be empty.');
  if (Buffer.byteLength(trimmed) > MAX_NAME_BYTES) throw new UserError('invalid-name', `A name can be at most ${MAX_NAME_BYTES} bytes.`);
  return trimmed;
}

/**
 * One Peerline peer: a TCP listener and a dialer, the sessions they make, and the peers behind them. Messages to
 * a secure peer stay in `unacked` (queued, whether or not the peer is online) until the peer acknowledges them,
 * and are sent again on each new session. The receiver hands each chat to its inbox, acknowledges it once the
 * inbox has it, and the inbox drops ids it has seen, so each message is kept once. When two sessions with the
 * same peer are open at once, both sides keep the one dialed by the smaller public key (or the newer, when one
 * side dialed both).
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
  private readonly inbox: Inbox;
  /** The default inbox, when the caller gave none. */
  private readonly memoryInbox: MemoryInbox | null = null;
  /** Connections closed because the inbox failed: what they still bring is not taken in (it is resent). */
  private readonly refused = new WeakSet<Connection>();
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
    if (opts.inbox) {
      this.inbox = opts.inbox;
    } else {
      this.memoryInbox = new MemoryInbox((peer, chat) => this.emit('message', { peer, id: chat.id, text: chat.text, sentAt: chat.sentAt }));
      this.inbox = this.memoryInbox;
    }
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

  /** Whether a session with `peer` is open now. */
  isConnected(peer: string): boolean {
    return this.openConnection(peer) !== null;
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

  /** Sends text to a connected peer; returns the new message id. Secure messages are resent until acknowledged. */
  send(peer: string, text: string): string {
    checkText(text);
    if (!this.openConnection(peer)) throw notConnected(peer);
    const chat: OutgoingChat = { id: newMessageId(), text, sentAt: Date.now() };
    this.enqueue(peer, chat);
    return chat.id;
  }

  /**
   * Hands a chat to the node for delivery; returns whether it was written to a session now ('sent' tells of that
   * too). To a secure peer (a 64-hex key) it waits, in order, until acknowledged: written now if a session is
   * open, and on every new session until then, whether or not the peer is online now. Queueing an id that is
   * already waiting keeps its place (and writes it again if a session is open). A plain-text peer has no
   * acknowledgements: the chat is written if it is connected, and a UserError 'not-connected' is thrown if not.
   */
  queue(peer: string, chat: OutgoingChat): boolean {
    checkOutgoing(chat);
    if (!SECURE_PEER.test(peer) && !this.openConnection(peer)) throw notConnected(peer);
    return this.enqueue(peer, { id: chat.id, text: chat.text, sentAt: chat.sentAt });
  }

  /**
   * Drops a waiting chat (the person cancelled it); false if none was waiting. One already written to a session
   * may still reach the peer; its acknowledgement then tells of nothing.
   */
  unqueue(peer: string, id: string): boolean {
    const entry = this.entries.get(peer);
    if (!entry?.unacked.delete(id)) return false;
    if (entry.current === null) this.forgetGonePeers();
    return true;
  }

  setTyping(peer: string, active: boolean): void {
    this.openConnection(peer)?.sendTyping(active);
  }

  /** Tells a secure peer we have read its messages up to and including `upTo`; false when no session is open. */
  sendRead(peer: string, upTo: string): boolean {
    checkMessageId(upTo);
    return this.openConnection(peer)?.sendRead(upTo) ?? false;
  }

  async disconnect(peer: string): Promise<void> {
    const connection = this.entries.get(peer)?.current;
    if (!connection) throw new UserError('not-connected', `Not connected to ${peer}.`);
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
    connection.on('read', (upTo) => connection.peerKey && this.emit('read', { peer: connection.peerKey, upTo }));
    void connection.closed.then((reason) => this.onClosed(connection, reason));
    return connection;
  }

  private entryFor(key: string): PeerEntry {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { key, current: null, unacked: new Map() };
      this.entries.set(key, entry);
    }
    return entry;
  }

  /** The peer's session, if one is open. */
  private openConnection(peer: string): Connection | null {
    const connection = this.entries.get(peer)?.current;
    return connection?.state === 'open' ? connection : null;
  }

  /** Queues a checked chat (secure peers) and writes it if a session is open; the caller checked a plain peer is. */
  private enqueue(peer: string, chat: OutgoingChat): boolean {
    if (!SECURE_PEER.test(peer)) return this.write(peer, this.openConnection(peer)!, chat);
    const entry = this.entryFor(peer);
    entry.unacked.set(chat.id, chat);
    const connection = this.openConnection(peer);
    return connection !== null && this.write(peer, connection, chat);
  }

  private write(peer: string, connection: Connection, chat: OutgoingChat): boolean {
    if (!connection.sendChat(chat.id, chat.text, chat.sentAt)) return false;
    this.emit('sent', { peer, id: chat.id });
    return true;
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
      if (keep === connection) this.resendUnacked(entry, [...entry.unacked.values()]);
      return;
    }
    entry.current = connection;
    const waiting = [...entry.unacked.values()];
    this.emit('connected', this.infoOf(connection));
    this.resendUnacked(entry, waiting);
  }

  /** The deterministic tie-break both sides compute alike: the session dialed by the smaller key survives. */
  private preferred(a: Connection, b: Connection): Connection {
    const dialerOf = (c: Connection) => (c.direction === 'outbound' ? this.identity.id : c.peerKey!);
    const dialerA = dialerOf(a);
    const dialerB = dialerOf(b);
    if (dialerA === dialerB) return b; // One side dialed twice: the newer session replaces a stale one.
    return dialerA < dialerB ? a : b;
  }

  /**
   * Writes what was waiting when the session opened, in order, on the peer's session. What a listener queued in
   * the meantime was written when it was queued, and what it unqueued is skipped.
   */
  private resendUnacked(entry: PeerEntry, waiting: OutgoingChat[]): void {
    for (const chat of waiting) {
      const connection = entry.current;
      if (connection && entry.unacked.get(chat.id) === chat) this.write(entry.key, connection, chat);
    }
  }

  /**
   * Hands the chat to the inbox at once (chats reach it in arrival order, none waiting for another) and
   * acknowledges it once the inbox has it. An inbox that fails closes the connection unacknowledged: the sender
   * keeps the message and sends it again on its next session.
   */
  private onChat(connection: Connection, chat: InboundChat): void {
    if (this.refused.has(connection)) return;
    const peer = connection.peerKey!;
    let stored: Promise<void>;
    try {
      stored = this.inbox.receive(peer, chat);
    } catch (err) {
      stored = Promise.reject(err);
    }
    stored.then(
      () => {
        if (chat.id !== undefined) connection.ack(chat.id);
      },
      (err: unknown) => {
        this.emit('log', `${NOT_STORED_REASON} (from ${peer}): ${err instanceof Error ? err.message : String(err)}`);
        this.refused.add(connection);
        void connection.close(NOT_STORED_REASON, ByeReason.Other);
      },
    );
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
    this.emit('disconnected', { peer: entry.key, reason, byPeerUser: connection.closedByPeerUser });
    this.entries.delete(entry.key);
    // A plain peer's key names its socket: the next connection from there is a new peer. A secure peer is
    // remembered, most recently gone last, so that the oldest can be forgotten first.
    if (connection.mode === 'secure') this.entries.set(entry.key, entry);
    else this.memoryInbox?.forget(entry.key);
    this.forgetGonePeers();
  }

  /** Forgets the longest gone of the peers with no connection and nothing waiting, past the number to remember. */
  private forgetGonePeers(): void {
    const idle = (entry: PeerEntry) => entry.current === null && entry.unacked.size === 0;
    const remember = this.memoryInbox ? MAX_REMEMBERED_PEERS : 0;
    let gone = 0;
    for (const entry of this.entries.values()) if (idle(entry)) gone++;
    for (const [key, entry] of this.entries) {
      if (gone <= remember) return;
      if (!idle(entry)) continue;
      this.entries.delete(key);
      this.memoryInbox?.forget(key);
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
