import { BULK_CREDIT_WINDOW_BYTES } from '../../shared/protocol/limits';

/**
 * A session's way out, with two lanes. Control frames (hello, pings, chat, acks) are written at once; bulk frames
 * (file chunks) wait in their own queue and are written only while the socket has room and the receiver has
 * granted credit for them, so a chat message never sits behind more than a credit window of bulk, in our
 * buffers or the network's.
 */
export interface FrameSink {
  /** False when the sink is over its high-water mark: wait for `drain`. */
  write(frame: Uint8Array): boolean;
  on(event: 'drain', listener: () => void): unknown;
}

interface QueuedBulk {
  frame: Uint8Array;
  written: (ok: boolean) => void;
}

export class SendScheduler {
  private readonly bulkQueue: QueuedBulk[] = [];
  private full = false;
  private closed = false;
  /** Bulk bytes the receiver will still take. */
  private credit = BULK_CREDIT_WINDOW_BYTES;
  private waiters: Array<() => void> = [];

  constructor(private readonly sink: FrameSink) {
    sink.on('drain', () => {
      this.full = false;
      this.pump();
    });
  }

  /** Writes a control frame now, whatever waits on the bulk lane. */
  control(frame: Uint8Array): void {
    if (this.closed) return;
    if (!this.sink.write(frame)) this.full = true;
  }

  /** Queues a bulk frame; resolves true once it is written to the socket, false if the session closed first. */
  bulk(frame: Uint8Array): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise((written) => {
      this.bulkQueue.push({ frame, written });
      this.pump();
    });
  }

  /** The receiver handled `bytes` more of our bulk: that much more may go. */
  grant(bytes: number): void {
    this.credit += bytes;
    this.pump();
  }

  /** The socket is full, or bulk is waiting for room or credit. */
  get congested(): boolean {
    return this.full || this.bulkQueue.length > 0;
  }

  /** Resolves once nothing waits and the socket has room (at once if so now, or once the session closed). */
  drained(): Promise<void> {
    if (!this.congested || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The session ended: queued bulk is not written, and every waiter is released. */
  close(): void {
    this.closed = true;
    for (const item of this.bulkQueue.splice(0)) item.written(false);
    this.release();
  }

  private pump(): void {
    while (!this.full && this.bulkQueue.length > 0 && this.credit >= this.bulkQueue[0]!.frame.byteLength) {
      const item = this.bulkQueue.shift()!;
      this.credit -= item.frame.byteLength;
      if (!this.sink.write(item.frame)) this.full = true;
      item.written(true);
    }
    if (!this.congested) this.release();
  }

  private release(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
