/**
 * Keeps `npm run fuzz` working: a short session (a few hundred requests) against a real daemon and
 * hub gives no 5xx and no crash, and its counts add up.
 */
import { describe, expect, it } from 'vitest';
import { failed, summary } from '../../scripts/fuzz/run.ts';
import { fuzzSession } from '../../scripts/fuzz/session.ts';

describe('npm run fuzz', () => {
  it('sends a few hundred random and mutated requests to every route of the daemon and the hub without a 5xx or a crash', { timeout: 120_000 }, async () => {
    const report = await fuzzSession({ seconds: 30, requests: 400, seed: 21, concurrency: 4, timeoutMs: 15_000, only: null });
    expect(failed(report), summary(report)).toBe(false);
    for (const name of ['daemon', 'hub']) {
      const t = report.targets[name];
      expect(t.sent).toBeGreaterThan(100);
      expect(Object.values(t.counts).reduce((a, b) => a + b, 0)).toBe(t.sent);
      // The requests reach the routes, not only the 4xx at the door.
      expect(t.counts['200'] ?? 0).toBeGreaterThan(10);
    }
  });
});
