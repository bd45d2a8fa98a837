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
      if (received && received.byteLength > 0) this.onBytes(received);
      socket.resume();
    });
  }

  private onBytes(chunk: Uint8Array): void {
    if (this.state === 'closed') return;
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
    this.budget.stop();
  }
}
