import { BULK_CREDIT_WINDOW_BYTES } from '../../shared/protocol/limits';

/**
 * A session's way out, with two lanes. Control frames (hello, pings, chat, acks) are written at once; bulk frames
 * (file chunks) wait in their own queue and are written only while the socket has room and the receiver has
 * granted credit for them, so a chat message never sits behind more than a credit window of bulk, in our
 * buffers or the network's.
 *
 * A bulk frame waits as the function that builds it and is built only once it is next to go, so at most one
 * built frame waits. Frames are then garbage moments after they are made: a queue of built frames waiting for
 * credit lives through collections, and its copies would make the garbage collector work harder than the
 * transfer does.
 */
export interface FrameSink {
  /** False when the sink is over its high-water mark: wait for `drain`. */
  write(frame: Uint8Array): boolean;
  /**
   * A buffer of `length` for the very next frame written, which the sink then takes without copying it
   * (secret-stream's: it encrypts in place). Optional: without it frames are allocated here.
   */
  alloc?(length: number): Uint8Array;
  on(event: 'drain', listener: () => void): unknown;
}

/** Builds a bulk frame when it is about to be written, in a buffer from `alloc`. */
export type FrameBuilder = (alloc: (length: number) => Uint8Array) => Uint8Array;

interface QueuedBulk {
  build: FrameBuilder;
  /** Built once the frame is next to go, and kept while it waits for credit. */
  frame?: Uint8Array;
  written: (ok: boolean) => void;
  /** The frame could not be built (a message its codec refuses): the caller hears it, the lane goes on. */
  failed: (err: unknown) => void;
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

  /** Queues a bulk frame; resolves true once it is built and written to the socket, false if the session closed first. */
  bulk(build: FrameBuilder): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise((written, failed) => {
      this.bulkQueue.push({ build, written, failed });
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

  /** The sink's buffer for the next frame written (only the frame at the head is built, then written first). */
  private readonly allocate = (length: number): Uint8Array => this.sink.alloc?.(length) ?? new Uint8Array(length);

  private pump(): void {
    while (!this.full && this.bulkQueue.length > 0) {
      const head = this.bulkQueue[0]!;
      let frame: Uint8Array;
      try {
        frame = head.frame ??= head.build(this.allocate);
      } catch (err) {
        this.bulkQueue.shift();
        head.failed(err);
        continue;
      }
      if (this.credit < frame.byteLength) break;
      this.bulkQueue.shift();
      this.credit -= frame.byteLength;
      if (!this.sink.write(frame)) this.full = true;
      head.written(true);
    }
    if (!this.congested) this.release();
  }

  private release(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
