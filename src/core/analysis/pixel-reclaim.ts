/**
 * Frees dropped pictures before decoding the next one. A decoded image's pixels are allocated by
 * libvips and handed to JavaScript as an external buffer that V8 does not count, so a dropped
 * 147 MB picture puts no pressure on the garbage collector and can stay allocated for minutes: the
 * next decode then stacks another one on top (measured: two 7000x7000 pictures alive during one
 * analysis). Once the pictures decoded since the last collection add up to `thresholdBytes`, a
 * full collection runs before the next decode (about 20 ms, only after large decodes).
 */
import v8 from 'node:v8';
import vm from 'node:vm';

export class PixelReclaim {
  private sinceCollect = 0;
  collections = 0;

  constructor(
    private readonly collect: (() => void) | null,
    private readonly thresholdBytes = 96 * 2 ** 20,
  ) {}

  /** False where V8's collector could not be reached (nothing is then collected early). */
  get enabled(): boolean {
    return this.collect !== null;
  }

  /** Call before decoding a picture of `bytes` bytes. */
  beforeDecode(bytes: number): void {
    if (this.collect && this.sinceCollect >= this.thresholdBytes) {
      this.collect();
      this.collections++;
      this.sinceCollect = 0;
    }
    this.sinceCollect += bytes;
  }
}

/** V8's full collection, made callable without starting node with --expose-gc; null if that fails. */
function fullCollection(): (() => void) | null {
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as () => void) : null;
  } catch {
    return null;
  }
}

export const pixelReclaim = new PixelReclaim(fullCollection());
