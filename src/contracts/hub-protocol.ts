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

/** One cell a review changes: from the type its reviewer saw, to the type they chose. */
export interface ReviewChange {
  cellId: string;
  from: string;
  to: string;
}

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
}
