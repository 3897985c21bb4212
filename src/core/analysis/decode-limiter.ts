/**
 * Bounds the memory that decoded images take: at most `concurrency` images decoded (and worked on
 * from their pixels) at once, and at most `pixelBudget` pixels among them. A small upload that
 * declares a huge picture costs its full pixel buffer once decoded (7000x7000 is 147 MB), so
 * without a bound eight at once would take gigabytes. Waiters are served in arrival order, so a
 * large image is not starved by small ones; an image above the budget runs alone.
 */

export class DecodeLimiter {
  private running = 0;
  private pixels = 0;
  private readonly waiting: { pixels: number; start: () => void }[] = [];
  /** Most ever running at once (for tests and the bench). */
  peak = 0;

  constructor(
    private concurrency: number,
    private pixelBudget: number,
  ) {
    this.check(concurrency, pixelBudget);
  }

  /** Changes the limits (at startup, from the configuration); waiters that now fit start. */
  configure(concurrency: number, pixelBudget: number): void {
    this.check(concurrency, pixelBudget);
    this.concurrency = concurrency;
    this.pixelBudget = pixelBudget;
    this.drain();
  }

  get limits(): { concurrency: number; pixelBudget: number } {
    return { concurrency: this.concurrency, pixelBudget: this.pixelBudget };
  }

  /** Decodes running now, and waiting for their turn. */
  get active(): number {
    return this.running;
  }
  get queued(): number {
    return this.waiting.length;
  }

  /** Runs `work` (which decodes an image of `pixels` pixels and uses them) once it fits. */
  async run<T>(pixels: number, work: () => Promise<T> | T): Promise<T> {
    await this.acquire(pixels);
    try {
      return await work();
    } finally {
      this.running--;
      this.pixels -= pixels;
      this.drain();
    }
  }

  private fits(pixels: number): boolean {
    return this.running === 0 || (this.running < this.concurrency && this.pixels + pixels <= this.pixelBudget);
  }

  private take(pixels: number): void {
    this.running++;
    this.pixels += pixels;
    this.peak = Math.max(this.peak, this.running);
  }

  private acquire(pixels: number): Promise<void> {
    if (this.waiting.length === 0 && this.fits(pixels)) {
      this.take(pixels);
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push({ pixels, start: resolve }));
  }

  private drain(): void {
    while (this.waiting.length > 0 && this.fits(this.waiting[0].pixels)) {
      const next = this.waiting.shift()!;
      this.take(next.pixels);
      next.start();
    }
  }

  private check(concurrency: number, pixelBudget: number): void {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`decode concurrency must be a positive integer, got ${concurrency}`);
    if (!(pixelBudget > 0)) throw new RangeError(`decode pixel budget must be positive, got ${pixelBudget}`);
  }
}

/** The process's limiter: every decode of the daemon and the CLI goes through it. */
export const decodeSlots = new DecodeLimiter(2, 50_000_000);
