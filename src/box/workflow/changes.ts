/**
 * The one way a sample changes: in a single transaction the mutation runs, the sample's revision is
 * bumped, its status re-derived from its fields, and an audit entry appended. A signed sample only
 * changes with a reason (an amendment); it then goes back to review and needs signing again.
 */
import type { Sample, SampleStatus } from '../store/types.ts';
import type { Actor, WorkflowContext } from './context.ts';
import { conflict, notFound } from './errors.ts';

export interface ChangeOptions {
  action: string;
  target?: string;
  detail?: Record<string, unknown>;
  /** Status to set instead of the derived one (sign-off). */
  status?: SampleStatus;
  /** Sign-off fields to write with the change. */
  signature?: Pick<Sample, 'signedBy' | 'signedAt'>;
}

export function isSigned(s: Sample): boolean {
  return s.status === 'signed' || s.status === 'synced';
}

/** draft (no fields) -> analysing (a field waits) -> review. */
export function derivedStatus(ctx: WorkflowContext, sampleId: string): SampleStatus {
  if (ctx.store.fields.pendingCountForSample(sampleId) > 0) return 'analysing';
  return ctx.store.fields.liveCountForSample(sampleId) > 0 ? 'review' : 'draft';
}

export function getSample(ctx: WorkflowContext, id: string): Sample {
  const s = ctx.store.samples.get(id);
  if (!s) throw notFound('sample', id);
  return s;
}

/** Refuses early (before any file is written) what applyChange would refuse. */
export function assertChangeable(s: Sample, actor: Actor): void {
  if (isSigned(s) && !actor.reason) {
    throw conflict('reason_required', `sample ${s.reference} is signed: a correction needs a reason, and the sample must be signed again`);
  }
}

/** The change itself; the caller runs it inside a transaction and publishes `sample.changed` after the commit. */
export function applyChangeInTransaction<T>(ctx: WorkflowContext, sampleId: string, actor: Actor, opts: ChangeOptions, mutate: (s: Sample) => T): { value: T; sample: Sample } {
  const before = getSample(ctx, sampleId);
  if (!opts.signature) assertChangeable(before, actor);
  const value = mutate(before);
  const at = ctx.now().toISOString();
  ctx.store.samples.setState({
    ...before,
    revision: before.revision + 1,
    updatedAt: at,
    status: opts.status ?? derivedStatus(ctx, sampleId),
    ...(opts.signature ? { ...opts.signature, signedRevision: before.revision + 1 } : {}),
  });
  const sample = getSample(ctx, sampleId);
  ctx.store.audit.append({
    at,
    sampleId,
    revision: sample.revision,
    userId: actor.userId,
    action: opts.action,
    target: opts.target ?? null,
    detail: opts.detail ?? {},
    reason: actor.reason ?? null,
  });
  return { value, sample };
}

export function publishSampleChanged(ctx: WorkflowContext, s: Sample): void {
  ctx.events.publish({ type: 'sample.changed', sampleId: s.id, revision: s.revision, status: s.status });
}

export function applyChange<T>(ctx: WorkflowContext, sampleId: string, actor: Actor, opts: ChangeOptions, mutate: (s: Sample) => T): { value: T; sample: Sample } {
  const out = ctx.store.transaction(() => applyChangeInTransaction(ctx, sampleId, actor, opts, mutate));
  publishSampleChanged(ctx, out.sample);
  return out;
}
