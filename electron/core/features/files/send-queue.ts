/**
 * The sending side of one transfer, without any I/O: the blocks the receiver asked for, in the order asked. A
 * want of a newer epoch replaces what was still to send (the receiver asks anew after a stall, a resume, a new
 * session); one of the current epoch adds to it; one of an older epoch is late and ignored. A want for a file
 * or block that the offer does not have is refused with a sentence.
 */
import type { WantRange } from './messages';
import { blockCountOf } from './receive-plan';

export interface QueuedBlock {
  epoch: number;
  item: number;
  block: number;
}

export class SendQueue {
  private epoch = -1;
  private ranges: WantRange[] = [];

  constructor(
    private readonly sizes: readonly number[],
    private readonly blockBytes: number,
  ) {}

  /** Takes a want; a sentence if it asks for what the offer does not have. */
  want(epoch: number, ranges: readonly WantRange[]): string | null {
    for (const range of ranges) {
      const size = this.sizes[range.item];
      if (size === undefined) return `a want for file ${range.item + 1}, and the offer has ${this.sizes.length}`;
      const blocks = blockCountOf(size, this.blockBytes);
      if (range.count === 0 || range.block + range.count > blocks) return `a want for blocks ${range.block + 1}–${range.block + range.count} of file ${range.item + 1}, which has ${blocks}`;
    }
    if (epoch < this.epoch) return null;
    if (epoch > this.epoch) {
      this.epoch = epoch;
      this.ranges = [];
    }
    this.ranges.push(...ranges.map((range) => ({ ...range })));
    return null;
  }

  /** The next block to send, taken off the queue; null when nothing is asked for. */
  next(): QueuedBlock | null {
    const range = this.ranges[0];
    if (range === undefined) return null;
    const queued = { epoch: this.epoch, item: range.item, block: range.block };
    range.block++;
    if (--range.count === 0) this.ranges.shift();
    return queued;
  }

  /** Whether the block taken last is still wanted (no newer epoch came meanwhile). */
  current(queued: QueuedBlock): boolean {
    return queued.epoch === this.epoch;
  }

  get empty(): boolean {
    return this.ranges.length === 0;
  }

  /** Whether the block is the file's last: its digest is followed by the file's. */
  isLastBlock(item: number, block: number): boolean {
    return block === blockCountOf(this.sizes[item]!, this.blockBytes) - 1;
  }
}
