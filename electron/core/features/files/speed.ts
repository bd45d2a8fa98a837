/**
 * A transfer's speed, smoothed, and the pace of its progress events: `sample` says when one is due (at most one
 * per `intervalMs`), so a fast transfer does not flood the UIs.
 */
const SMOOTHING = 0.3;

export class SpeedMeter {
  bytesPerSecond = 0;
  private last: { bytes: number; at: number } | null = null;

  constructor(private readonly intervalMs: number) {}

  /** Records progress; true when an event is due. */
  sample(bytes: number, now: number): boolean {
    if (this.last === null) {
      this.last = { bytes, at: now };
      return true;
    }
    const elapsed = now - this.last.at;
    if (elapsed < this.intervalMs) return false;
    const speed = (Math.max(0, bytes - this.last.bytes) * 1000) / elapsed;
    this.bytesPerSecond = this.bytesPerSecond === 0 ? speed : SMOOTHING * speed + (1 - SMOOTHING) * this.bytesPerSecond;
    this.last = { bytes, at: now };
    return true;
  }
}
