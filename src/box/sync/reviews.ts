/**
 * Pulls the clinic's reviews after the box's cursor and applies each (see apply-review.ts). The
 * cursor belongs to the device the hub knows the box as: a box given a new token starts from 0,
 * and reviews it already applied are recognised by id.
 */
import type { WorkflowContext } from '../workflow/context.ts';
import { applyReview } from './apply-review.ts';
import type { HubApi } from './hub-api.ts';
import type { SyncRepo } from './repo.ts';

const CURSOR_KEY = 'review_cursor';
const PAGE = 50;

export function reviewCursor(repo: SyncRepo, deviceId: string): number {
  const raw = repo.getState(CURSOR_KEY);
  if (!raw) return 0;
  const c = JSON.parse(raw) as { deviceId: string; seq: number };
  return c.deviceId === deviceId ? c.seq : 0;
}

/** Returns how many reviews changed a sample. */
export async function pullReviews(ctx: WorkflowContext, repo: SyncRepo, api: HubApi, deviceId: string, stopped: () => boolean): Promise<number> {
  let cursor = reviewCursor(repo, deviceId);
  let applied = 0;
  // Until a page comes back empty: asking after the last one tells the hub it arrived.
  while (!stopped()) {
    const { reviews } = await api.reviews(cursor, PAGE);
    if (reviews.length === 0) break;
    for (const r of reviews) {
      const out = applyReview(ctx, repo, r, { cursorKey: CURSOR_KEY, cursorValue: JSON.stringify({ deviceId, seq: r.seq }) });
      if (out.outcome === 'applied') applied++;
      cursor = r.seq;
    }
  }
  return applied;
}
