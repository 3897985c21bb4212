/** What the store keeps, in the shapes the rest of the daemon uses (camelCase, parsed JSON). */
import type { CellClass } from '../../contracts/vocabulary.ts';
import type { CellSource, FieldStatus, SampleStatus } from '../../contracts/statuses.ts';
import type { Box, FieldAnalysis, FieldQuality } from '../../contracts/api/samples.ts';
import type { User } from '../../contracts/api/people.ts';

export { CELL_SOURCES, FIELD_STATUSES, ROLES, SAMPLE_STATUSES, type CellSource, type FieldStatus, type Role, type SampleStatus } from '../../contracts/statuses.ts';

export interface Sample {
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
  syncedRevision: number | null;
}

/** The stored JSON of a field's quality check and of its analysis: the shapes the API sends (src/contracts/api). */
export type QualityJson = FieldQuality;
export type AnalysisJson = FieldAnalysis;

export interface Field {
  id: string;
  sampleId: string;
  seq: number;
  imageSha256: string;
  width: number;
  height: number;
  format: string;
  bytes: number;
  status: FieldStatus;
  queueSeq: number;
  attempts: number;
  error: string | null;
  quality: QualityJson | null;
  analysis: AnalysisJson | null;
  capturedAt: string;
  uploadedBy: string | null;
  analysedAt: string | null;
  deletedAt: string | null;
}

/** Image pixels x1, y1, x2, y2. */
export type BoxTuple = Box;

export interface Cell {
  id: string;
  fieldId: string;
  sampleId: string;
  box: BoxTuple;
  type: CellClass;
  /** What the analysis called the cell (one of the five types, or a class of src/core/analysis/typing.ts); null for a cell a person added. */
  autoType: string | null;
  confidence: number | null;
  agreement: number | null;
  support: number | null;
  /** Member votes per type, in CELL_TYPES order; null for a cell a person added. */
  votes: number[] | null;
  flagged: boolean;
  source: CellSource;
  changedBy: string | null;
  changedAt: string | null;
  /** The hub reviewer whose review set the type; null when the type was set at the box. */
  changedByReviewer: string | null;
  reviewedBy: string | null;
  reviewedAt: string | null;
  deletedAt: string | null;
  deletedBy: string | null;
  createdAt: string;
}

/** A user without secrets, as the API sends it. */
export type { User };

export interface UserWithSecret extends User {
  pinHash: string;
  failedPins: number;
  lockedUntil: number | null;
}

export interface AuditEntry {
  seq: number;
  at: string;
  sampleId: string | null;
  revision: number | null;
  userId: string | null;
  action: string;
  target: string | null;
  detail: Record<string, unknown>;
  reason: string | null;
}

export interface OutboxEntry {
  id: number;
  sampleId: string;
  revision: number;
  payload: unknown;
  images: string[];
  createdAt: string;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  deliveredAt: string | null;
}
