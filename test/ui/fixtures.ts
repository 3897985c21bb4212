/** Small API-shaped objects for the UI's logic tests. */
import type { Box, Cell, CellClass, Differential, FieldWithCells, CellType, SampleDetail } from '../../ui/src/api/types.ts';

let next = 0;

export function cell(type: CellClass, opts: Partial<Cell> & { box?: Box } = {}): Cell {
  next += 1;
  return {
    id: opts.id ?? `cell-${next}`,
    fieldId: opts.fieldId ?? 'field-1',
    box: opts.box ?? [0, 0, 10, 10],
    type,
    autoType: opts.autoType !== undefined ? opts.autoType : type === 'not_leukocyte' || type === 'unclassified' ? null : (type as CellType),
    confidence: opts.confidence ?? 0.9,
    agreement: opts.agreement ?? 1,
    votes: opts.votes !== undefined ? opts.votes : null,
    flagged: opts.flagged ?? false,
    reviewed: opts.reviewed ?? false,
    source: opts.source ?? 'automatic',
    changedBy: null,
    changedAt: null,
    changedByReviewer: opts.changedByReviewer ?? null,
    reviewedBy: null,
    reviewedAt: null,
  };
}

export const RANGES = {
  neutrophil: { percent: { low: 40, high: 75 }, absolute: { low: 2, high: 7 } },
  eosinophil: { percent: { low: 1, high: 6 }, absolute: { low: 0.02, high: 0.5 } },
  basophil: { percent: { low: 0, high: 2 }, absolute: { low: 0.02, high: 0.1 } },
  lymphocyte: { percent: { low: 20, high: 45 }, absolute: { low: 1, high: 3 } },
  monocyte: { percent: { low: 2, high: 10 }, absolute: { low: 0.2, high: 1 } },
};

export function emptyDifferential(target = 100, wbcCount: number | null = null): Differential {
  return {
    counted: 0,
    target,
    targetReached: false,
    rows: (['neutrophil', 'eosinophil', 'basophil', 'lymphocyte', 'monocyte', 'band', 'immature_granulocyte', 'blast', 'reactive_lymphocyte', 'unclassified'] as const).map((type) => ({
      type,
      count: 0,
      percent: 0,
      ci95: null,
      absolute: null,
      range: type in RANGES ? RANGES[type as keyof typeof RANGES] : null,
      flag: null,
      absoluteFlag: null,
    })),
    nonLeukocytes: [
      { type: 'nrbc', count: 0, per100: null },
      { type: 'smudge', count: 0, per100: null },
    ],
    notLeukocyte: 0,
    attention: [],
    wbcCount,
    review: { flagged: 0, reviewed: 0, pending: 0, pendingCellIds: [], unseen: 0 },
    flags: [],
  };
}

export function field(id: string, seq: number, cells: Cell[]): FieldWithCells {
  return {
    id,
    sampleId: 'sample-1',
    seq,
    status: 'analysed',
    error: null,
    attempts: 1,
    image: { sha256: 'x', width: 640, height: 480, format: 'jpeg', bytes: 1 },
    quality: { metrics: {}, warnings: [] },
    awaitingDecision: false,
    analysis: null,
    capturedAt: '2026-01-01T00:00:00.000Z',
    uploadedBy: null,
    analysedAt: '2026-01-01T00:00:00.000Z',
    cells: cells.map((c) => ({ ...c, fieldId: id })),
  };
}

export function sample(fields: FieldWithCells[], differential = emptyDifferential()): SampleDetail {
  return {
    id: 'sample-1',
    reference: 'S-1',
    patientId: null,
    collectedAt: null,
    status: 'review',
    revision: 1,
    wbcCount: differential.wbcCount,
    createdBy: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    signedBy: null,
    signedAt: null,
    signedRevision: null,
    amended: false,
    fieldCount: fields.length,
    pendingFields: 0,
    counted: 0,
    reviewPending: 0,
    sync: { state: 'unsigned', revision: null, attempts: 0, lastError: null, deliveredAt: null, setAside: false },
    fields,
    differential,
    hubReview: null,
  };
}
