/**
 * Runs asynchronous steps one after another per key: what happens to one contact (it connected, its key changed,
 * it left) is applied in the order it happened, while other contacts go on in parallel.
 */
export class KeyedChain {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, step: () => Promise<T>): Promise<T> {
    const result = (this.tails.get(key) ?? Promise.resolve()).then(step);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Resolves once every step queued for `key` so far has finished. */
  settled(key: string): Promise<void> {
    return this.tails.get(key) ?? Promise.resolve();
  }
}
