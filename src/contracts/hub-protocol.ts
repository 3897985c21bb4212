/**
 * The device API between a box and the hub (docs/sync.md), as both read it: the box's client
 * (src/box/sync/hub-api.ts) and the hub's routes and repositories (src/hub) use these shapes.
 */

/** GET /api/v1/ping: the sizes the hub takes. */
export interface HubLimits {
  maxRequestBytes: number;
  maxImageBytes: number;
  maxRevisionBytes: number;
}

/** GET /api/v1/ping */
export interface PingAnswer {
  device: { id: string; name: string; clinicId: string };
  time: string;
  limits: HubLimits;
}

/** PUT /api/v1/samples/:sampleId/revisions/:revision, answered 200. */
export interface RevisionAnswer {
  status: 'created' | 'superseded' | 'duplicate';
  latestRevision: number;
}

/** One cell a review retypes: from the type its reviewer saw, to the type they chose. */
export interface ReviewTypeChange {
  op?: undefined;
  cellId: string;
  from: string;
  to: string;
}

/**
 * A cell the reviewer removes from the count: a duplicate (the same leukocyte counted twice).
 * `from` is the type the reviewer saw. `to` is null so that a box older than this shape finds no
 * class in it and refuses the whole review as a conflict instead of applying part of it.
 */
export interface ReviewCellDeletion {
  op: 'delete';
  cellId: string;
  from: string;
  to: null;
}

/**
 * A leukocyte the analysis missed, added by the reviewer: a new cell id the hub generates (so hub
 * and box name the same cell), its field, its box in the field's pixels [x1, y1, x2, y2], its type.
 * `from` is null: a box older than this shape finds no such cell and refuses the whole review.
 */
export interface ReviewCellAddition {
  op: 'add';
  cellId: string;
  fieldId: string;
  box: [number, number, number, number];
  from: null;
  to: string;
}

/** One change of a review: a type set, a duplicate removed, or a missed cell added. */
export type ReviewChange = ReviewTypeChange | ReviewCellDeletion | ReviewCellAddition;

/** At most this many cells one review adds. */
export const MAX_ADDED_CELLS_PER_REVIEW = 50;

/** A review signed at the hub, numbered per clinic (GET /api/v1/reviews). */
export interface HubReview {
  seq: number;
  id: string;
  sampleId: string;
  /** The revision the reviewer saw. */
  baseRevision: number;
  reviewer: { id: string; name: string };
  changes: ReviewChange[];
  comment: string | null;
  signedAt: string;
  /** The earlier review (its seq) this one amends, with its comment as the reason; null or absent: none. */
  amends?: number | null;
}

/** What became of a hub review at the box: applied whole, refused as a conflict, or not a sample the box holds. */
export const REVIEW_OUTCOMES = ['applied', 'conflict', 'unknown_sample'] as const;
export type ReviewOutcomeKind = (typeof REVIEW_OUTCOMES)[number];

/** At most this many outcomes per report, each reason at most this long. */
export const MAX_OUTCOMES_PER_REPORT = 200;
export const MAX_OUTCOME_REASON_CHARS = 500;

/** One review's fate at the box, as it tells the hub. */
export interface ReviewOutcomeReport {
  reviewId: string;
  outcome: ReviewOutcomeKind;
  /** When the box took the review in. */
  at: string;
  /** Why a conflict was refused, in words for the reviewer. */
  reason?: string;
}

/** POST /api/v1/reviews/outcomes */
export interface ReviewOutcomesRequest {
  outcomes: ReviewOutcomeReport[];
}

/** POST /api/v1/reviews/outcomes, answered 200: how many were stored (or already were) and how many were not the device's to report. */
export interface ReviewOutcomesAnswer {
  recorded: number;
  ignored: number;
}
