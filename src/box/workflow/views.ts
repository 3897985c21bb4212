/** The JSON shapes of samples, fields and cells that the API returns and the outbox carries: built here, declared in src/contracts/api. */
import type { Cell as CellJson, Field as FieldJson, HubReviewNote, SampleDetail, SampleSummary, SyncState, SyncStateName } from '../../contracts/api/samples.ts';
import { CELL_TYPES, type CellType } from '../../contracts/vocabulary.ts';
import type { CellTally } from '../store/cells.ts';
import { isSetAside } from '../store/outbox.ts';
import type { AuditEntry, Cell, Field, Sample } from '../store/types.ts';
import type { WorkflowContext } from './context.ts';
import { computeDifferential } from './differential.ts';
import { fieldsAwaitingDecision } from './quality-decision.ts';
import { readSettings } from './settings.ts';
import { HUB_REVIEW, hubReviewOf, type ReviewedCell } from './hub-review-entry.ts';

export function syncState(ctx: WorkflowContext, sampleId: string): SyncState {
  const last = ctx.store.outbox.latestForSample(sampleId);
  if (!last) return { state: 'unsigned', revision: null, attempts: 0, lastError: null, deliveredAt: null, setAside: false };
  const state: SyncStateName = last.deliveredAt ? 'synced' : last.lastError ? 'retrying' : 'queued';
  const setAside = isSetAside(last);
  return { state, revision: last.revision, attempts: last.attempts, lastError: last.lastError, deliveredAt: last.deliveredAt, setAside };
}

/**
 * A `hub.review` audit entry as the nurse reads it (entries from before conflicts existed were
 * applied). A refused review stops asking for a look once the sample has been signed again after it.
 */
export function hubReviewNote(ctx: WorkflowContext, e: AuditEntry | undefined, signedRevision: number | null): HubReviewNote | null {
  const d = e && hubReviewOf(e);
  if (!e || !d) return null;
  const conflict = d.outcome === 'conflict';
  if (conflict && signedRevision !== null && e.revision !== null && signedRevision > e.revision) return null;
  const fieldOf = (c: ReviewedCell) => {
    const cell = ctx.store.cells.get(c.cellId);
    const fieldId = c.fieldId ?? (cell?.sampleId === e.sampleId ? cell.fieldId : undefined);
    return (fieldId && ctx.store.fields.get(fieldId)?.seq) || null;
  };
  return {
    reviewer: d.reviewer,
    at: e.at,
    outcome: conflict ? 'conflict' : 'applied',
    why: conflict ? (d.conflict?.why ?? null) : null,
    cells: ((conflict ? d.proposed : d.applied) ?? []).map((c) => ({ field: fieldOf(c), from: c.from, to: c.to, ...(c.op ? { op: c.op } : {}) })),
  };
}

export function cellView(c: Cell): CellJson {
  return {
    id: c.id,
    fieldId: c.fieldId,
    box: c.box,
    type: c.type,
    autoType: c.autoType,
    confidence: c.confidence,
    agreement: c.agreement,
    votes: c.votes && (Object.fromEntries(CELL_TYPES.map((t, i) => [t, c.votes![i] ?? 0])) as Record<CellType, number>),
    flagged: c.flagged,
    reviewed: c.reviewedAt !== null,
    source: c.source,
    changedBy: c.changedBy,
    changedAt: c.changedAt,
    changedByReviewer: c.changedByReviewer,
    reviewedBy: c.reviewedBy,
    reviewedAt: c.reviewedAt,
  };
}

/** `awaitingDecision`: analysed with quality warnings, and nobody answered Retake or Keep yet (its cells do not count). */
export function fieldView(f: Field, awaitingDecision = false): FieldJson {
  return {
    id: f.id,
    sampleId: f.sampleId,
    seq: f.seq,
    status: f.status,
    error: f.error,
    attempts: f.attempts,
    image: { sha256: f.imageSha256, width: f.width, height: f.height, format: f.format, bytes: f.bytes },
    quality: f.quality,
    awaitingDecision,
    analysis: f.analysis,
    capturedAt: f.capturedAt,
    uploadedBy: f.uploadedBy,
    analysedAt: f.analysedAt,
  };
}

export function sampleSummary(
  ctx: WorkflowContext,
  s: Sample,
  tally: Pick<CellTally, 'counted' | 'reviewPending'> = ctx.store.cells.tally(s.id, [...fieldsAwaitingDecision(ctx, s.id)]),
): SampleSummary {
  return {
    id: s.id,
    reference: s.reference,
    patientId: s.patientId,
    collectedAt: s.collectedAt,
    status: s.status,
    revision: s.revision,
    wbcCount: s.wbcCount,
    createdBy: s.createdBy,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    signedBy: s.signedBy,
    signedAt: s.signedAt,
    signedRevision: s.signedRevision,
    /** Signed before, changed since, not signed again. */
    amended: s.signedRevision !== null && s.revision > s.signedRevision && s.status !== 'signed' && s.status !== 'synced',
    fieldCount: ctx.store.fields.liveCountForSample(s.id),
    pendingFields: ctx.store.fields.pendingCountForSample(s.id),
    counted: tally.counted,
    reviewPending: tally.reviewPending,
    sync: syncState(ctx, s.id),
    hubReview: hubReviewNote(ctx, ctx.store.audit.latestOf(s.id, HUB_REVIEW), s.signedRevision),
  };
}

/** Everything about one sample: its fields with their cells, and the differential. */
export function sampleDetail(ctx: WorkflowContext, s: Sample): SampleDetail {
  const cells = ctx.store.cells.listBySample(s.id);
  const byField = new Map<string, CellJson[]>();
  for (const c of cells) {
    let list = byField.get(c.fieldId);
    if (!list) byField.set(c.fieldId, (list = []));
    list.push(cellView(c));
  }
  // The cells of a field awaiting the quality question do not count until it is kept.
  const awaiting = fieldsAwaitingDecision(ctx, s.id);
  const counted = awaiting.size ? cells.filter((c) => !awaiting.has(c.fieldId)) : cells;
  const differential = computeDifferential(counted, readSettings(ctx.store, ctx.defaultTarget), s.wbcCount);
  return {
    ...sampleSummary(ctx, s, { counted: differential.counted, reviewPending: differential.review.pending }),
    fields: ctx.store.fields.listBySample(s.id).map((f) => ({ ...fieldView(f, awaiting.has(f.id)), cells: byField.get(f.id) ?? [] })),
    differential,
  };
}
