/** Fields of a sample: queueing a stored image for analysis, removing a field, retrying a failed one. */
import { randomUUID } from 'node:crypto';
import type { ImageMeta } from '../store/fields.ts';
import type { Field } from '../store/types.ts';
import { applyChange } from './changes.ts';
import type { Actor, WorkflowContext } from './context.ts';
import { conflict, notFound, WorkflowError } from './errors.ts';
import { QUALITY_QUESTION } from './quality-decision.ts';

export function getField(ctx: WorkflowContext, id: string): Field {
  const f = ctx.store.fields.get(id);
  if (!f || f.deletedAt) throw notFound('field', id);
  return f;
}

export class QueueFullError extends WorkflowError {
  constructor(capacity: number, retryAfterSeconds: number) {
    super('queue_full', `${capacity} fields are already waiting for analysis: send this one again in ${retryAfterSeconds} s`, 503, {
      'retry-after': String(retryAfterSeconds),
    });
  }
}

export function assertQueueHasRoom(ctx: WorkflowContext, retryAfter: () => number): void {
  if (ctx.store.fields.pendingCount() >= ctx.queueCapacity) throw new QueueFullError(ctx.queueCapacity, retryAfter());
}

export function assertNotDuplicate(ctx: WorkflowContext, sampleId: string, sha256: string): void {
  const dup = ctx.store.fields.findByImage(sampleId, sha256);
  if (dup) throw conflict('duplicate_field', `this image is already field ${dup.seq} of the sample (field ${dup.id}): its cells would be counted twice`);
}

/**
 * Records a field whose image file is already stored durably, and queues it: one transaction, so
 * an acknowledged upload is always both in the database and on disk.
 */
export function queueField(
  ctx: WorkflowContext,
  sampleId: string,
  image: ImageMeta,
  capturedAt: string | null,
  actor: Actor,
  retryAfter: () => number,
  /** The uploader asks its user Retake or Keep when the analysis warns (see quality-decision.ts). */
  opts: { askQuality?: boolean } = {},
): Field {
  const id = randomUUID();
  const detail = { sha256: image.sha256, ...(opts.askQuality ? { [QUALITY_QUESTION]: true } : {}) };
  const { value: field } = applyChange(ctx, sampleId, actor, { action: 'field.added', target: `field:${id}`, detail }, () => {
    assertQueueHasRoom(ctx, retryAfter);
    assertNotDuplicate(ctx, sampleId, image.sha256);
    const at = ctx.now().toISOString();
    ctx.store.fields.addImage(image, at);
    return ctx.store.fields.insertQueued({ id, sampleId, imageSha256: image.sha256, capturedAt: capturedAt ?? at, uploadedBy: actor.userId });
  });
  ctx.events.publish({ type: 'field.queued', sampleId, fieldId: id, queueLength: ctx.store.fields.pendingCount() });
  return field;
}

/** Removes a field (a blurred or wrong photo): its cells leave the differential; the image is kept for the audit. */
export function deleteField(ctx: WorkflowContext, fieldId: string, actor: Actor): void {
  const field = getField(ctx, fieldId);
  applyChange(ctx, field.sampleId, actor, { action: 'field.deleted', target: `field:${fieldId}` }, () => {
    ctx.store.fields.softDelete(fieldId, actor.userId, ctx.now().toISOString());
  });
  ctx.events.publish({ type: 'field.deleted', sampleId: field.sampleId, fieldId });
}

/** Queues a failed field again (after the cause was fixed, e.g. a model update). */
export function retryField(ctx: WorkflowContext, fieldId: string, actor: Actor, retryAfter: () => number): Field {
  const field = getField(ctx, fieldId);
  if (field.status !== 'failed') throw conflict('not_failed', `field ${fieldId} is ${field.status}: only a failed field can be retried`);
  applyChange(ctx, field.sampleId, actor, { action: 'field.retried', target: `field:${fieldId}` }, () => {
    assertQueueHasRoom(ctx, retryAfter);
    ctx.store.fields.requeue(fieldId, true);
  });
  ctx.events.publish({ type: 'field.queued', sampleId: field.sampleId, fieldId, queueLength: ctx.store.fields.pendingCount() });
  return getField(ctx, fieldId);
}
