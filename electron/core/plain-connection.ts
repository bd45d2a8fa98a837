import type { Socket } from 'node:net';
import { LineDecoder } from '../../shared/protocol/line-decoder';
import { PLAIN_IDLE_FLUSH_MS, type PeerLimits, type PeerTimeouts } from '../../shared/protocol/limits';
import { Connection, type Direction } from './connection';
import { InboundBudget } from './rate-limiter';

/**
 * A plain-text TCP peer: netcat, or the classic socket example. UTF-8 lines in both directions; a partial line
 * counts as a message once the peer has been quiet for a moment, because the classic example sends one line
 * without a newline and waits for the reply. Never encrypted, never verified, and shown as such.
 */
export class PlainConnection extends Connection {
  readonly mode = 'plain' as const;
  private readonly decoder = new LineDecoder();
  private readonly budget: InboundBudget;
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(
    socket: Socket,
    direction: Direction,
    opts: { limits: PeerLimits; timeouts: PeerTimeouts; received?: Uint8Array },
  ) {
    super(socket, direction, opts.timeouts.closeGraceMs);
    this.budget = new InboundBudget(opts.limits, { pause: () => socket.pause(), resume: () => socket.resume() });
    const received = opts.received;
    this.peerKey = `plain:${this.remoteAddress}`;
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
    for (const text of lines) this.deliver(text);
    this.armIdleFlush();
  }

  private deliver(text: string): void {
    this.emit('chat', { text });
    this.budget.charge();
  }

  private armIdleFlush(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = this.decoder.pendingBytes > 0 ? setTimeout(() => this.deliverPartialLine(), PLAIN_IDLE_FLUSH_MS) : null;
  }

  private deliverPartialLine(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    const partial = this.decoder.flush();
    if (partial !== null) this.deliver(partial);
  }

  sendChat(_id: string, text: string): boolean {
    if (this.state !== 'open') return false;
    this.socket.write(text.endsWith('\n') ? text : text + '\n');
    return true;
  }

  /** Plain-text peers have no typing notices. */
  sendTyping(): void {}

  /** Plain-text peers have no read receipts. */
  sendRead(): boolean {
    return false;
  }

  /** Plain-text peers have no acknowledgements. */
  ack(): void {}

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
