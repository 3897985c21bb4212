import { describe, expect, it } from 'vitest';
import { crashRound } from '../../durability/crash-round.ts';

// The real daemon, killed -9 during an upload burst and during an analysis (see crash-round.ts);
// scripts/durability-loop runs 20 rounds.
describe('kill -9 durability', () => {
  it('loses no acknowledged upload and analyses every field exactly once', { timeout: 240_000 }, async () => {
    const r = await crashRound();
    expect(r.problems, `seed ${r.seed}`).toEqual([]);
    expect(r.acknowledged).toBeGreaterThanOrEqual(3);
    expect(r.inDatabase).toBeGreaterThanOrEqual(r.acknowledged);
    expect(r.report.integrity).toBe('ok');
  });
});
