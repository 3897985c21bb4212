/**
 * One async lock per key: `run(key, fn)` starts fn once every earlier fn for the same key has
 * settled. The PIN check uses it per user, so each guess is counted before the next is evaluated.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve();
    const result = before.then(fn, fn);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    // Forget the key once nothing is queued behind this call, so the map stays small.
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Keys with a call running or queued (for tests). */
  get size(): number {
    return this.tails.size;
  }
}
