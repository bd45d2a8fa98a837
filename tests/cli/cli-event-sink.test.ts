import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { eventSink } from '../../electron/cli/json-mode';

/** A stdout whose reader takes nothing until `release()`, then everything. */
function slowOutput() {
  const taken: string[] = [];
  let held: Array<() => void> = [];
  let flowing = false;
  const output = new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _encoding, callback) {
      taken.push(chunk.toString());
      if (flowing) callback();
      else held.push(callback);
    },
  });
  const release = () => {
    flowing = true;
    const callbacks = held;
    held = [];
    for (const callback of callbacks) callback();
  };
  return { output, taken, release, events: () => taken.join('').split('\n').filter(Boolean).map((line) => JSON.parse(line)) };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('eventSink: --json stdout with a reader that falls behind', () => {
  it('a slow reader bounds what waits in memory, and one overflow event tells what was dropped and how to resync', async () => {
    const { output, release, events } = slowOutput();
    const emit = eventSink(output, 8 * 1024);
    const text = 'x'.repeat(500);
    let maxPending = 0;
    for (let i = 0; i < 2000; i++) {
      emit({ event: i % 2 ? 'message' : 'delivered', peer: `peer${i % 3}`, id: String(i), text });
      maxPending = Math.max(maxPending, output.writableLength);
    }
    expect(maxPending).toBeLessThan(8 * 1024 + 1024);

    release();
    await tick();
    const seen = events();
    const overflow = seen.filter((e) => e.event === 'overflow');
    expect(overflow).toHaveLength(1);
    const written = seen.filter((e) => e.event !== 'overflow');
    expect([...overflow[0].peers].sort()).toEqual(['peer0', 'peer1', 'peer2']);
    expect(overflow[0]).toMatchObject({ dropped: 2000 - written.length, resync: expect.stringContaining('"cmd":"history"') });
    expect(overflow[0].kinds.message + overflow[0].kinds.delivered).toBe(overflow[0].dropped);
    // Events before the overflow are written in order, none twice.
    expect(written.map((e) => Number(e.id))).toEqual(written.map((_, i) => i));

    // Caught up: events flow again.
    emit({ event: 'message', peer: 'peer0', id: 'after', text: 'again' });
    await tick();
    expect(events().at(-1)).toMatchObject({ id: 'after' });
  });

  it('a reader that keeps up loses nothing and sees no overflow', async () => {
    const { output, release, events } = slowOutput();
    release();
    const emit = eventSink(output, 8 * 1024);
    for (let i = 0; i < 500; i++) {
      emit({ event: 'message', peer: 'p', id: String(i), text: 'y'.repeat(100) });
      if (i % 10 === 0) await tick();
    }
    await tick();
    expect(events().map((e) => e.id)).toEqual(Array.from({ length: 500 }, (_, i) => String(i)));
  });

  it('one event larger than the bound (a long history page) is still written whole', async () => {
    const { output, release, events } = slowOutput();
    const emit = eventSink(output, 1024);
    emit({ event: 'history', peer: 'p', messages: ['z'.repeat(10_000)] });
    release();
    await tick();
    expect(events()).toEqual([{ event: 'history', peer: 'p', messages: ['z'.repeat(10_000)] }]);
  });
});
