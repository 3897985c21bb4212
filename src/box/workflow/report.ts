/**
 * The sample report as JSON: what the printable page shows, and what the outbox sends to the hub
 * for each signed revision (with every cell, so a remote reviewer can work on it).
 */
import type { Person, Report, ScaleSummary } from '../../contracts/api/report.ts';
import type { Sample } from '../store/types.ts';
import { median } from '../../core/util/median.ts';
import { VERSION } from '../../version.ts';
import type { WorkflowContext } from './context.ts';
import { hubReviewNote, sampleDetail } from './views.ts';
import { hubReviewOf } from './hub-review-entry.ts';

export const DISCLAIMER =
  'Automated pre-classification to support, not replace, a trained microscopist. ' +
  'Every result must be checked and confirmed by a qualified professional before it is used for any clinical decision.';

export function buildReport(ctx: WorkflowContext, sample: Sample): Report {
  const detail = sampleDetail(ctx, sample);
  const person = (id: string | null): Person | null => (id ? { id, name: ctx.store.users.get(id)?.name ?? 'unknown user' } : null);
  const people = (ids: (string | null)[]) => [...new Set(ids.filter((x): x is string => x !== null))].map((id) => person(id)!);
  const cells = detail.fields.flatMap((f) => f.cells);
  const models = new Map<string, string>();
  const modelSets = new Set<string>();
  const fusion = new Set<string>();
  const backends = new Set<string>();
  const scales: ScaleSummary = { umPerPixel: null, measured: 0, calibrated: 0, given: 0, unmeasured: 0 };
  const known: number[] = [];
  for (const f of detail.fields) {
    if (!f.analysis) continue;
    for (const m of f.analysis.models) models.set(m.id, m.sha256);
    if (f.analysis.modelSet) modelSets.add(f.analysis.modelSet);
    fusion.add(f.analysis.fusion);
    backends.add(f.analysis.backend);
    const scale = f.analysis.scale;
    if (!scale) continue;
    if (scale.source === 'measured' || scale.source === 'calibrated' || scale.source === 'given') scales[scale.source]++;
    else scales.unmeasured++;
    if (scale.umPerPixel !== null) known.push(scale.umPerPixel);
  }
  if (known.length) scales.umPerPixel = median(known);
  const trail = ctx.store.audit.forSample(sample.id);
  // Why the signed revision was signed below the target count, in the supervisor's words.
  const shortReason = trail.find((e) => e.action === 'sample.signed' && e.revision === sample.signedRevision)?.reason ?? null;
  const fieldSeq = new Map(detail.fields.map((f) => [f.id, f.seq]));
  const reviewedAtHub = trail.flatMap((e) => {
    const d = hubReviewOf(e);
    if (!d || d.outcome === 'conflict' || !d.applied?.length) return [];
    return [{ name: d.reviewer, at: e.at, changes: d.applied.map((a) => ({ field: (a.fieldId && fieldSeq.get(a.fieldId)) || null, from: a.from, to: a.to, ...(a.op ? { op: a.op } : {}) })) }];
  });
  // A hub review has no user of the box: its reviewer is named from the entry.
  const by = (e: (typeof trail)[number]) => {
    const review = hubReviewOf(e);
    return review ? { id: 'hub', name: review.reviewer } : person(e.userId);
  };
  const hubReview = (e: (typeof trail)[number]) => {
    const note = hubReviewNote(ctx, e, null);
    return note && { ...note, comment: hubReviewOf(e)!.comment };
  };
  const amendments = trail
    .filter((e) => e.reason !== null && e.action !== 'sample.signed')
    .map((e) => ({ at: e.at, revision: e.revision, action: e.action, by: by(e), reason: e.reason!, hubReview: hubReview(e) }));
  return {
    kind: 'leukodiff.report',
    schemaVersion: 1,
    generatedAt: ctx.now().toISOString(),
    software: { name: 'leukodiff', version: VERSION },
    sample: {
      id: sample.id,
      reference: sample.reference,
      patientId: sample.patientId,
      collectedAt: sample.collectedAt,
      createdAt: sample.createdAt,
      status: sample.status,
      revision: sample.revision,
      signedRevision: sample.signedRevision,
      amended: detail.amended,
      wbcCount: sample.wbcCount,
    },
    differential: detail.differential,
    fields: detail.fields.map((f) => ({
      id: f.id,
      seq: f.seq,
      status: f.status,
      error: f.error,
      capturedAt: f.capturedAt,
      analysedAt: f.analysedAt,
      image: f.image,
      warnings: f.quality?.warnings ?? [],
      scale: f.analysis?.scale ?? null,
      modelSet: f.analysis?.modelSet ?? null,
      cells: f.cells,
    })),
    people: {
      createdBy: person(sample.createdBy),
      photographedBy: people(detail.fields.map((f) => f.uploadedBy)),
      correctedBy: people(cells.flatMap((c) => [c.changedBy, c.reviewedBy])),
      reviewedAtHub,
      signedBy: sample.signedBy ? { ...person(sample.signedBy)!, at: sample.signedAt, revision: sample.signedRevision, shortReason } : null,
    },
    amendments,
    analysis: {
      models: [...models].map(([id, sha256]) => ({ id, sha256 })),
      modelSets: [...modelSets],
      fusion: [...fusion],
      backend: [...backends],
      scales,
    },
    disclaimer: DISCLAIMER,
  };
}
