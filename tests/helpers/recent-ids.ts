/** The most recent ids seen, bounded: remembers at most `capacity`, forgetting the oldest first. */
export class RecentIds {
  private readonly ids = new Set<string>();
  /**
   * The remembered ids in arrival order, as a ring: `oldest` is the next slot to reuse once it is full. Finding
   * the oldest through the Set's iterator instead costs a walk over every deleted entry not yet compacted away,
   * which grows with each eviction (about 14 µs per add at 65,536 ids).
   */
  private readonly order: string[] = [];
  private oldest = 0;

  constructor(private readonly capacity: number) {}

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(id: string): void {
    if (this.capacity <= 0 || this.ids.has(id)) return;
    this.ids.add(id);
    if (this.order.length < this.capacity) {
      this.order.push(id);
      return;
    }
    this.ids.delete(this.order[this.oldest]);
    this.order[this.oldest] = id;
    this.oldest = (this.oldest + 1) % this.capacity;
  }
}
