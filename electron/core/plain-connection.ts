import type { Socket } from 'node:net';
import { sessionKey } from '../../shared/ids';
import { LineDecoder } from '../../shared/protocol/line-decoder';
import { PLAIN_IDLE_FLUSH_MS, type PeerLimits, type PeerTimeouts } from '../../shared/protocol/limits';
import { BASE_CHANNEL } from '../../shared/protocol/messages';
import type { ChannelRegistry, PlainTextAdapter, RegisteredChannel } from './channels';
import { Connection, type Direction } from './connection';
import { InboundBudget } from './rate-limiter';

/** The channel a plain-text peer's lines belong to, if this peer speaks it with a line adapter. */
function lineChannelOf(channels: ChannelRegistry): (RegisteredChannel & { spec: { plainText: PlainTextAdapter<unknown> } }) | null {
  const channel = channels.get(BASE_CHANNEL);
  return channel?.spec.plainText ? (channel as RegisteredChannel & { spec: { plainText: PlainTextAdapter<unknown> } }) : null;
}

/**
 * A plain-text TCP peer: netcat, or the classic socket example. UTF-8 lines in both directions; a partial line
 * counts as a message once the peer has been quiet for a moment, because the classic example sends one line
 * without a newline and waits for the reply. Never encrypted, never verified, and shown as such. It speaks one
 * channel, the base one, through that channel's line adapter: each line is one of its messages.
 */
export class PlainConnection extends Connection {
  readonly mode = 'plain' as const;
  private readonly decoder = new LineDecoder();
  private readonly budget: InboundBudget;
  private readonly lineChannel: ReturnType<typeof lineChannelOf>;
  private idleTimer: NodeJS.Timeout | null = null;
  private readonly quiet: QuietTimer;

  constructor(
    socket: Socket,
    direction: Direction,
    opts: { limits: PeerLimits; timeouts: PeerTimeouts; channels: ChannelRegistry; received?: Uint8Array },
  ) {
    super(socket, direction, opts.timeouts.closeGraceMs);
    this.lineChannel = lineChannelOf(opts.channels);
    this.budget = new InboundBudget(opts.limits, { pause: () => socket.pause(), resume: () => socket.resume() });
    const received = opts.received;
    this.peerKey = sessionKey(`plain:${this.remoteAddress}`);
    this.quiet = new QuietTimer(opts.timeouts, (reason) => void this.close(reason));
    socket.on('data', (chunk: Buffer) => this.onBytes(chunk));
    socket.on('end', () => {
      this.deliverPartialLine();
      this.noteReason('the peer closed the connection');
      socket.end();
    });
    // Open on the next turn of the event loop, not in the constructor: whoever made this connection (the dialer,
    // or the listener's sniff promise) attaches its listeners first, so neither 'open' nor the first lines are
    // missed. The socket stays paused until then (the listener paused it while it sniffed the first bytes), and
    // the sniffed bytes go first.
    socket.pause();
    setImmediate(() => {
      if (this.state !== 'connecting') return;
      this.moveTo('open');
      this.quiet.start();
      if (received && received.byteLength > 0) this.onBytes(received);
      socket.resume();
    });
  }

  private onBytes(chunk: Uint8Array): void {
    if (this.state === 'closed') return;
    this.quiet.heard();
    let lines: string[];
    try {
      lines = this.decoder.push(chunk);
    } catch (err) {
      this.abort(`cut off: ${(err as Error).message}`);
      return;
    }
    for (const text of lines) this.deliverLine(text);
    this.armIdleFlush();
  }

  private deliverLine(text: string): void {
    if (this.lineChannel) void this.deliver(this.lineChannel, this.lineChannel.spec.plainText.fromLine(text));
    this.budget.charge(Buffer.byteLength(text));
  }

  private armIdleFlush(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = this.decoder.pendingBytes > 0 ? setTimeout(() => this.deliverPartialLine(), PLAIN_IDLE_FLUSH_MS) : null;
  }

  private deliverPartialLine(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    const partial = this.decoder.flush();
    if (partial !== null) this.deliverLine(partial);
  }

  speaks(channel: string): boolean {
    return this.lineChannel?.spec.name === channel;
  }

  send(channel: string, message: unknown): boolean {
    if (this.state !== 'open' || !this.speaks(channel)) return false;
    const line = this.lineChannel!.spec.plainText.toLine(message);
    if (line === null) return false;
    this.socket.write(line.endsWith('\n') ? line : line + '\n');
    this.quiet.heard();
    return true;
  }

  /** A plain-text peer gets lines, never bulk. */
  sendBulk(): Promise<boolean> {
    return Promise.resolve(false);
  }

  get congested(): boolean {
    return this.socket.writableNeedDrain;
  }

  drained(): Promise<void> {
    return this.congested && this.state !== 'closed' ? new Promise((resolve) => this.socket.once('drain', resolve).once('close', resolve)) : Promise.resolve();
  }

  close(reason: string): Promise<string> {
    if (this.state === 'open' || this.state === 'connecting') {
      this.noteReason(reason);
      this.moveTo('closing');
      this.socket.end();
      this.destroyAfterGrace();
    }
    return this.closed;
  }

  protected override onFinish(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.quiet.stop();
    this.budget.stop();
  }
}

/**
 * Closes a plain-text peer that has gone quiet: nothing either way for `plainIdleMs`, or, before anything was
 * said either way, for `plainSilentMs`. A plain peer has no keepalive, so this is how a dead one goes as well.
 */
class QuietTimer {
  private timer: NodeJS.Timeout | null = null;
  private lastTrafficAt = Date.now();
  private spoken = false;

  constructor(
    private readonly timeouts: Pick<PeerTimeouts, 'plainIdleMs' | 'plainSilentMs'>,
    private readonly close: (reason: string) => void,
  ) {}

  start(): void {
    this.lastTrafficAt = Date.now();
    this.arm(this.limit());
  }

  /** Traffic either way: the clock starts again (the timer is re-armed lazily, when it fires). */
  heard(): void {
    this.lastTrafficAt = Date.now();
    this.spoken = true;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private limit(): number {
    return this.spoken ? this.timeouts.plainIdleMs : this.timeouts.plainSilentMs;
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => this.check(), ms);
    this.timer.unref();
  }

  private check(): void {
    const limit = this.limit();
    const quietFor = Date.now() - this.lastTrafficAt;
    if (quietFor < limit) return this.arm(limit - quietFor);
    this.timer = null;
    const seconds = `${+(limit / 1000).toFixed(1)} s`;
    this.close(this.spoken ? `the plain-text peer was idle for ${seconds}` : `the plain-text peer said nothing for ${seconds}`);
  }
}
