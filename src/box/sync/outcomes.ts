/**
 * Tells the hub what became of each review at the box (applied, conflict, unknown sample), so its
 * reviewer page shows the box's truth rather than "reached the box" for a review the box refused.
 * A row is marked reported only when the hub acknowledged it; anything else leaves it for the next
 * round. A hub from before this endpoint answers 404: the rows wait, and the sync goes on. A batch
 * the hub finds malformed (400) is sent again row by row, so that one bad row cannot hold back the
 * others for ever; a row refused on its own is given up (it would be refused every round).
 */
import { MAX_OUTCOME_REASON_CHARS, type ReviewOutcomeReport } from '../../contracts/hub-protocol.ts';
import { conflictText, type Conflict } from './apply-review.ts';
import { HubCallError, type HubApi } from './hub-api.ts';
import type { SyncRepo, UnreportedReview } from './repo.ts';

const BATCH = 100;

export type OutcomesReported =
  | { kind: 'done'; sent: number; givenUp?: string[] }
  /** The hub has no such endpoint (404): an older hub. */
  | { kind: 'unsupported'; sent: number }
  /** The hub refused a batch (another 4xx); it is tried again next round. */
  | { kind: 'refused'; sent: number; message: string };

function toReport(r: UnreportedReview): ReviewOutcomeReport {
  const conflict = r.outcome === 'conflict' ? (r.detail.conflict as Conflict | undefined) : undefined;
  return { reviewId: r.reviewId, outcome: r.outcome, at: r.at, ...(conflict ? { reason: conflictText(conflict).slice(0, MAX_OUTCOME_REASON_CHARS) } : {}) };
}

/** Sends every unreported outcome, in batches. A hub that cannot be reached or fails throws (the round's failure, as for reviews). */
export async function reportOutcomes(repo: SyncRepo, api: HubApi, now: () => Date, stopped: () => boolean): Promise<OutcomesReported> {
  let sent = 0;
  const givenUp: string[] = [];
  while (!stopped()) {
    const rows = repo.unreportedReviews(BATCH);
    if (rows.length === 0) break;
    let answer;
    try {
      answer = await api.reportOutcomes(rows.map(toReport));
    } catch (err) {
      if (!(err instanceof HubCallError && err.kind === 'rejected')) throw err;
      if (err.status !== 400) return { kind: 'refused', sent, message: err.message };
      const one = await oneByOne(repo, api, now, rows);
      if (one.kind !== 'done') return { ...one, sent: sent + one.sent };
      sent += one.sent;
      givenUp.push(...(one.givenUp ?? []));
      continue;
    }
    if (answer === 'unsupported') return { kind: 'unsupported', sent };
    repo.markReported(
      rows.map((r) => r.reviewId),
      now().toISOString(),
    );
    sent += rows.length;
  }
  return { kind: 'done', sent, ...(givenUp.length ? { givenUp } : {}) };
}

async function oneByOne(repo: SyncRepo, api: HubApi, now: () => Date, rows: UnreportedReview[]): Promise<OutcomesReported> {
  let sent = 0;
  const givenUp: string[] = [];
  for (const row of rows) {
    try {
      if ((await api.reportOutcomes([toReport(row)])) === 'unsupported') return { kind: 'unsupported', sent };
      sent++;
    } catch (err) {
      if (!(err instanceof HubCallError && err.kind === 'rejected')) throw err;
      if (err.status !== 400) return { kind: 'refused', sent, message: err.message };
      givenUp.push(row.reviewId);
    }
    repo.markReported([row.reviewId], now().toISOString());
  }
  return { kind: 'done', sent, givenUp };
}
