/**
 * The sync's own tables (migration 002): image send state, set-aside outbox rows, applied reviews,
 * small key/value state. The outbox itself is the store's (read and marked through its repository).
 */
import type { SetAsideItem } from '../../contracts/api/sync.ts';
import type { ReviewOutcomeKind } from '../../contracts/hub-protocol.ts';
import type { Db } from '../store/db.ts';
import { SET_ASIDE_UNTIL } from '../store/outbox.ts';

export type ImageEncoding = 'identity' | 'gzip';

export interface PreparedImage {
  sha256: string;
  encoding: ImageEncoding;
  encodedBytes: number;
  acknowledgedAt: string | null;
}

/** What became of a hub review at the box (sync_reviews.outcome), as the box reports it to the hub. */
export type ReviewRecordOutcome = ReviewOutcomeKind;

/** A review's record not yet reported to the hub (migration 007). */
export interface UnreportedReview {
  reviewId: string;
  outcome: ReviewRecordOutcome;
  detail: Record<string, unknown>;
  at: string;
}

export interface AppliedReview {
  reviewId: string;
  hubSeq: number;
  sampleId: string | null;
  appliedRevision: number | null;
  outcome: ReviewRecordOutcome;
  detail: Record<string, unknown>;
  at: string;
}

export class SyncRepo {
  constructor(private readonly db: Db) {}

  /** Ids of undelivered rows due at `now`, after `afterId`, in order (one pass over the outbox per round). */
  dueIds(now: string, afterId: number, limit: number): number[] {
    return this.db
      .prepare<[string, number, number], { id: number }>(
        `SELECT id FROM outbox o WHERE delivered_at IS NULL AND (next_attempt_at IS NULL OR next_attempt_at <= ?) AND id > ?
           AND NOT EXISTS (SELECT 1 FROM sync_set_aside a WHERE a.outbox_id = o.id) ORDER BY id LIMIT ?`,
      )
      .all(now, afterId, limit)
      .map((r) => r.id);
  }

  /** When the earliest undelivered row that waits after a failure becomes due (set-aside rows excluded). */
  nextDueAt(): string | null {
    return (
      this.db
        .prepare<[string], { at: string | null }>(
          'SELECT min(next_attempt_at) AS at FROM outbox o WHERE delivered_at IS NULL AND next_attempt_at < ? AND NOT EXISTS (SELECT 1 FROM sync_set_aside a WHERE a.outbox_id = o.id)',
        )
        .get(SET_ASIDE_UNTIL)?.at ?? null
    );
  }

  getState(key: string): string | undefined {
    return this.db.prepare<[string], { value: string }>('SELECT value FROM sync_state WHERE key = ?').get(key)?.value;
  }

  setState(key: string, value: string, at: string): void {
    this.db.prepare('INSERT INTO sync_state (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at').run(key, value, at);
  }

  image(sha256: string): PreparedImage | undefined {
    const r = this.db.prepare<[string], { sha256: string; encoding: ImageEncoding; encoded_bytes: number; acknowledged_at: string | null }>('SELECT * FROM sync_images WHERE sha256 = ?').get(sha256);
    return r && { sha256: r.sha256, encoding: r.encoding, encodedBytes: r.encoded_bytes, acknowledgedAt: r.acknowledged_at };
  }

  /** The image's format as the store recorded it (jpeg, png, tiff, ...). */
  imageFormat(sha256: string): string | undefined {
    return this.db.prepare<[string], { format: string }>('SELECT format FROM images WHERE sha256 = ?').get(sha256)?.format;
  }

  savePrepared(p: { sha256: string; encoding: ImageEncoding; encodedBytes: number }): void {
    this.db
      .prepare(
        `INSERT INTO sync_images (sha256, encoding, encoded_bytes, acknowledged_at) VALUES (?, ?, ?, NULL)
         ON CONFLICT (sha256) DO UPDATE SET encoding = excluded.encoding, encoded_bytes = excluded.encoded_bytes, acknowledged_at = NULL`,
      )
      .run(p.sha256, p.encoding, p.encodedBytes);
  }

  forgetPrepared(sha256: string): void {
    this.db.prepare('DELETE FROM sync_images WHERE sha256 = ?').run(sha256);
  }

  /** The hub holds the image: it is never sent again. */
  acknowledge(sha256: string, at: string): void {
    this.db
      .prepare(
        `INSERT INTO sync_images (sha256, encoding, encoded_bytes, acknowledged_at) VALUES (?, 'identity', 1, ?)
         ON CONFLICT (sha256) DO UPDATE SET acknowledged_at = excluded.acknowledged_at`,
      )
      .run(sha256, at);
  }

  /** The hub says it lacks an image it once acknowledged (its store was replaced): send it again. */
  unacknowledge(sha256: string): void {
    this.db.prepare('UPDATE sync_images SET acknowledged_at = NULL WHERE sha256 = ?').run(sha256);
  }

  isAcknowledged(sha256: string): boolean {
    return this.db.prepare<[string], { a: string | null }>('SELECT acknowledged_at AS a FROM sync_images WHERE sha256 = ?').get(sha256)?.a != null;
  }

  setAside(outboxId: number, code: string, reason: string, at: string): void {
    this.db
      .prepare('INSERT INTO sync_set_aside (outbox_id, code, reason, at) VALUES (?, ?, ?, ?) ON CONFLICT (outbox_id) DO UPDATE SET code = excluded.code, reason = excluded.reason, at = excluded.at')
      .run(outboxId, code, reason, at);
  }

  /** Takes a row off the set-aside list; returns false when it was not on it. */
  release(outboxId: number): boolean {
    return this.db.prepare('DELETE FROM sync_set_aside WHERE outbox_id = ?').run(outboxId).changes > 0;
  }

  /** Undelivered rows set aside, oldest first. */
  setAsideItems(limit = 200): SetAsideItem[] {
    return this.db
      .prepare<[number], { outbox_id: number; sample_id: string; revision: number; reference: string | null; code: string; reason: string; at: string; attempts: number }>(
        `SELECT a.outbox_id, o.sample_id, o.revision, s.reference, a.code, a.reason, a.at, o.attempts
         FROM sync_set_aside a JOIN outbox o ON o.id = a.outbox_id LEFT JOIN samples s ON s.id = o.sample_id
         WHERE o.delivered_at IS NULL ORDER BY a.outbox_id LIMIT ?`,
      )
      .all(limit)
      .map((r) => ({ outboxId: r.outbox_id, sampleId: r.sample_id, revision: r.revision, reference: r.reference, code: r.code, reason: r.reason, at: r.at, attempts: r.attempts }));
  }

  setAsideCount(): number {
    return this.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM sync_set_aside a JOIN outbox o ON o.id = a.outbox_id WHERE o.delivered_at IS NULL').get()!.n;
  }

  isSetAside(outboxId: number): boolean {
    return this.db.prepare('SELECT 1 FROM sync_set_aside WHERE outbox_id = ?').get(outboxId) !== undefined;
  }

  /** When the oldest undelivered row that is not set aside was signed. */
  oldestPendingAt(): string | null {
    return (
      this.db
        .prepare<[], { at: string | null }>('SELECT min(o.created_at) AS at FROM outbox o WHERE o.delivered_at IS NULL AND NOT EXISTS (SELECT 1 FROM sync_set_aside a WHERE a.outbox_id = o.id)')
        .get()?.at ?? null
    );
  }

  reviewApplied(reviewId: string): boolean {
    return this.db.prepare('SELECT 1 FROM sync_reviews WHERE review_id = ?').get(reviewId) !== undefined;
  }

  /** Whether a review of this revision of the sample was refused as a conflict. */
  conflictOnBase(sampleId: string, baseRevision: number): boolean {
    return this.db.prepare("SELECT 1 FROM sync_reviews WHERE sample_id = ? AND outcome = 'conflict' AND json_extract(detail, '$.baseRevision') = ?").get(sampleId, baseRevision) !== undefined;
  }

  recordReview(r: AppliedReview): void {
    this.db
      .prepare(
        `INSERT INTO sync_reviews (review_id, hub_seq, sample_id, applied_revision, outcome, detail, at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (review_id) DO NOTHING`,
      )
      .run(r.reviewId, r.hubSeq, r.sampleId, r.appliedRevision, r.outcome, JSON.stringify(r.detail), r.at);
  }

  reviewsOfSample(sampleId: string): AppliedReview[] {
    return this.db
      .prepare<[string], { review_id: string; hub_seq: number; sample_id: string | null; applied_revision: number | null; outcome: ReviewRecordOutcome; detail: string; at: string }>(
        'SELECT * FROM sync_reviews WHERE sample_id = ? ORDER BY hub_seq',
      )
      .all(sampleId)
      .map((r) => ({
        reviewId: r.review_id,
        hubSeq: r.hub_seq,
        sampleId: r.sample_id,
        appliedRevision: r.applied_revision,
        outcome: r.outcome,
        detail: JSON.parse(r.detail) as Record<string, unknown>,
        at: r.at,
      }));
  }

  /** Reviews whose outcome the hub has not acknowledged yet, in the order the hub numbered them. */
  unreportedReviews(limit: number): UnreportedReview[] {
    return this.db
      .prepare<[number], { review_id: string; outcome: ReviewRecordOutcome; detail: string; at: string }>(
        'SELECT review_id, outcome, detail, at FROM sync_reviews WHERE reported_at IS NULL ORDER BY hub_seq, review_id LIMIT ?',
      )
      .all(limit)
      .map((r) => ({ reviewId: r.review_id, outcome: r.outcome, detail: JSON.parse(r.detail) as Record<string, unknown>, at: r.at }));
  }

  markReported(reviewIds: string[], at: string): void {
    const mark = this.db.prepare('UPDATE sync_reviews SET reported_at = ? WHERE review_id = ?');
    this.db.transaction(() => {
      for (const id of reviewIds) mark.run(at, id);
    })();
  }

  appliedReviewCount(): number {
    return this.db.prepare<[], { n: number }>("SELECT count(*) AS n FROM sync_reviews WHERE outcome = 'applied'").get()!.n;
  }
}
