import { describe, expect, it } from 'vitest';
import { KeyedChain } from '../../electron/core/keyed-chain';

/** A step the test finishes by hand, recording when it starts. */
function heldStep(log: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return {
    step: async () => {
      log.push(`start ${name}`);
      await done;
      log.push(`end ${name}`);
      return name;
    },
    finish: () => finish(),
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('keyed chain', () => {
  it('runs the steps of one key one after another, in the order given', async () => {
    const chain = new KeyedChain();
    const log: string[] = [];
    const first = heldStep(log, 'a1');
    const second = heldStep(log, 'a2');
    const results = [chain.run('a', first.step), chain.run('a', second.step)];
    await tick();
    expect(log).toEqual(['start a1']);
    first.finish();
    await tick();
    expect(log).toEqual(['start a1', 'end a1', 'start a2']);
    second.finish();
    expect(await Promise.all(results)).toEqual(['a1', 'a2']);
  });

  it('lets other keys go on in parallel', async () => {
    const chain = new KeyedChain();
    const log: string[] = [];
    const a = heldStep(log, 'a');
    const b = heldStep(log, 'b');
    void chain.run('a', a.step);
    const bDone = chain.run('b', b.step);
    await tick();
    expect(log).toEqual(['start a', 'start b']);
    b.finish();
    await bDone;
    expect(log).toContain('end b');
    expect(log).not.toContain('end a');
    a.finish();
    await chain.settled('a');
  });

  it('a failing step rejects its own caller only; the next step of the key still runs', async () => {
    const chain = new KeyedChain();
    const failed = chain.run('a', async () => {
      throw new Error('store failed');
    });
    const next = chain.run('a', async () => 'after');
    await expect(failed).rejects.toThrow('store failed');
    expect(await next).toBe('after');
  });

  it('settled() waits for every step queued so far, and forgets a key once it is idle', async () => {
    const chain = new KeyedChain();
    const log: string[] = [];
    const held = heldStep(log, 'a');
    void chain.run('a', held.step);
    let settled = false;
    const waiting = chain.settled('a').then(() => (settled = true));
    await tick();
    expect(settled).toBe(false);
    held.finish();
    await waiting;
    expect(log).toEqual(['start a', 'end a']);
    await tick();
    expect((chain as unknown as { tails: Map<string, unknown> }).tails.size).toBe(0);
    await chain.settled('unknown key');
  });
});
