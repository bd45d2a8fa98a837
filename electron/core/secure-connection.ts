import type { Socket } from 'node:net';
import NoiseSecretStream from '@hyperswarm/secret-stream';
import { bytesEqual, toHex } from '../../shared/bytes';
import { sessionKey } from '../../shared/ids';
import { encodeChannelFrame, encodeChannelFrameParts, encodeMessage } from '../../shared/protocol/codec';
import type { PeerLimits, PeerTimeouts } from '../../shared/protocol/limits';
import { ByeReason, MessageType, type ByeReasonCode, type HelloMessage, type SessionMessage } from '../../shared/protocol/messages';
import { encodePreface } from '../../shared/protocol/preface';
import type { ChannelRegistry } from './channels';
import { Connection, type Direction } from './connection';
import { DialError } from './errors';
import { GuardedRawStream } from './guarded-raw-stream';
import { fingerprintOf, type Identity } from './identity';
import { InboundBudget } from './rate-limiter';
import { SendScheduler } from './send-scheduler';
import { SessionProtocol, type SessionAction } from './session-protocol';

export interface SecureConnectionOptions {
  direction: Direction;
  identity: Identity;
  /** Our hello, made when the session opens so it carries the current name and port; its capabilities are set here. */
  localHello: () => HelloMessage;
  /** The channels this peer speaks: the ones registered when the handshake ends are offered in our hello. */
  channels: ChannelRegistry;
  limits: PeerLimits;
  timeouts: PeerTimeouts;
  /** When the handshake deadline expires: counted from accept (or connect), never reset by traffic. */
  deadlineAt: number;
  /** Inbound: the bytes that followed the dialer's preface, handed back to the stream. */
  leftover?: Uint8Array;
  /** The key this session must prove (hex): the key dialed, or the one the DHT's handshake proved. */
  expectedKey?: string;
  /** Outbound: the fingerprint the peer must show in the handshake (a nearby announcement's), or the dial fails. */
  expectFingerprint?: string;
  /**
   * A secret stream whose Noise handshake is done and proved the peer's key (hyperdht's, behind its frame guard):
   * the session runs on it directly — no preface, no handshake of its own, one layer of encryption.
   */
  keyedStream?: NoiseSecretStream;
}

/**
 * A Peerline session over one socket: preface, Noise XX through secret-stream (behind the FrameGuard), then
 * hello both ways and typed messages; over the DHT, hello and messages go straight into the DHT's own keyed
 * secret-stream. Keepalive pings go out when we have been quiet; a peer silent for
 * `deadPeerMs` is closed. A peer faster than its message budget is paused, not dropped.
 */
export class SecureConnection extends Connection {
  readonly mode = 'secure' as const;
  private readonly stream: NoiseSecretStream;
  private readonly protocol: SessionProtocol;
  private readonly scheduler: SendScheduler;
  private readonly budget: InboundBudget;
  private readonly handshakeTimer: NodeJS.Timeout;
  private keepAliveTimer: NodeJS.Timeout | null = null;
  private lastReceivedAt = Date.now();
  private lastSentAt = Date.now();
  private pingNonce = 0;

  constructor(
    socket: Socket,
    private readonly opts: SecureConnectionOptions,
  ) {
    super(socket, opts.direction, opts.timeouts.closeGraceMs);
    const isInitiator = opts.direction === 'outbound';
    this.protocol = new SessionProtocol(opts.channels);
    this.budget = new InboundBudget(opts.limits, { pause: () => this.stream.pause(), resume: () => this.stream.resume() });
    this.handshakeTimer = setTimeout(
      () => this.abort('handshake timed out', new DialError('timeout', 'The peer did not finish the handshake in time.')),
      Math.max(0, opts.deadlineAt - Date.now()),
    );

    this.stream = opts.keyedStream ?? this.handshakeOver(socket, isInitiator);
    this.scheduler = new SendScheduler(this.stream);
    this.moveTo('handshaking');

    // A keyed stream proved the key already: the hello goes out once the listeners below are on.
    if (opts.keyedStream) queueMicrotask(() => this.onHandshake());
    else this.stream.on('connect', () => this.onHandshake());
    this.stream.on('data', (bytes: Buffer) => this.onMessage(bytes));
    this.stream.on('error', (err: Error) => this.onStreamError(err));
    this.stream.on('end', () => {
      this.noteReason('the peer closed the connection');
      this.stream.end();
    });
    this.stream.on('close', () => socket.destroy());
  }

  /** Our own Noise handshake over the socket, after the preface, behind the FrameGuard. */
  private handshakeOver(socket: Socket, isInitiator: boolean): NoiseSecretStream {
    // Both sides announce themselves: the dialer first, the listener in reply once it has read the dialer's.
    socket.write(encodePreface());
    if (this.opts.leftover && this.opts.leftover.byteLength > 0) socket.unshift(Buffer.from(this.opts.leftover));
    const raw = new GuardedRawStream(socket, {
      isInitiator,
      expectPreface: isInitiator,
      onViolation: (reason, failure) => this.abort(reason, failure),
      onBytes: () => (this.lastReceivedAt = Date.now()),
      onStreamError: (err) => this.onStreamError(err),
    });
    return new NoiseSecretStream(isInitiator, raw, {
      keyPair: { publicKey: this.opts.identity.publicKey, secretKey: this.opts.identity.secretKey },
    });
  }

  /** The remote's public key, verified by the handshake. */
  get remotePublicKey(): Buffer | null {
    return this.stream.remotePublicKey;
  }

  private onHandshake(): void {
    if (this.state !== 'handshaking') return;
    const remoteKey = this.stream.remotePublicKey;
    if (!remoteKey) {
      this.abort('the handshake proved no key', new DialError('handshake', 'The secure handshake proved no key.'));
      return;
    }
    if (bytesEqual(remoteKey, this.opts.identity.publicKey)) {
      this.abort('connected to itself', new DialError('handshake', 'That address is this Peerline itself.'));
      return;
    }
    const { expectedKey } = this.opts;
    if (expectedKey !== undefined && toHex(remoteKey) !== expectedKey) {
      this.abort(
        'the session proved another key than the one its path was opened for',
        new DialError('handshake', 'Another key answered than the one dialed: this is not the peer you asked for.'),
      );
      return;
    }
    const { expectFingerprint } = this.opts;
    if (expectFingerprint !== undefined && fingerprintOf(remoteKey) !== expectFingerprint) {
      this.abort(
        'not the key announced nearby',
        new DialError('unexpected-key', `The peer there is not the one announced nearby (its key is not ${expectFingerprint}).`),
      );
      return;
    }
    this.peerKey = sessionKey(toHex(remoteKey));
    this.write({ ...this.opts.localHello(), capabilities: this.protocol.offer() });
    this.startKeepAlive();
  }

  private onStreamError(err: Error): void {
    const beforeOpen = this.state !== 'open' && this.state !== 'closing';
    // After the handshake, secret-stream fails only on bytes that do not decrypt: tampered, replayed or garbage.
    const reason = beforeOpen ? `handshake failed: ${err.message}` : `received data that failed decryption (tampered or corrupted: ${err.message})`;
    this.noteReason(reason, new DialError('handshake', `The secure handshake failed (${err.message}).`));
  }

  private onMessage(bytes: Buffer): void {
    if (this.state === 'closed') return;
    this.lastReceivedAt = Date.now();
    let actions: SessionAction[];
    try {
      actions = this.protocol.receive(bytes);
    } catch (err) {
      this.closeWith(ByeReason.Protocol, `protocol error: ${(err as Error).message}`);
      return;
    }
    for (const action of actions) this.perform(action);
    // Bulk frames are paced by the credit the receiver grants, not by the byte budget: a transfer goes at the
    // receiver's own speed, while a flood of messages is held to the budget.
    this.budget.charge(bytes[0] === MessageType.BulkChannel ? 0 : bytes.length);
  }

  private perform(action: SessionAction): void {
    switch (action.kind) {
      case 'send':
        this.write(action.message);
        return;
      case 'open':
        clearTimeout(this.handshakeTimer);
        this.remoteHello = action.hello;
        this.moveTo('open');
        return;
      case 'channel': {
        const handled = this.deliver(action.channel, action.message);
        const bulkBytes = action.bulkBytes;
        if (bulkBytes === undefined) return;
        if (handled) void handled.then(() => this.creditBack(bulkBytes));
        else this.creditBack(bulkBytes);
        return;
      }
      case 'credit':
        this.scheduler.grant(action.bytes);
        return;
      case 'bye':
        this.closedByPeerUser = action.message.code === ByeReason.UserClosed;
        this.noteReason(byeReasonText(action.message.code, action.message.reason));
        this.moveTo('closing');
        this.stream.end();
        // A peer that keeps its half of the socket open after its bye is cut off.
        this.destroyAfterGrace();
        return;
    }
  }

  /** Bulk the feature has handled: credit goes back to the peer, a quarter window at a time. */
  private creditBack(bulkBytes: number): void {
    const credit = this.protocol.handled(bulkBytes);
    if (credit && this.state === 'open') this.write(credit);
  }

  private write(message: SessionMessage): void {
    if (this.state === 'closed' || this.stream.destroyed) return;
    this.lastSentAt = Date.now();
    this.scheduler.control(encodeMessage(message));
  }

  speaks(channel: string): boolean {
    return this.protocol.speaks(channel);
  }

  send(channel: string, message: unknown): boolean {
    const frame = this.frameOf(channel, message);
    if (frame === null) return false;
    this.lastSentAt = Date.now();
    this.scheduler.control(frame);
    return true;
  }

  sendBulk(channel: string, message: unknown): Promise<boolean> {
    if (!this.carries(channel)) return Promise.resolve(false);
    this.lastSentAt = Date.now();
    // Encoded when it is next to go (see SendScheduler); a session that ends first resolves it false unbuilt.
    return this.scheduler.bulk((alloc) => {
      const { codec } = this.opts.channels.get(channel)!.spec;
      return encodeChannelFrameParts(this.protocol.indexOf(channel, true)!, codec.encodeParts?.(message) ?? [codec.encode(message)], true, alloc);
    });
  }

  get congested(): boolean {
    return this.scheduler.congested;
  }

  drained(): Promise<void> {
    return this.scheduler.drained();
  }

  /** The framed message, or null when this session cannot carry it now (not open, or a channel it does not speak). */
  private frameOf(channel: string, message: unknown): Uint8Array | null {
    if (!this.carries(channel)) return null;
    const spec = this.opts.channels.get(channel)!.spec;
    return encodeChannelFrame(this.protocol.indexOf(channel, false), spec.codec.encode(message));
  }

  private carries(channel: string): boolean {
    return this.state === 'open' && !this.stream.destroyed && this.protocol.speaks(channel);
  }

  close(reason: string, code: ByeReasonCode = ByeReason.Quit): Promise<string> {
    this.closeWith(code, reason);
    return this.closed;
  }

  private closeWith(code: ByeReasonCode, reason: string): void {
    if (this.state === 'closed' || this.state === 'closing') return;
    this.noteReason(reason);
    const wasOpen = this.state === 'open';
    // Channels say their last words before the bye (acknowledgements for what was accepted).
    if (wasOpen) this.emit('closing');
    this.moveTo('closing');
    if (!wasOpen) {
      this.socket.destroy();
      return;
    }
    this.write({ type: 'bye', code, reason });
    this.stream.end();
    this.destroyAfterGrace();
  }

  private startKeepAlive(): void {
    const { keepAliveMs, deadPeerMs } = this.opts.timeouts;
    const checkEvery = Math.max(10, Math.min(keepAliveMs, deadPeerMs) / 2);
    this.keepAliveTimer = setInterval(() => {
      const now = Date.now();
      if (now - this.lastReceivedAt >= deadPeerMs) {
        this.abort(`the peer stopped answering (nothing for ${Math.round(deadPeerMs / 1000)} s)`);
      } else if (now - this.lastSentAt >= keepAliveMs) {
        this.write({ type: 'ping', nonce: this.pingNonce++ >>> 0 });
      }
    }, checkEvery);
    this.keepAliveTimer.unref();
  }

  protected override onFinish(): void {
    clearTimeout(this.handshakeTimer);
    if (this.keepAliveTimer) clearInterval(this.keepAliveTimer);
    this.budget.stop();
    this.scheduler.close();
    if (!this.stream.destroyed) this.stream.destroy();
  }
}

function byeReasonText(code: ByeReasonCode, reason: string): string {
  switch (code) {
    case ByeReason.Quit:
    case ByeReason.UserClosed:
      return reason ? `the peer left (${reason})` : 'the peer left';
    case ByeReason.Duplicate:
      return 'replaced by another connection to the same peer';
    case ByeReason.Protocol:
      return `the peer reported a protocol error: ${reason}`;
    default:
      return `the peer closed the connection: ${reason}`;
  }
}
