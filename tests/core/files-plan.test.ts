import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_BLOCK_RETRIES, MAX_WANT_AHEAD_BLOCKS, WANT_AHEAD_BYTES } from '../../shared/files/limits';
import { ProtocolError } from '../../shared/protocol/wire';
import { decodeFiles, encodeFiles, encodeFilesParts } from '../../electron/core/features/files/codec';
import type { FilesMessage } from '../../electron/core/features/files/messages';
import { fileDigest, ReceivePlan } from '../../electron/core/features/files/receive-plan';
import { SendQueue } from '../../electron/core/features/files/send-queue';

const BLOCK = 1024;
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest();
const transfer = new Uint8Array(16).fill(7);

/** Plays the sender's part for a plan: every wanted block, chunked, then its digest and the file's end. */
function serve(plan: ReceivePlan, files: Buffer[], ranges: Array<{ item: number; block: number; count: number }>, chunk = 300): string[] {
  const log: string[] = [];
  for (const range of ranges) {
    for (let block = range.block; block < range.block + range.count; block++) {
      const data = files[range.item]!.subarray(block * BLOCK, (block + 1) * BLOCK);
      for (let at = 0; at < data.length; at += chunk) {
        const piece = data.subarray(at, at + chunk);
        const verdict = plan.chunk(plan.epoch, range.item, block * BLOCK + at, piece.length);
        if (verdict.kind !== 'write') throw new Error(JSON.stringify(verdict));
        plan.hash(piece);
      }
      const verdict = plan.block(plan.epoch, range.item, block, sha(data));
      log.push(verdict.kind);
      const last = block === Math.max(1, Math.ceil(files[range.item]!.length / BLOCK)) - 1;
      if (last) {
        const digests = [];
        for (let b = 0; b * BLOCK < Math.max(1, files[range.item]!.length); b++) digests.push(sha(files[range.item]!.subarray(b * BLOCK, (b + 1) * BLOCK)));
        const end = plan.end(plan.epoch, range.item, fileDigest(digests));
        log.push(end.kind);
        if (end.kind === 'complete') plan.markDone(range.item);
      }
    }
  }
  return log;
}

describe('files/1 codec', () => {
  const samples: FilesMessage[] = [
    { type: 'offer', transfer, algorithm: 'sha256-blocks', blockBytes: BLOCK, itemCount: 2, totalBytes: 3, first: 0, last: true, items: [{ path: 'a/b.txt', size: 1, kind: 0 }, { path: 'c', size: 2, kind: 0 }] },
    { type: 'accept', transfer },
    { type: 'decline', transfer, reason: 'no thanks' },
    { type: 'want', transfer, epoch: 3, ranges: [{ item: 1, block: 2, count: 3 }] },
    { type: 'chunk', transfer, epoch: 1, item: 0, offset: 2 ** 40, data: new Uint8Array([1, 2, 3]) },
    { type: 'block', transfer, epoch: 1, item: 2, block: 9, digest: new Uint8Array(32).fill(1) },
    { type: 'end', transfer, epoch: 1, item: 2, digest: new Uint8Array(32).fill(2) },
    { type: 'done', transfer },
    { type: 'cancel', transfer, reason: 'stop' },
    { type: 'pause', transfer, paused: true, reason: 'disk full' },
  ];

  it.each(samples.map((s) => [s.type, s] as const))('%s round-trips', (_type, message) => {
    const decoded = decodeFiles(encodeFiles(message));
    expect(decoded).toEqual(message);
  });

  it.each(samples.map((s) => [s.type, s] as const))('%s in parts is the same bytes, a chunk’s data not copied', (_type, message) => {
    const parts = encodeFilesParts(message);
    expect(Buffer.concat(parts.map((part) => Buffer.from(part)))).toEqual(Buffer.from(encodeFiles(message)));
    if (message.type === 'chunk') expect(parts[1]).toBe(message.data);
  });

  it('hostile sizes decode as numbers for the feature to refuse with a sentence (negative, fractional, beyond 2^53)', () => {
    const offer = { ...samples[0], items: [{ path: 'x', size: -1, kind: 0 }, { path: 'y', size: 1.5, kind: 0 }, { path: 'z', size: 2 ** 60, kind: 0 }] } as FilesMessage;
    expect(decodeFiles(encodeFiles(offer))).toEqual(offer);
  });

  it('random bytes and every truncation either decode or throw ProtocolError, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          decodeFiles(bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: 3000 },
    );
    for (const sample of samples) {
      const bytes = encodeFiles(sample);
      for (let cut = 1; cut < bytes.length; cut++) {
        if (sample.type === 'chunk' && cut >= bytes.length - 3) continue; // a shorter chunk is still a chunk
        expect(() => decodeFiles(bytes.subarray(0, cut)), `${sample.type} cut at ${cut}`).toThrow(ProtocolError);
      }
    }
  });

  it('an unknown type code is a newer peer’s and is ignored', () => {
    expect(decodeFiles(new Uint8Array([99, ...transfer]))).toBeNull();
  });
});

describe('receive plan: blocks, digests and the want window', () => {
  it('asks a window ahead, not block by block, and completes a file when every block and its digest verify', () => {
    const file = randomBytes(BLOCK * 20 + 17);
    const plan = new ReceivePlan([{ path: 'f', size: file.length }], BLOCK);
    const first = plan.restart();
    expect(first.ranges).toEqual([{ item: 0, block: 0, count: 21 }]); // 21 blocks of 1 KiB: all within the window
    const log = serve(plan, [file], first.ranges);
    expect(log).toEqual([...Array(21).fill('verified'), 'complete']);
    let more = plan.more();
    while (more.length > 0) {
      serve(plan, [file], more);
      more = plan.more();
    }
    expect(plan.complete).toBe(true);
    expect(plan.verifiedBytes).toBe(file.length);
  });

  it('many small files go in one want, with no round trip per file', () => {
    const files = Array.from({ length: MAX_WANT_AHEAD_BLOCKS + 50 }, (_, i) => randomBytes(i % 100));
    const plan = new ReceivePlan(files.map((f, i) => ({ path: `d/${i}`, size: f.length })), BLOCK);
    const { ranges } = plan.restart();
    expect(ranges).toHaveLength(MAX_WANT_AHEAD_BLOCKS);
    expect(ranges.map((r) => r.item)).toEqual([...Array(MAX_WANT_AHEAD_BLOCKS).keys()]);
  });

  it('a big file is asked for WANT_AHEAD_BYTES ahead, and more as blocks verify', () => {
    const big = 1024 * 1024;
    const plan = new ReceivePlan([{ path: 'f', size: big * 40 }], big);
    expect(plan.restart().ranges).toEqual([{ item: 0, block: 0, count: WANT_AHEAD_BYTES / big }]);
    expect(plan.more()).toEqual([]);
  });

  it('a block whose bytes do not match its digest is asked again, and fails the file after the retries', () => {
    const file = randomBytes(BLOCK);
    const plan = new ReceivePlan([{ path: 'f', size: file.length }], BLOCK);
    plan.restart();
    for (let attempt = 1; attempt <= MAX_BLOCK_RETRIES + 1; attempt++) {
      expect(plan.chunk(plan.epoch, 0, 0, BLOCK).kind).toBe('write');
      plan.hash(file);
      const verdict = plan.block(plan.epoch, 0, 0, new Uint8Array(32)); // a lying digest
      if (attempt <= MAX_BLOCK_RETRIES) {
        expect(verdict.kind).toBe('retry');
        expect(plan.end(plan.epoch, 0, new Uint8Array(32)).kind).toBe('wait');
      } else expect(verdict).toMatchObject({ kind: 'fail', reason: expect.stringMatching(/did not match its digest 4 times; the partial file is kept/) });
    }
  });

  it('a lying whole-file digest fails the file though every block verified', () => {
    const file = randomBytes(BLOCK * 2);
    const plan = new ReceivePlan([{ path: 'f', size: file.length }], BLOCK);
    plan.restart();
    for (const block of [0, 1]) {
      plan.chunk(plan.epoch, 0, block * BLOCK, BLOCK);
      plan.hash(file.subarray(block * BLOCK, (block + 1) * BLOCK));
      expect(plan.block(plan.epoch, 0, block, sha(file.subarray(block * BLOCK, (block + 1) * BLOCK))).kind).toBe('verified');
    }
    expect(plan.end(plan.epoch, 0, sha(file))).toMatchObject({ kind: 'fail', reason: expect.stringMatching(/digest of f does not match its blocks/) });
  });

  it.each([
    ['beyond the declared size', (p: ReceivePlan) => p.chunk(p.epoch, 0, BLOCK * 2 - 10, 20), /beyond the declared size/],
    ['overlapping', (p: ReceivePlan) => (p.chunk(p.epoch, 0, 0, 100), p.chunk(p.epoch, 0, 50, 100)), /overlaps bytes already received/],
    ['skipping', (p: ReceivePlan) => p.chunk(p.epoch, 0, 10, 100), /skips bytes/],
    ['for a file not offered', (p: ReceivePlan) => p.chunk(p.epoch, 5, 0, 1), /file 6, and the offer has 2/],
    ['for a file not asked for', (p: ReceivePlan) => p.chunk(p.epoch, 1, 0, 1), /not asked for/],
    ['a fractional offset', (p: ReceivePlan) => p.chunk(p.epoch, 0, 0.5, 1), /no byte offset/],
    ['crossing its block', (p: ReceivePlan) => p.chunk(p.epoch, 0, 0, BLOCK + 1), /crosses the end of its block|outside/],
    ['a digest before all bytes', (p: ReceivePlan) => (p.chunk(p.epoch, 0, 0, 10), p.block(p.epoch, 0, 0, new Uint8Array(32))), /before all its bytes/],
    ['a file end before all bytes', (p: ReceivePlan) => p.end(p.epoch, 0, new Uint8Array(32)), /end of a before all its bytes/],
  ])('a chunk %s fails the transfer with a sentence', (_name, act, reason) => {
    const plan = new ReceivePlan([{ path: 'a', size: BLOCK * 2 - 5 }, { path: 'b', size: 10 }], BLOCK);
    plan.restart();
    const verdict = act(plan);
    expect(verdict).toMatchObject({ kind: 'fail', reason: expect.stringMatching(reason) });
  });

  it('what comes for an older epoch is dropped unread, after a new start', () => {
    const plan = new ReceivePlan([{ path: 'a', size: BLOCK }], BLOCK);
    plan.restart();
    const old = plan.epoch;
    plan.chunk(old, 0, 0, 10);
    plan.restart();
    expect(plan.chunk(old, 0, 10, 10).kind).toBe('stale');
    expect(plan.block(old, 0, 0, new Uint8Array(32)).kind).toBe('stale');
    expect(plan.chunk(plan.epoch, 0, 0, 10).kind).toBe('write'); // the new epoch starts the block afresh
  });

  it('resume: restored blocks are never asked for again, and the bytes they hold count as received', () => {
    const file = randomBytes(BLOCK * 10);
    const plan = new ReceivePlan([{ path: 'f', size: file.length }], BLOCK);
    for (const block of [0, 1, 2, 3, 5]) plan.restoreBlock(0, block, sha(file.subarray(block * BLOCK, (block + 1) * BLOCK)));
    expect(plan.verifiedBytes).toBe(5 * BLOCK);
    const { ranges } = plan.restart();
    expect(ranges).toEqual([{ item: 0, block: 4, count: 1 }, { item: 0, block: 6, count: 4 }]);
    serve(plan, [file], ranges);
    expect(plan.complete).toBe(true);
  });

  it('a file with every block verified but not yet in place (a crash between) gets its last block asked again, counted once', () => {
    const file = randomBytes(BLOCK * 3);
    const plan = new ReceivePlan([{ path: 'f', size: file.length }], BLOCK);
    for (const block of [0, 1, 2]) plan.restoreBlock(0, block, sha(file.subarray(block * BLOCK, (block + 1) * BLOCK)));
    const { ranges } = plan.restart();
    expect(ranges).toEqual([{ item: 0, block: 2, count: 1 }]);
    expect(serve(plan, [file], ranges)).toEqual(['verified', 'complete']);
    expect(plan.verifiedBytes).toBe(file.length);
  });

  it('a file whose part file is gone is received again from its start', () => {
    const plan = new ReceivePlan([{ path: 'f', size: BLOCK * 3 }], BLOCK);
    plan.restoreBlock(0, 0, new Uint8Array(32));
    plan.forget(0);
    expect(plan.verifiedBytes).toBe(0);
    expect(plan.restart().ranges).toEqual([{ item: 0, block: 0, count: 3 }]);
  });

  it('an empty file is one empty block', () => {
    const plan = new ReceivePlan([{ path: 'empty', size: 0 }], BLOCK);
    const { ranges } = plan.restart();
    expect(serve(plan, [Buffer.alloc(0)], ranges)).toEqual(['verified', 'complete']);
  });
});

describe('send queue: the blocks asked for', () => {
  it('serves in order, adds within an epoch, replaces on a newer one and ignores an older one', () => {
    const queue = new SendQueue([BLOCK * 4, 10], BLOCK);
    expect(queue.want(1, [{ item: 0, block: 0, count: 2 }])).toBeNull();
    expect(queue.want(1, [{ item: 1, block: 0, count: 1 }])).toBeNull();
    expect([queue.next(), queue.next(), queue.next(), queue.next()]).toEqual([
      { epoch: 1, item: 0, block: 0 },
      { epoch: 1, item: 0, block: 1 },
      { epoch: 1, item: 1, block: 0 },
      null,
    ]);
    queue.want(2, [{ item: 0, block: 3, count: 1 }]);
    queue.want(1, [{ item: 0, block: 0, count: 1 }]);
    expect(queue.next()).toEqual({ epoch: 2, item: 0, block: 3 });
    expect(queue.next()).toBeNull();
  });

  it('a want beyond the offer is refused with a sentence', () => {
    const queue = new SendQueue([BLOCK * 2], BLOCK);
    expect(queue.want(1, [{ item: 1, block: 0, count: 1 }])).toMatch(/file 2, and the offer has 1/);
    expect(queue.want(1, [{ item: 0, block: 1, count: 2 }])).toMatch(/which has 2/);
    expect(queue.want(1, [{ item: 0, block: 0, count: 0 }])).toMatch(/which has 2/);
  });
});
