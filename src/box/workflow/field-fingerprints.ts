/**
 * Fingerprints of stored field photos (see analysis/field-overlap.ts), kept in memory by image
 * hash. A fingerprint missing here (a restart, an evicted entry) is made again from the stored
 * file, so nothing about them is persisted. About 50 kB each for a 4:3 photo.
 */
import { withDecodedImage, type DecodeLimits } from '../../core/analysis/image-input.ts';
import { fieldFingerprint, type FieldFingerprint } from '../../core/analysis/field-overlap.ts';
import type { ImageFiles } from '../store/image-files.ts';

/** Enough for the fields of the samples in progress; the least recently used go first. */
const DEFAULT_CAPACITY = 256;

export class FieldFingerprints {
  private readonly entries = new Map<string, Promise<FieldFingerprint>>();

  constructor(
    private readonly files: ImageFiles,
    private readonly limits: DecodeLimits,
    private readonly capacity = DEFAULT_CAPACITY,
  ) {}

  /** The fingerprint of a stored image; rejects when its file cannot be read or decoded. */
  of(sha256: string): Promise<FieldFingerprint> {
    const known = this.entries.get(sha256);
    if (known) {
      this.entries.delete(sha256);
      this.entries.set(sha256, known);
      return known;
    }
    const made = withDecodedImage(this.files.pathOf(sha256), this.limits, fieldFingerprint);
    // A failure is not remembered: the file may be readable next time (e.g. after a restore).
    made.catch(() => {
      if (this.entries.get(sha256) === made) this.entries.delete(sha256);
    });
    this.add(sha256, made);
    return made;
  }

  /** Keeps the fingerprint of an image just stored (made from the pixels already decoded). */
  remember(sha256: string, fingerprint: FieldFingerprint): void {
    this.entries.delete(sha256);
    this.add(sha256, Promise.resolve(fingerprint));
  }

  private add(sha256: string, fingerprint: Promise<FieldFingerprint>): void {
    this.entries.set(sha256, fingerprint);
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.capacity) break;
      this.entries.delete(oldest);
    }
  }
}
