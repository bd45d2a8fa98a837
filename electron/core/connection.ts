import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { formatAddress } from '../../shared/address';
import type { SessionKey } from '../../shared/ids';
import type { SessionPath } from '../../shared/session-path';
import { StreamSocket } from './dht/stream-socket';
import { ByeReason, type ByeReasonCode, type HelloMessage } from '../../shared/protocol/messages';
import type { ChannelSession, RegisteredChannel } from './channels';
import type { DialError } from './errors';
import { canMoveTo, type ConnectionMode, type Direction, type SessionState } from './session-state';

export type { ConnectionMode, Direction } from './session-state';

export interface ConnectionEvents {
  open: [];
  /** About to say bye: the last moment a channel can send on this session. */
  closing: [];
  closed: [reason: string];
}

/**
 * One TCP connection to one peer, secure or plain, and its explicit state. Subclasses own the bytes; this class
 * owns the lifecycle: `opened` settles once the session is open (or fails), `closed` once the socket is gone,
 * with the first reason given.
 */
export abstract class Connection extends EventEmitter<ConnectionEvents> {
  abstract readonly mode: ConnectionMode;
  state: SessionState = 'connecting';
  /** `plain:HOST:PORT` or the remote public key in hex; null until a secure handshake finishes. */
  peerKey: SessionKey | null = null;
  remoteHello: HelloMessage | null = null;
  /** Set when the connection ends before it opened: why the dial failed. */
  failure: DialError | null = null;
  readonly remoteHost: string;
  readonly remotePort: number;
  readonly closed: Promise<string>;
  /** The peer's bye said its person ended the connection (ByeReason.UserClosed). */
  closedByPeerUser = false;
  /** When the peer last handed a channel a message (keepalives do not count): a stranger idle long may be evicted. */
  lastActiveAt = Date.now();
  private closeReason: string | null = null;
  private resolveClosed!: (reason: string) => void;

  constructor(
    protected readonly socket: Socket,
    readonly direction: Direction,
    /** How long a closing peer may take to finish its side before the socket is destroyed. */
    private readonly closeGraceMs: number,
  ) {
    super();
    this.remoteHost = socket.remoteAddress ?? 'unknown';
    this.remotePort = socket.remotePort ?? 0;
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    socket.setNoDelay(true);
    socket.on('error', (err) => this.noteReason(err.message));
    socket.once('close', () => this.finish());
  }

  /** How the bytes travel now: TCP, or over the DHT (directly, through a punched hole, or through a relay). */
  get path(): SessionPath {
    return this.socket instanceof StreamSocket ? this.socket.path : 'tcp';
  }

  /** The remote socket, `host:port` (IPv6 in brackets). */
  get remoteAddress(): string {
    return formatAddress(this.remoteHost, this.remotePort);
  }

  get reason(): string | null {
    return this.closeReason;
  }

  /** Whether this session speaks `channel` (both peers list it; a plain-text peer speaks the ones with a line adapter). */
  abstract speaks(channel: string): boolean;
  /** Writes a channel's message on the control lane; false when the session cannot carry it now. */
  abstract send(channel: string, message: unknown): boolean;
  /** Writes a channel's message on the bulk lane, once the socket has room; false if the session ended first. */
  abstract sendBulk(channel: string, message: unknown): Promise<boolean>;
  /** The socket is full (or bulk waits): producers of bulk should wait for `drained()`. */
  abstract readonly congested: boolean;
  abstract drained(): Promise<void>;
  /** Closes politely (a secure peer is told why, with `code`), then waits for the socket to go. */
  abstract close(reason: string, code?: ByeReasonCode): Promise<string>;

  private readonly channelSessions = new Map<string, ChannelSession<unknown>>();

  /**
   * Hands a channel's message to its feature; resolves once the feature has handled it (a bulk frame's credit
   * waits for that). A feature that throws closes this session, never the process.
   */
  protected deliver(channel: RegisteredChannel, message: unknown): Promise<unknown> | undefined {
    this.lastActiveAt = Date.now();
    try {
      const handled = channel.handlers.message(this.channel(channel.spec.name), message);
      return handled instanceof Promise ? handled.catch((err: unknown) => this.failedFeature(channel, err)) : undefined;
    } catch (err) {
      this.failedFeature(channel, err);
      return undefined;
    }
  }

  private failedFeature(channel: RegisteredChannel, err: unknown): void {
    void this.close(`${channel.spec.name} failed on a message: ${err instanceof Error ? err.message : String(err)}`, ByeReason.Other);
  }

  /** `channel` on this session, as its feature sees it (one object per channel, so features can key on it). */
  channel<M>(channel: string): ChannelSession<M> {
    let session = this.channelSessions.get(channel);
    if (!session) {
      session = channelSessionOf(this, channel);
      this.channelSessions.set(channel, session);
    }
    return session as ChannelSession<M>;
  }

  protected moveTo(next: SessionState): void {
    if (this.state === next) return;
    if (!canMoveTo(this.state, next)) throw new Error(`connection cannot move from ${this.state} to ${next}`);
    this.state = next;
    if (next === 'open') this.emit('open');
  }

  /** Remembers why the connection ends; the first reason wins, later ones are consequences. */
  protected noteReason(reason: string, failure?: DialError): void {
    if (this.closeReason !== null) return;
    this.closeReason = reason;
    if (failure && this.state !== 'open' && this.state !== 'closing') this.failure = failure;
  }

  /** After our side has ended: a peer that has not closed its side within the grace period is cut off. */
  protected destroyAfterGrace(): void {
    setTimeout(() => this.socket.destroy(), this.closeGraceMs).unref();
  }

  /** Ends the connection at once with a reason (protocol violations, deadlines, limits). */
  abort(reason: string, failure?: DialError): void {
    this.noteReason(reason, failure);
    this.socket.destroy();
  }

  protected onFinish(): void {}

  private finish(): void {
    if (this.state === 'closed') return;
    this.noteReason('connection closed');
    this.state = 'closed';
    this.onFinish();
    this.emit('closed', this.closeReason!);
    this.resolveClosed(this.closeReason!);
  }
}

function channelSessionOf(connection: Connection, channel: string): ChannelSession<unknown> {
  return {
    get key() {
      return connection.peerKey!;
    },
    mode: connection.mode,
    get open() {
      return connection.state === 'open';
    },
    send: (message) => connection.send(channel, message),
    sendBulk: (message) => connection.sendBulk(channel, message),
    get congested() {
      return connection.congested;
    },
    drained: () => connection.drained(),
    close: (reason) => void connection.close(reason, ByeReason.Other),
  };
}
