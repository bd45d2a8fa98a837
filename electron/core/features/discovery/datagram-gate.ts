import { TokenBucket } from '../../rate-limiter';
import { DATAGRAM_BURST_PER_SOURCE, DATAGRAMS_PER_SECOND_PER_SOURCE, MAX_DISCOVERY_DATAGRAM_BYTES, MAX_TRACKED_SOURCES } from './limits';

export interface DatagramGateOptions {
  maxBytes?: number;
  perSecond?: number;
  burst?: number;
  maxSources?: number;
  now?: () => number;
}

/**
 * Decides, before a datagram is parsed, whether it is read at all: no longer than the size limit, and its source
 * address within its rate. The sources remembered are bounded; the one heard from longest ago is forgotten first.
 */
export class DatagramGate {
  private readonly sources = new Map<string, TokenBucket>();
  private readonly maxBytes: number;
  private readonly perSecond: number;
  private readonly burst: number;
  private readonly maxSources: number;
  private readonly now: () => number;

  constructor(opts: DatagramGateOptions = {}) {
    this.maxBytes = opts.maxBytes ?? MAX_DISCOVERY_DATAGRAM_BYTES;
    this.perSecond = opts.perSecond ?? DATAGRAMS_PER_SECOND_PER_SOURCE;
    this.burst = opts.burst ?? DATAGRAM_BURST_PER_SOURCE;
    this.maxSources = opts.maxSources ?? MAX_TRACKED_SOURCES;
    this.now = opts.now ?? performance.now.bind(performance);
  }

  admit(size: number, source: string): boolean {
    if (size > this.maxBytes) return false;
    let bucket = this.sources.get(source);
    if (bucket) this.sources.delete(source);
    else bucket = new TokenBucket(this.perSecond, this.burst, this.now);
    // Most recently heard last, so the first key is the one to forget.
    this.sources.set(source, bucket);
    if (this.sources.size > this.maxSources) this.sources.delete(this.sources.keys().next().value!);
    return bucket.spend();
  }
}
