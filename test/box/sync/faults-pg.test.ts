/** The fault scenarios against a PostgreSQL hub (when DATABASE_URL is set): see faults.test.ts. */
import { describe, expect, it } from 'vitest';
import { runScenario } from './harness/run.ts';

const TIMEOUT = 240_000;

// Some on PostgreSQL here (random cuts include lost answers; concurrent reviewers need its row locks); the soak runs every scenario on it.
describe.runIf(process.env.DATABASE_URL)('sync under faults (PostgreSQL hub)', () => {
  it('delivers exactly once through random cuts', { timeout: TIMEOUT }, async () => {
    await runScenario('randomCuts', 'postgres', 22, { samples: 6, reviews: 2 });
  });

  it('survives the hub being killed -9 mid-request', { timeout: TIMEOUT }, async () => {
    const notes = await runScenario('hubKill9', 'postgres', 23, { samples: 6, kills: 2 });
    expect(notes.kills).toBeGreaterThan(0);
  });

  it('stores one of two reviews signed at once, and converges after a review crosses a re-sign', { timeout: TIMEOUT }, async () => {
    expect((await runScenario('concurrentReviewers', 'postgres', 26, { samples: 2, reviews: 2 })).reviews).toBe(4);
    expect((await runScenario('reviewCrossesResign', 'postgres', 27, { samples: 2, reviews: 2 })).crossed).toBe(2);
  });
});
