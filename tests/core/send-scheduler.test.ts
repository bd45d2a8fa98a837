import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { SendScheduler, type FrameSink } from '../../electron/core/send-scheduler';
import { BULK_CREDIT_WINDOW_BYTES } from '../../shared/protocol/limits';

/** A socket stand-in: it takes frames until `room` bytes are buffered, then says full until the test drains it. */
class FakeSink extends EventEmitter implements FrameSink {
  readonly written: Uint8Array[] = [];
  private buffered = 0;

  constructor(private readonly room: number) {
    super();
  }

  write(frame: Uint8Array): boolean {
    this.written.push(frame);
    this.buffered += frame.byteLength;
    return this.buffered < this.room;
  }

  drain(): void {
    this.buffered = 0;
    this.emit('drain');
  }
}

const frame = (tag: number, bytes = 8) => new Uint8Array(bytes).fill(tag);
const tags = (sink: FakeSink) => sink.written.map((written) => written[0]);

describe('send scheduler', () => {
  it('writes control frames at once, even while bulk waits for the socket', async () => {
    const sink = new FakeSink(16);
    const scheduler = new SendScheduler(sink);
    const first = scheduler.bulk(() => frame(1, 32));
    const second = scheduler.bulk(() => frame(2, 32));
    expect(await first).toBe(true);
    scheduler.control(frame(9));
    expect(tags(sink)).toEqual([1, 9]);
    expect(scheduler.congested).toBe(true);
    sink.drain();
    expect(await second).toBe(true);
    expect(tags(sink)).toEqual([1, 9, 2]);
  });

  it('writes no bulk beyond the credit, and goes on when the receiver grants more', async () => {
    const sink = new FakeSink(Number.MAX_SAFE_INTEGER);
    const scheduler = new SendScheduler(sink);
    const frameBytes = BULK_CREDIT_WINDOW_BYTES / 4;
    const sent = Array.from({ length: 6 }, (_, i) => scheduler.bulk(() => frame(i, frameBytes)));
    await Promise.all(sent.slice(0, 4));
    expect(sink.written).toHaveLength(4);
    expect(scheduler.congested).toBe(true);
    scheduler.grant(frameBytes);
    expect(await sent[4]).toBe(true);
    expect(sink.written).toHaveLength(5);
    scheduler.grant(frameBytes);
    expect(await sent[5]).toBe(true);
    expect(scheduler.congested).toBe(false);
  });

  it('drained() waits for room and for the queue to empty', async () => {
    const sink = new FakeSink(4);
    const scheduler = new SendScheduler(sink);
    scheduler.control(frame(1));
    let drained = false;
    const waiting = scheduler.drained().then(() => (drained = true));
    await Promise.resolve();
    expect(drained).toBe(false);
    sink.drain();
    await waiting;
    expect(drained).toBe(true);
    await scheduler.drained();
  });

  it('a session that ends writes none of the waiting bulk and releases every waiter', async () => {
    const sink = new FakeSink(4);
    const scheduler = new SendScheduler(sink);
    const first = scheduler.bulk(() => frame(1));
    const waiting = scheduler.bulk(() => frame(2));
    const drained = scheduler.drained();
    scheduler.close();
    expect(await first).toBe(true);
    expect(await waiting).toBe(false);
    await drained;
    expect(await scheduler.bulk(() => frame(3))).toBe(false);
    scheduler.control(frame(4));
    expect(tags(sink)).toEqual([1]);
  });

  it('builds a bulk frame only once it is next to go, in the buffer the sink gives for its next write', async () => {
    const sink = new FakeSink(16);
    const given: number[] = [];
    Object.assign(sink, { alloc: (length: number) => (given.push(length), new Uint8Array(length)) });
    const scheduler = new SendScheduler(sink);
    const built: number[] = [];
    const build = (tag: number) => (alloc: (length: number) => Uint8Array) => (built.push(tag), alloc(32).fill(tag));
    const first = scheduler.bulk(build(1));
    const second = scheduler.bulk(build(2));
    expect(await first).toBe(true);
    const third = scheduler.bulk(build(3));
    expect(built).toEqual([1]); // the socket is full: the others wait unbuilt
    sink.drain();
    expect(await second).toBe(true);
    expect(built).toEqual([1, 2]);
    sink.drain();
    expect(await third).toBe(true);
    expect(built).toEqual([1, 2, 3]);
    expect(given).toEqual([32, 32, 32]);
    expect(tags(sink)).toEqual([1, 2, 3]);
  });

  it('a bulk frame that cannot be built fails its own send, and the lane goes on', async () => {
    const sink = new FakeSink(Number.MAX_SAFE_INTEGER);
    const scheduler = new SendScheduler(sink);
    const broken = scheduler.bulk(() => {
      throw new RangeError('transfer id has 3 bytes, not 16');
    });
    const next = scheduler.bulk(() => frame(5));
    await expect(broken).rejects.toThrow(/transfer id has 3 bytes/);
    expect(await next).toBe(true);
    expect(tags(sink)).toEqual([5]);
  });
});
