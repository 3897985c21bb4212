/**
 * The hub's tables, as kysely sees them. Times are ISO-8601 text (they sort as strings in both
 * engines); JSON is text; binary data is a blob (SQLite) or bytea (PostgreSQL).
 */
import type { Generated } from 'kysely';

export interface ClinicsTable {
  id: string;
  name: string;
  /** Last review number handed out for this clinic (the boxes' cursor counts these). */
  review_seq: number;
  created_at: string;
  /** 1: the clinic consents to its verified cells being exported as training data (export-training); 0 by default. */
  training_opt_in: Generated<number>;
  /** When the consent was last set on or off, and by whom (the account that ran training-consent). */
  training_opt_in_at: string | null;
  training_opt_in_by: string | null;
}

export interface DevicesTable {
  id: string;
  clinic_id: string;
  name: string;
  /** sha256 (hex) of the token's secret part. */
  token_hash: string;
  created_at: string;
  revoked_at: string | null;
  last_seen_at: string | null;
  /** Highest review number the box has confirmed applying (the cursor it last asked with). */
  review_cursor: number;
}

export interface ReviewersTable {
  id: string;
  login: string;
  name: string;
  /** null: may review every clinic of the network. */
  clinic_id: string | null;
  secret_hash: string;
  created_at: string;
  revoked_at: string | null;
}

/** A reviewer's signed-in session: the sha256 of its cookie's token; times in ms since the epoch. */
export interface ReviewerSessionsTable {
  token_hash: string;
  reviewer_id: string;
  /** The reviewer's password hash when the session opened: a new password ends it. */
  credential: string;
  created_at: number | string;
  last_seen_at: number | string;
  expires_at: number | string;
}

/** The newest revision of each sample (what the reviewer page lists). */
export interface SamplesTable {
  id: string;
  clinic_id: string;
  device_id: string;
  revision: number;
  reference: string;
  signed_at: string | null;
  counted: number;
  /** The newest revision's sample.patientId (null: none); indexed with clinic_id for the patient's other samples. */
  patient_id: string | null;
  received_at: string;
  updated_at: string;
  /** From the newest revision (repo/sample-priority.ts): 2 cells for attention, 1 other flags, 0 none; the worklist lists higher first. */
  priority: number;
  /** Why the priority is raised, as the worklist shows it (null at priority 0). */
  urgent_reason: string | null;
}

/** Every revision received, exactly once per (sample, revision). */
export interface RevisionsTable {
  sample_id: string;
  revision: number;
  clinic_id: string;
  device_id: string;
  payload: string;
  payload_sha256: string;
  images: string;
  received_at: string;
}

export interface ImagesTable {
  clinic_id: string;
  sha256: string;
  bytes: number;
  data: Buffer;
  received_at: string;
  /** The device that completed the upload (null before migration 002); counts against its quota. */
  device_id: string | null;
}

/** An image upload in progress: the encoded stream's encoding and length. */
export interface UploadsTable {
  clinic_id: string;
  sha256: string;
  encoding: string;
  total: number;
  /** When the upload (re)started; uploads older than the hub's uploadTtlSeconds are removed. */
  started_at: string;
  device_id: string | null;
}

export interface UploadPartsTable {
  clinic_id: string;
  sha256: string;
  start: number;
  length: number;
  data: Buffer;
  device_id: string | null;
}

export interface ReviewsTable {
  clinic_id: string;
  seq: number;
  id: string;
  sample_id: string;
  base_revision: number;
  reviewer_id: string;
  reviewer_name: string;
  /** JSON: [{cellId, from, to}]. */
  changes: string;
  comment: string | null;
  signed_at: string;
  /** The seq of the review of the same sample it amends. */
  amends: number | null;
}

/** A review's fate at the box, as the box reported it (POST /api/v1/reviews/outcomes). */
export interface ReviewOutcomesTable {
  review_id: string;
  clinic_id: string;
  /** The device that reported it. */
  device_id: string;
  outcome: 'applied' | 'conflict' | 'unknown_sample';
  reason: string | null;
  /** When the box took the review in (the box's clock). */
  at: string;
  received_at: string;
}

/** A reviewer who opened a sample's page (advisory: it lapses 15 minutes after the last opening, and goes when they sign a review of it). */
export interface ReviewLocksTable {
  sample_id: string;
  reviewer_id: string;
  reviewer_name: string;
  opened_at: string;
}

export interface HubDatabase {
  clinics: ClinicsTable;
  devices: DevicesTable;
  reviewers: ReviewersTable;
  reviewer_sessions: ReviewerSessionsTable;
  samples: SamplesTable;
  revisions: RevisionsTable;
  images: ImagesTable;
  uploads: UploadsTable;
  upload_parts: UploadPartsTable;
  reviews: ReviewsTable;
  review_locks: ReviewLocksTable;
  review_outcomes: ReviewOutcomesTable;
}
