/**
 * Receiving a field photo: refuse early what can be refused without the image (unknown or signed
 * sample, full queue), check the bytes are a readable image within the limits and not a field of
 * the sample again (the same bytes, or a photo overlapping an earlier field beyond the setting),
 * store the file durably, then record and queue the field in one transaction. Only then is the
 * upload acknowledged. A full disk (ENOSPC, SQLITE_FULL) propagates as is; the routes answer it
 * with 507.
 */
import { fieldFingerprint } from '../../core/analysis/field-overlap.ts';
import { withDecodedImage } from '../../core/analysis/image-input.ts';
import { ensureFreeSpace } from '../deploy/disk-guard.ts';
import type { Field } from '../store/types.ts';
import type { Actor, WorkflowContext } from './context.ts';
import { assertChangeable, getSample } from './changes.ts';
import { FieldFingerprints } from './field-fingerprints.ts';
import { assertNoOverlap } from './field-overlaps.ts';
import { assertNotDuplicate, assertQueueHasRoom, queueField } from './fields.ts';
import type { AnalysisQueue } from './queue.ts';

export interface IntakeLimits {
  maxImagePixels: number;
  maxUploadBytes: number;
  /** Free space to keep in the data folder (for the database and results). */
  minFreeBytes: number;
}

/** What is kept of a decoded upload. */
interface StoredImage {
  sha256: string;
  format: string;
  width: number;
  height: number;
}

export class FieldIntake {
  /** Image hashes being stored right now: their files must not be removed by a failing twin. */
  private readonly storing = new Map<string, number>();
  /**
   * Per sample, the upload being checked against the sample's fields and stored: the next one
   * waits for it, so two photos of one field sent at once (a double tap) cannot both pass.
   */
  private readonly turns = new Map<string, Promise<unknown>>();
  private readonly fingerprints: FieldFingerprints;

  constructor(
    private readonly ctx: WorkflowContext,
    private readonly queue: AnalysisQueue,
    private readonly limits: IntakeLimits,
  ) {
    this.fingerprints = new FieldFingerprints(ctx.store.images, { maxPixels: limits.maxImagePixels, maxBytes: limits.maxUploadBytes });
  }

  private readonly retryAfter = () => this.queue.retryAfterSeconds();

  /** Refusals that need neither the image nor the form (unknown sample, full queue): before the body is read. */
  precheck(sampleId: string): void {
    getSample(this.ctx, sampleId);
    assertQueueHasRoom(this.ctx, this.retryAfter);
  }

  /** `askQuality`: the uploader asks its user Retake or Keep when the analysis warns (see quality-decision.ts). */
  async receive(sampleId: string, bytes: Buffer, capturedAt: string | null, actor: Actor, askQuality = false): Promise<Field> {
    assertChangeable(getSample(this.ctx, sampleId), actor);
    assertQueueHasRoom(this.ctx, this.retryAfter);
    // Only what is needed is kept past the decode slot: not the pixels.
    const { img, fingerprint } = await withDecodedImage(bytes, { maxPixels: this.limits.maxImagePixels, maxBytes: this.limits.maxUploadBytes }, async (decoded) => {
      assertNotDuplicate(this.ctx, sampleId, decoded.sha256);
      const { sha256, format, width, height } = decoded;
      return { img: { sha256, format, width, height }, fingerprint: await fieldFingerprint(decoded) };
    });
    return this.inTurn(sampleId, async () => {
      // Again: the same bytes may have been stored while this upload waited for its turn.
      assertNotDuplicate(this.ctx, sampleId, img.sha256);
      await assertNoOverlap(this.ctx, sampleId, fingerprint, this.fingerprints);
      const field = await this.store(sampleId, bytes, img, capturedAt, actor, askQuality);
      this.fingerprints.remember(img.sha256, fingerprint);
      return field;
    });
  }

  /** Runs `work` after the sample's earlier uploads have been checked and stored. */
  private async inTurn<T>(sampleId: string, work: () => Promise<T>): Promise<T> {
    const mine = (this.turns.get(sampleId) ?? Promise.resolve()).then(work);
    const settled = mine.catch(() => {});
    this.turns.set(sampleId, settled);
    try {
      return await mine;
    } finally {
      if (this.turns.get(sampleId) === settled) this.turns.delete(sampleId);
    }
  }

  private async store(sampleId: string, bytes: Buffer, img: StoredImage, capturedAt: string | null, actor: Actor, askQuality: boolean): Promise<Field> {
    const files = this.ctx.store.images;
    await ensureFreeSpace(files.dataDir, this.limits.minFreeBytes, bytes.length);
    const sha = img.sha256;
    this.storing.set(sha, (this.storing.get(sha) ?? 0) + 1);
    try {
      const created = await files.put(sha, bytes);
      try {
        const field = queueField(this.ctx, sampleId, { sha256: sha, format: img.format, width: img.width, height: img.height, bytes: bytes.length }, capturedAt, actor, this.retryAfter, {
          askQuality,
        });
        this.queue.notify();
        return field;
      } catch (err) {
        if (created && this.storing.get(sha) === 1 && !this.ctx.store.fields.imageExists(sha)) await files.remove(sha);
        throw err;
      }
    } finally {
      const n = this.storing.get(sha)! - 1;
      if (n) this.storing.set(sha, n);
      else this.storing.delete(sha);
    }
  }
}
