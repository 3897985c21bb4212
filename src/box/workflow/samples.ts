/** Creating and editing samples. Patient identifiers are stored, never logged or audited by value. */
import { randomUUID } from 'node:crypto';
import type { NewSample } from '../../contracts/api/samples.ts';
import type { SampleEdit } from '../store/samples.ts';
import type { Sample } from '../store/types.ts';
import { applyChange } from './changes.ts';
import type { Actor, WorkflowContext } from './context.ts';
import { conflict } from './errors.ts';
import { assertReferenceFree, normaliseReference } from './sample-reference.ts';

const sameContent = (s: Sample, n: NewSample) =>
  s.reference === normaliseReference(n.reference) && s.patientId === (n.patientId ?? null) && s.collectedAt === (n.collectedAt ?? null) && s.wbcCount === (n.wbcCount ?? null);

/**
 * Creates a sample; with an id that exists already, returns it when identical (a retry) and refuses
 * otherwise. A reference another sample has already is refused (duplicate_reference, naming it).
 */
export function createSample(ctx: WorkflowContext, input: NewSample, actor: Actor): { sample: Sample; created: boolean } {
  const at = ctx.now().toISOString();
  const reference = normaliseReference(input.reference);
  const out = ctx.store.transaction(() => {
    const id = input.id ?? randomUUID();
    const existing = ctx.store.samples.get(id);
    if (existing) {
      if (sameContent(existing, input)) return { sample: existing, created: false };
      throw conflict('sample_exists', `sample ${id} exists with other details`);
    }
    assertReferenceFree(ctx, reference, null);
    const sample: Sample = {
      id,
      reference,
      patientId: input.patientId ?? null,
      collectedAt: input.collectedAt ?? null,
      status: 'draft',
      revision: 1,
      wbcCount: input.wbcCount ?? null,
      createdBy: actor.userId,
      createdAt: at,
      updatedAt: at,
      signedBy: null,
      signedAt: null,
      signedRevision: null,
      syncedRevision: null,
    };
    ctx.store.samples.insert(sample);
    ctx.store.audit.append({
      at,
      sampleId: id,
      revision: 1,
      userId: actor.userId,
      action: 'sample.created',
      target: null,
      detail: { reference: sample.reference, patientId: sample.patientId === null ? 'none' : 'entered' },
      reason: null,
    });
    return { sample, created: true };
  });
  if (out.created) ctx.events.publish({ type: 'sample.changed', sampleId: out.sample.id, revision: 1, status: 'draft' });
  return out;
}

/** Changes the sample's details (reference, patient id, collection time, WBC count). */
export function editSample(ctx: WorkflowContext, id: string, edit: SampleEdit, actor: Actor): Sample {
  const changed = Object.keys(edit);
  const normalised = edit.reference === undefined ? edit : { ...edit, reference: normaliseReference(edit.reference) };
  return applyChange(ctx, id, actor, { action: 'sample.edited', detail: { changed, ...('wbcCount' in edit ? { wbcCount: edit.wbcCount } : {}) } }, () => {
    if (normalised.reference !== undefined) assertReferenceFree(ctx, normalised.reference, id);
    ctx.store.samples.edit(id, normalised);
  }).sample;
}
