/** The fault scenarios against a PostgreSQL hub (when DATABASE_URL is set): see faults.test.ts. */
import { describe, expect, it } from 'vitest';
import { runScenario } from './harness/run.ts';

const TIMEOUT = 240_000;

// Two on PostgreSQL here (random cuts include lost answers); the soak runs every scenario on it.
describe.runIf(process.env.DATABASE_URL)('sync under faults (PostgreSQL hub)', () => {
  it('delivers exactly once through random cuts', { timeout: TIMEOUT }, async () => {
    await runScenario('randomCuts', 'postgres', 22, { samples: 6, reviews: 2 });
  });

  it('survives the hub being killed -9 mid-request', { timeout: TIMEOUT }, async () => {
    const notes = await runScenario('hubKill9', 'postgres', 23, { samples: 6, kills: 2 });
    expect(notes.kills).toBeGreaterThan(0);
  });
});
