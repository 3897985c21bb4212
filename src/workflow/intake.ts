/**
 * Receiving a field photo: refuse early what can be refused without the image (unknown or signed
 * sample, full queue), check the bytes are a readable image within the limits, store the file
 * durably, then record and queue the field in one transaction. Only then is the upload acknowledged.
 * A full disk (ENOSPC, SQLITE_FULL) propagates as is; the routes answer it with 507.
 */
import { decodeImage } from '../analysis/image-input.ts';
import { ensureFreeSpace } from '../deploy/disk-guard.ts';
import type { Field } from '../store/types.ts';
import type { Actor, WorkflowContext } from './context.ts';
import { assertChangeable, getSample } from './changes.ts';
import { assertNotDuplicate, assertQueueHasRoom, queueField } from './fields.ts';
import type { AnalysisQueue } from './queue.ts';

export interface IntakeLimits {
  maxImagePixels: number;
  maxUploadBytes: number;
  /** Free space to keep in the data folder (for the database and results). */
  minFreeBytes: number;
}

export class FieldIntake {
  /** Image hashes being stored right now: their files must not be removed by a failing twin. */
  private readonly storing = new Map<string, number>();

  constructor(
    private readonly ctx: WorkflowContext,
    private readonly queue: AnalysisQueue,
    private readonly limits: IntakeLimits,
  ) {}

  private readonly retryAfter = () => this.queue.retryAfterSeconds();

  /** Refusals that need neither the image nor the form (unknown sample, full queue): before the body is read. */
  precheck(sampleId: string): void {
    getSample(this.ctx, sampleId);
    assertQueueHasRoom(this.ctx, this.retryAfter);
  }

  async receive(sampleId: string, bytes: Buffer, capturedAt: string | null, actor: Actor): Promise<Field> {
    assertChangeable(getSample(this.ctx, sampleId), actor);
    assertQueueHasRoom(this.ctx, this.retryAfter);
    const img = await decodeImage(bytes, { maxPixels: this.limits.maxImagePixels, maxBytes: this.limits.maxUploadBytes });
    assertNotDuplicate(this.ctx, sampleId, img.sha256);
    const files = this.ctx.store.images;
    await ensureFreeSpace(files.dataDir, this.limits.minFreeBytes, bytes.length);
    const sha = img.sha256;
    this.storing.set(sha, (this.storing.get(sha) ?? 0) + 1);
    try {
      const created = await files.put(sha, bytes);
      try {
        const field = queueField(
          this.ctx,
          sampleId,
          { sha256: sha, format: img.format, width: img.width, height: img.height, bytes: bytes.length },
          capturedAt,
          actor,
          this.retryAfter,
        );
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
