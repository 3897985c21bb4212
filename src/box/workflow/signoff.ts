/**
 * Sign-off by a supervisor, and the sync marks. Signing writes the sample's new revision and its
 * outbox row in one transaction, so every signed revision is delivered to the hub.
 */
import type { Sample } from '../store/types.ts';
import type { Credentials } from './auth.ts';
import { applyChangeInTransaction, getSample, publishSampleChanged } from './changes.ts';
import type { WorkflowContext } from './context.ts';
import { conflict } from './errors.ts';
import { assertNoQualityQuestion } from './quality-decision.ts';
import { buildReport } from './report.ts';
import { readSettings } from './settings.ts';

/** Shortest reason a supervisor may give for signing below the target count. */
export const MIN_SHORT_REASON = 5;

const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);

/**
 * Refuses a sign-off the differential cannot carry: fields still in analysis, counted cells nobody
 * has seen, unidentified cells, or fewer cells than the target without the supervisor's written
 * reason (printed on the report).
 */
function assertSignable(ctx: WorkflowContext, s: Sample, shortReason: string | null): void {
  if (s.status === 'signed' || s.status === 'synced') throw conflict('already_signed', `revision ${s.revision} of this sample is already signed`);
  const pending = ctx.store.fields.pendingCountForSample(s.id);
  if (pending) throw conflict('analysis_pending', `${pending} ${plural(pending, 'field is', 'fields are')} still being analysed: sign once ${plural(pending, 'it is', 'they are')} done`);
  if (!ctx.store.fields.listBySample(s.id).some((f) => f.status === 'analysed')) throw conflict('nothing_to_sign', 'no field of this sample has been analysed');
  assertNoQualityQuestion(ctx, s.id);
  const { counted, reviewPending, unseen, unidentified } = ctx.store.cells.tally(s.id);
  if (reviewPending) {
    throw conflict(
      'review_pending',
      `${reviewPending} ${plural(reviewPending, 'cell', 'cells')} flagged for review ${plural(reviewPending, 'has', 'have')} not been looked at: open ${plural(reviewPending, 'it', 'them')}, confirm or correct, then sign`,
    );
  }
  if (unseen) throw conflict('cells_unseen', `${unseen} counted ${plural(unseen, 'cell has', 'cells have')} not been seen by anyone: review the cells by type, page by page, then sign`);
  if (unidentified) {
    throw conflict(
      'unidentified_cells',
      `${unidentified} ${plural(unidentified, 'cell is', 'cells are')} still unidentified: give ${plural(unidentified, 'it', 'each')} a type (or "not a leukocyte"), then sign`,
    );
  }
  const target = readSettings(ctx.store, ctx.defaultTarget).targetCount;
  if (counted < target && (shortReason ?? '').trim().length < MIN_SHORT_REASON) {
    throw conflict('target_not_reached', `${counted} of ${target} leukocytes counted: count more cells, or a supervisor writes why this differential is signed short`);
  }
}

export interface SignOptions {
  /** Why the sample is signed below the target count; required then, printed on the report. */
  shortReason?: string | null;
}

export async function signSample(ctx: WorkflowContext, sampleId: string, cred: Credentials, opts: SignOptions = {}): Promise<Sample> {
  getSample(ctx, sampleId);
  const user = await ctx.auth.check(cred, 'supervisor');
  const shortReason = opts.shortReason?.trim() || null;
  const sample = ctx.store.transaction(() => {
    const { sample } = applyChangeInTransaction(
      ctx,
      sampleId,
      { userId: user.id, reason: shortReason ?? undefined },
      { action: 'sample.signed', status: 'signed', signature: { signedBy: user.id, signedAt: ctx.now().toISOString() } },
      (s) => assertSignable(ctx, s, shortReason),
    );
    const report = buildReport(ctx, sample);
    ctx.store.outbox.add({
      sampleId,
      revision: sample.revision,
      payload: report,
      images: [...new Set(report.fields.map((f) => f.image.sha256))],
      createdAt: sample.updatedAt,
    });
    return sample;
  });
  publishSampleChanged(ctx, sample);
  ctx.events.publish({ type: 'sync.changed', sampleId, state: 'queued', revision: sample.revision });
  return sample;
}

/**
 * For sync: the hub has stored this signed revision. The sample becomes "synced" when that is still
 * its current revision; an amendment made meanwhile stays to be signed. Not a change of the sample:
 * the revision stays.
 */
export function markDelivered(ctx: WorkflowContext, sampleId: string, revision: number): void {
  const sample = ctx.store.transaction(() => {
    const s = getSample(ctx, sampleId);
    const row = ctx.store.outbox.forRevision(sampleId, revision);
    const at = ctx.now().toISOString();
    if (row && !row.deliveredAt) ctx.store.outbox.markDelivered(row.id, at);
    if (s.status !== 'signed' || s.revision !== revision) return undefined;
    ctx.store.samples.setState({ ...s, status: 'synced', syncedRevision: revision });
    ctx.store.audit.append({ at, sampleId, revision, userId: null, action: 'sample.synced', target: null, detail: {}, reason: null });
    return getSample(ctx, sampleId);
  });
  ctx.events.publish({ type: 'sync.changed', sampleId, state: 'synced', revision });
  if (sample) publishSampleChanged(ctx, sample);
}
