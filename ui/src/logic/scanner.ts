/**
 * Tells a barcode scanner from a person: a USB scanner "types" its characters a few milliseconds
 * apart and ends with Enter. Used where no entry field has the focus (the home screen).
 */
export class ScanBuffer {
  private chars = '';
  private lastAt = -Infinity;

  constructor(
    private readonly maxGapMs = 100,
    private readonly minLength = 3,
  ) {}

  /** Feeds one key (KeyboardEvent.key) typed at `at` ms; returns the scanned code on its final Enter. */
  push(key: string, at: number): string | null {
    const gap = at - this.lastAt;
    this.lastAt = at;
    if (key === 'Enter') {
      const code = gap <= this.maxGapMs && this.chars.length >= this.minLength ? this.chars : null;
      this.chars = '';
      return code;
    }
    if (key.length !== 1) {
      this.chars = '';
      return null;
    }
    // A slow key starts a new code: a person typing is not a scanner.
    this.chars = gap <= this.maxGapMs ? this.chars + key : key;
    return null;
  }
}
