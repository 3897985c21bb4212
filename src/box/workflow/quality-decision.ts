/**
 * The photo-quality question (Retake or Keep) is the daemon's to remember, not the screen's, so a
 * reload or another kiosk tab asks again. A kiosk that asks its nurse says so on upload
 * (askQuality): the `field.added` audit entry then carries `qualityQuestion: true`. Such a field,
 * once analysed with quality warnings, awaits the answer until it is kept (`field.kept`) or removed.
 * Fields nobody is asked about (API clients, fields from before) count as they always did.
 *
 * Until kept, the field's cells do not count: they are left out of the sample's differential, and
 * sign-off is refused (quality_pending). A blurred field nobody accepted must not move the
 * percentages, and the nurse sees the question again rather than a count that silently includes it.
 */
import type { Field } from '../store/types.ts';
import { applyChange } from './changes.ts';
import type { Actor, WorkflowContext } from './context.ts';
import { conflict, notFound } from './errors.ts';

export const QUALITY_QUESTION = 'qualityQuestion';

/** Ids of the sample's fields whose quality question is not answered yet. */
export function fieldsAwaitingDecision(ctx: WorkflowContext, sampleId: string): Set<string> {
  const asked = new Set<string>();
  for (const e of ctx.store.audit.forSample(sampleId)) {
    const id = e.target?.startsWith('field:') ? e.target.slice('field:'.length) : null;
    if (!id) continue;
    if (e.action === 'field.added' && e.detail[QUALITY_QUESTION] === true) asked.add(id);
    else if (e.action === 'field.kept' || e.action === 'field.deleted') asked.delete(id);
  }
  const waiting = new Set<string>();
  for (const id of asked) {
    const f = ctx.store.fields.get(id);
    if (f && !f.deletedAt && f.status === 'analysed' && f.quality?.warnings.length) waiting.add(id);
  }
  return waiting;
}

export function awaitsDecision(ctx: WorkflowContext, field: Field): boolean {
  return field.status === 'analysed' && !!field.quality?.warnings.length && fieldsAwaitingDecision(ctx, field.sampleId).has(field.id);
}

/** Keep: the nurse accepts a field despite its quality warnings; its cells count from now on. Idempotent. */
export function keepField(ctx: WorkflowContext, fieldId: string, actor: Actor): Field {
  const field = ctx.store.fields.get(fieldId);
  if (!field || field.deletedAt) throw notFound('field', fieldId);
  if (field.status !== 'analysed') throw conflict('field_not_analysed', `field ${fieldId} is ${field.status}: it can be kept once its analysis has ended`);
  if (!awaitsDecision(ctx, field)) return field;
  applyChange(ctx, field.sampleId, actor, { action: 'field.kept', target: `field:${fieldId}`, detail: { warnings: field.quality!.warnings.map((w) => w.code) } }, () => undefined);
  return ctx.store.fields.get(fieldId)!;
}

/** Sign-off refuses a sample while one of its fields awaits the quality question. */
export function assertNoQualityQuestion(ctx: WorkflowContext, sampleId: string): void {
  const n = fieldsAwaitingDecision(ctx, sampleId).size;
  if (n)
    throw conflict('quality_pending', `${n === 1 ? 'a field awaits' : `${n} fields await`} the photo-quality question: keep or retake ${n === 1 ? 'it' : 'them'} on the capture screen, then sign`);
}
