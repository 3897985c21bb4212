/**
 * The sample report as JSON (GET /api/samples/:sampleId/report): what the printable page and the
 * kiosk's report screen show, and the document the outbox sends to the hub for each signed revision.
 */
import type { FieldStatus, SampleStatus } from '../statuses.ts';
import type { Cell, Differential, FieldAnalysis, HubReviewNote, QualityWarning, ReviewedCellChange } from './samples.ts';

export interface Person {
  id: string;
  name: string;
}

/** The fields' scales: the median um per pixel of those that have one, and how many came from where. */
export interface ScaleSummary {
  umPerPixel: number | null;
  measured: number;
  calibrated: number;
  given: number;
  unmeasured: number;
}

export interface ReportField {
  id: string;
  seq: number;
  status: FieldStatus;
  error: string | null;
  capturedAt: string;
  analysedAt: string | null;
  image: { sha256: string; width: number; height: number; format: string; bytes: number };
  warnings: QualityWarning[];
  scale: NonNullable<FieldAnalysis['scale']> | null;
  /** The model set that analysed this field; null: not analysed, or analysed before model sets were versioned. */
  modelSet: string | null;
  cells: Cell[];
}

export interface Report {
  kind: 'leukodiff.report';
  schemaVersion: number;
  generatedAt: string;
  software: { name: string; version: string };
  sample: {
    id: string;
    reference: string;
    patientId: string | null;
    collectedAt: string | null;
    createdAt: string;
    status: SampleStatus;
    revision: number;
    signedRevision: number | null;
    amended: boolean;
    wbcCount: number | null;
  };
  differential: Differential;
  fields: ReportField[];
  people: {
    createdBy: Person | null;
    photographedBy: Person[];
    correctedBy: Person[];
    /** Haematologists whose reviews at the hub changed cells (oldest first), with each change. */
    reviewedAtHub: { name: string; at: string; changes: ReviewedCellChange[] }[];
    /** shortReason: why the signed revision was signed below the target count, in the supervisor's words. */
    signedBy: (Person & { at: string | null; revision: number | null; shortReason: string | null }) | null;
  };
  /** Changes made with a reason (to a signed sample), oldest first; a review from the hub also as structure, for the reader's language. */
  amendments: { at: string; revision: number | null; action: string; by: Person | null; reason: string; hubReview: (HubReviewNote & { comment: string | null }) | null }[];
  analysis: {
    models: { id: string; sha256: string }[];
    /** The model set versions of the analysed fields, in field order, each once (two after a model update between fields). */
    modelSets: string[];
    fusion: string[];
    backend: string[];
    scales: ScaleSummary;
  };
  disclaimer: string;
}
