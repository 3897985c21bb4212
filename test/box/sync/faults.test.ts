/**
 * Fault tests with real processes and real sockets: a hub process, a box daemon and a misbehaving
 * TCP proxy between them (test/box/sync/harness). Each scenario runs once here, small; `npm run soak`
 * runs them many times with random seeds. After every scenario: each signed revision at the hub
 * exactly once, newest revision current, images byte-identical, outbox empty, nothing set aside,
 * every review taken in once at the box, the hub's differential the box's, the token in no log.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from './harness/run.ts';

const TIMEOUT = 240_000;

describe('sync under faults (SQLite hub)', () => {
  it('drains a burst signed while the hub was down, without a busy loop while it was', { timeout: TIMEOUT }, async () => {
    const notes = await runScenario('hubDownBurst', 'sqlite', 11, { samples: 20, reviews: 2 });
    expect(notes.samples).toBe(20);
    expect(notes.reviews).toBe(2);
  });

  it('delivers exactly once through connections cut at random points, lost and cut answers, stalls and 500s', { timeout: TIMEOUT }, async () => {
    const notes = await runScenario('randomCuts', 'sqlite', 12, { samples: 8, reviews: 2 });
    expect(Number(notes.cutRequests) + Number(notes.lostResponses) + Number(notes.cutResponses)).toBeGreaterThan(0);
  });

  it('survives the hub being killed -9 mid-request', { timeout: TIMEOUT }, async () => {
    const notes = await runScenario('hubKill9', 'sqlite', 13, { samples: 6, kills: 2 });
    expect(notes.kills).toBeGreaterThan(0);
  });

  it('survives the box being killed -9 mid-sync', { timeout: TIMEOUT }, async () => {
    const notes = await runScenario('boxKill9', 'sqlite', 14, { samples: 6, kills: 2 });
    expect(notes.kills).toBeGreaterThan(0);
  });

  it('retries what already landed when answers are lost after the commit, without duplicates', { timeout: TIMEOUT }, async () => {
    const notes = await runScenario('lostResponses', 'sqlite', 15, { samples: 6, reviews: 2 });
    expect(notes.lostResponses).toBeGreaterThan(0);
  });

  it('stores one of two reviews signed at once on one sample, and the other signed again on the new base', { timeout: TIMEOUT }, async () => {
    const notes = await runScenario('concurrentReviewers', 'sqlite', 16, { samples: 3, reviews: 2 });
    expect(notes.pairs).toBe(2);
    expect(notes.reviews).toBe(4);
  });

  it('refuses whole a review that crossed a re-sign made offline, and converges once the sample is signed again', { timeout: TIMEOUT }, async () => {
    const notes = await runScenario('reviewCrossesResign', 'sqlite', 17, { samples: 3, reviews: 2 });
    expect(notes.crossed).toBe(2);
    expect(notes.conflictsAtHub).toBe(2);
  });
});
