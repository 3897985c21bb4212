/** The JSON shapes of samples, fields and cells that the API returns and the outbox carries. */
import { CELL_TYPES } from '../../contracts/vocabulary.ts';
import type { CellTally } from '../store/cells.ts';
import { isSetAside } from '../store/outbox.ts';
import type { Cell, Field, Sample } from '../store/types.ts';
import type { WorkflowContext } from './context.ts';
import { computeDifferential, type SampleDifferential } from './differential.ts';
import { fieldsAwaitingDecision } from './quality-decision.ts';
import { readSettings } from './settings.ts';

export type SyncStateName = 'unsigned' | 'queued' | 'retrying' | 'synced';

export interface SyncState {
  /** Of the latest signed revision: unsigned (never signed), queued, retrying (the last try failed), synced. */
  state: SyncStateName;
  revision: number | null;
  attempts: number;
  lastError: string | null;
  deliveredAt: string | null;
  /** The sync set it aside (refused by the hub, too large, failing again and again): lastError says why; it waits for a person. */
  setAside: boolean;
}

export function syncState(ctx: WorkflowContext, sampleId: string): SyncState {
  const last = ctx.store.outbox.latestForSample(sampleId);
  if (!last) return { state: 'unsigned', revision: null, attempts: 0, lastError: null, deliveredAt: null, setAside: false };
  const state: SyncStateName = last.deliveredAt ? 'synced' : last.lastError ? 'retrying' : 'queued';
  const setAside = isSetAside(last);
  return { state, revision: last.revision, attempts: last.attempts, lastError: last.lastError, deliveredAt: last.deliveredAt, setAside };
}

export function cellView(c: Cell) {
  return {
    id: c.id,
    fieldId: c.fieldId,
    box: c.box,
    type: c.type,
    autoType: c.autoType,
    confidence: c.confidence,
    agreement: c.agreement,
    votes: c.votes && Object.fromEntries(CELL_TYPES.map((t, i) => [t, c.votes![i] ?? 0])),
    flagged: c.flagged,
    reviewed: c.reviewedAt !== null,
    source: c.source,
    changedBy: c.changedBy,
    changedAt: c.changedAt,
    reviewedBy: c.reviewedBy,
    reviewedAt: c.reviewedAt,
  };
}
export type CellView = ReturnType<typeof cellView>;

/** `awaitingDecision`: analysed with quality warnings, and nobody answered Retake or Keep yet (its cells do not count). */
export function fieldView(f: Field, awaitingDecision = false) {
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
export type FieldView = ReturnType<typeof fieldView>;

export function sampleSummary(ctx: WorkflowContext, s: Sample, tally: Pick<CellTally, 'counted' | 'reviewPending'> = ctx.store.cells.tally(s.id, [...fieldsAwaitingDecision(ctx, s.id)])) {
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
  };
}
export type SampleSummary = ReturnType<typeof sampleSummary>;

export interface SampleDetail extends SampleSummary {
  fields: (FieldView & { cells: CellView[] })[];
  differential: SampleDifferential;
}

/** Everything about one sample: its fields with their cells, and the differential. */
export function sampleDetail(ctx: WorkflowContext, s: Sample): SampleDetail {
  const cells = ctx.store.cells.listBySample(s.id);
  const byField = new Map<string, CellView[]>();
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
