/**
 * The workflow API's samples, fields and cells as the daemon sends them (src/box/workflow/views.ts
 * builds them, src/box/server/schemas/common.ts validates them) and the kiosk reads them. Pure
 * types: the daemon's builders are declared with them, so `tsc` fails where the two differ.
 */
import type { AttentionClass, CellClass, CellType, NonLeukocyteClass, OtherLeukocyteClass } from '../vocabulary.ts';
import type { CellSource, FieldStatus, SampleStatus } from '../statuses.ts';
import type { Range, TypeRange } from './settings.ts';

/** A cell's box in image pixels: x1, y1, x2, y2. */
export type Box = [number, number, number, number];

export interface Cell {
  id: string;
  fieldId: string;
  box: Box;
  type: CellClass;
  /** What the analysis called the cell: one of the five types, or immature_granulocyte, erythroblast, unidentified, not_leukocyte; null for a cell a person added. */
  autoType: string | null;
  confidence: number | null;
  agreement: number | null;
  /** Member detections per type; null for a cell a person added. */
  votes: Record<CellType, number> | null;
  /** The analysis is unsure: a person must look at it before sign-off. */
  flagged: boolean;
  reviewed: boolean;
  source: CellSource;
  changedBy: string | null;
  changedAt: string | null;
  /** The haematologist whose review at the hub set the type; null when it was set at the box. */
  changedByReviewer: string | null;
  reviewedBy: string | null;
  reviewedAt: string | null;
}

export interface QualityWarning {
  code: string;
  /** The daemon's English text: the kiosk shows its own translation of a code (and reason) it knows. */
  message: string;
  /** scale_out_of_range only: too_low, too_high or tiles_capped, which decides the fix to name. */
  reason?: string;
}

/** A field's quality check: its metrics and the warnings shown to the person who took it. */
export interface FieldQuality {
  metrics: Record<string, number>;
  warnings: QualityWarning[];
}

/** How a field was analysed. */
export interface FieldAnalysis {
  fusion: string;
  backend: string;
  models: { id: string; sha256: string }[];
  /** The version of the model set that analysed the field (models/manifest.json modelSet); absent in analyses from before model sets were versioned. */
  modelSet?: string;
  totalMs: number;
  /** The field's scale: measured from its red cells, the microscope's calibration, or given (absent in analyses before scales were measured). */
  scale?: { umPerPixel: number | null; source: string; rbcCount: number; measuredUmPerPixel?: number };
  /** Who typed the cells: the cell classifier or the detectors' votes. */
  typing?: string;
}

export interface Field {
  id: string;
  sampleId: string;
  seq: number;
  status: FieldStatus;
  error: string | null;
  attempts: number;
  image: { sha256: string; width: number; height: number; format: string; bytes: number };
  quality: FieldQuality | null;
  /** Analysed with quality warnings and nobody answered Retake or Keep yet: its cells do not count. */
  awaitingDecision: boolean;
  analysis: FieldAnalysis | null;
  capturedAt: string;
  uploadedBy: string | null;
  analysedAt: string | null;
}

export interface FieldWithCells extends Field {
  cells: Cell[];
}

/** A row of the differential: a leukocyte class of the count (the five, the others, unidentified). */
export type RowType = CellType | OtherLeukocyteClass | 'unclassified';
export type Flag = 'low' | 'high' | null;

export interface DifferentialRow {
  type: RowType;
  count: number;
  /** Of all counted leukocytes. */
  percent: number;
  /** 95 % confidence interval of the percentage (Wilson score). */
  ci95: Range | null;
  /** 10^9/L, when the total WBC count is known. */
  absolute: number | null;
  /** The five types only. */
  range: TypeRange | null;
  flag: Flag;
  absoluteFlag: Flag;
}

/** NRBC or smudge cells: outside the count, per 100 leukocytes counted. */
export interface NonLeukocyteRow {
  type: NonLeukocyteClass;
  count: number;
  /** null while no leukocyte is counted. */
  per100: number | null;
}

export interface Differential {
  /** Leukocytes counted: every row's cells (not NRBC, smudge, "not a leukocyte"). */
  counted: number;
  target: number;
  targetReached: boolean;
  /** The five types, then the other leukocytes and the unidentified cells, always all of them. */
  rows: DifferentialRow[];
  /** NRBC and smudge cells, always both. */
  nonLeukocytes: NonLeukocyteRow[];
  notLeukocyte: number;
  /** Classes present that need a haematologist's attention (blasts, immature granulocytes, NRBC), with their counts. */
  attention: { type: AttentionClass; count: number }[];
  /** Total white cell count entered by the nurse, 10^9/L. */
  wbcCount: number | null;
  /** Flagged cells and their checks; `unseen`: counted cells the analysis typed that no person has seen yet (signing needs 0). */
  review: { flagged: number; reviewed: number; pending: number; pendingCellIds: string[]; unseen: number };
  /** Plain-language findings, most important first. */
  flags: string[];
}

export type SyncStateName = 'unsigned' | 'queued' | 'retrying' | 'synced';

/** A sample's latest signed revision on its way to the hub. */
export interface SyncState {
  /** unsigned (never signed), queued, retrying (the last try failed), synced. */
  state: SyncStateName;
  revision: number | null;
  attempts: number;
  lastError: string | null;
  deliveredAt: string | null;
  /** The sync set it aside (refused by the hub, too large, failing again and again): lastError says why; it waits for a person. */
  setAside: boolean;
}

/** The newest review of the sample signed at the hub and taken in by the box. */
/** A cell a hub review changed: its field's number, and its types; `op` when it added the cell (no type before) or removed it as a duplicate (none after). */
export interface ReviewedCellChange {
  field: number | null;
  from: string;
  to: string;
  op?: 'add' | 'delete';
}

export interface HubReviewNote {
  reviewer: string;
  at: string;
  /** applied: its changes are in the cells; conflict: nothing of it was applied and the sample went back to review. */
  outcome: 'applied' | 'conflict';
  /** For a conflict, why: signed again here since its revision, its cells changed here, or an earlier review it builds on was refused. */
  why: 'signed_since' | 'cells_changed' | 'earlier_review_not_applied' | null;
  /** The cells it changed (applied) or proposed to change (conflict): field number and types. */
  cells: ReviewedCellChange[];
}

export interface SampleSummary {
  id: string;
  reference: string;
  patientId: string | null;
  collectedAt: string | null;
  status: SampleStatus;
  revision: number;
  /** Total white cell count entered by the nurse, 10^9/L. */
  wbcCount: number | null;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
  signedBy: string | null;
  signedAt: string | null;
  signedRevision: number | null;
  /** Signed before, changed since, not signed again. */
  amended: boolean;
  fieldCount: number;
  pendingFields: number;
  counted: number;
  reviewPending: number;
  sync: SyncState;
  hubReview: HubReviewNote | null;
}

/** GET /api/samples/:sampleId: everything about one sample. */
export interface SampleDetail extends SampleSummary {
  fields: FieldWithCells[];
  differential: Differential;
}

/** GET /api/samples */
export interface SampleList {
  items: SampleSummary[];
  total: number;
  limit: number;
  offset: number;
}

/** POST /api/samples */
export interface NewSample {
  /** Client-chosen id (the kiosk assigns it at capture), so a retried create does not make two samples. */
  id?: string;
  reference: string;
  patientId?: string | null;
  collectedAt?: string | null;
  wbcCount?: number | null;
}

/** POST /api/samples/:sampleId/cells/seen */
export interface CellsSeen {
  /** Cells not seen before. */
  seen: number;
}
