/**
 * The fault scenarios. Each drives a World into trouble and out again; the caller then waits for
 * it to settle and verifies. Sizes are parameters: the test suite runs each once, small; the soak
 * runs them many times with random seeds.
 */
import { NO_FAULTS } from './proxy.ts';
import { between } from './rng.ts';
import type { World } from './world.ts';

export interface ScenarioSize {
  samples: number;
  /** Kills of the hub or the box, where the scenario kills. */
  kills?: number;
  reviews?: number;
}

export interface ScenarioNotes {
  [key: string]: number | string;
}

export type Scenario = (w: World, size: ScenarioSize) => Promise<ScenarioNotes>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Signs up to n reviews at the hub, waiting a little for samples to review to arrive there. */
async function reviews(w: World, n: number): Promise<number> {
  let made = 0;
  const end = Date.now() + 8000;
  while (made < n && Date.now() < end) {
    if (await w.reviewOne()) made++;
    else await sleep(200);
  }
  return made;
}

/** The hub is down while the nurse signs a whole burst, then comes back: the backlog drains by itself. */
export const hubDownBurst: Scenario = async (w, size) => {
  await w.startBox();
  await w.createSupervisor();
  const t0 = Date.now();
  const before = w.proxy.stats.connections;
  await w.signSamples(size.samples);
  const status = await w.syncStatus();
  if (status.state !== 'offline') throw new Error(`box should be offline while the hub is down, is ${status.state}`);
  if (status.backlog.pending !== size.samples) throw new Error(`backlog ${status.backlog.pending}, expected ${size.samples}`);
  await sleep(1500);
  const downMs = Date.now() - t0;
  const attempts = w.proxy.stats.connections - before;
  // Probes every ~200 ms, one more per signed sample, backoff rounds: far from a busy loop.
  const bound = Math.ceil(downMs / 80) + size.samples * 2 + 20;
  if (attempts > bound) throw new Error(`${attempts} connection attempts in ${downMs} ms while the hub was down (bound ${bound}): a busy loop?`);
  await w.startHub();
  const t1 = Date.now();
  const made = await reviews(w, size.reviews ?? 3);
  await w.settle(120_000);
  return { downMs, attemptsWhileDown: attempts, drainMs: Date.now() - t1, reviews: made };
};

/** Connections cut at random points of uploads and upserts, answers lost or cut, stalls and injected 500s. */
export const randomCuts: Scenario = async (w, size) => {
  await w.startHub();
  await w.startBox();
  await w.createSupervisor();
  w.proxy.faults = { cutRequest: 0.2, loseResponse: 0.08, cutResponse: 0.08, stall: 0.03, error500: 0.05 };
  await w.signSamples(Math.ceil(size.samples / 2));
  const made = await reviews(w, size.reviews ?? 2);
  await w.signSamples(Math.floor(size.samples / 2));
  // Let the faulty link carry most of it before it heals.
  const end = Date.now() + 8_000;
  while (Date.now() < end && (await w.syncStatus()).backlog.pending > 0) await sleep(200);
  const s = w.proxy.stats;
  w.proxy.faults = NO_FAULTS;
  const made2 = await reviews(w, 1);
  await w.settle(120_000);
  return { cutRequests: s.cutRequests, lostResponses: s.lostResponses, cutResponses: s.cutResponses, stalls: s.stalls, errors500: s.errors500, reviews: made + made2 };
};

/** The hub is killed -9 while requests are in flight (at random byte counts), and restarted. */
export const hubKill9: Scenario = async (w, size) => {
  await w.startBox();
  await w.createSupervisor();
  await w.signSamples(size.samples);
  await w.startHub();
  let kills = 0;
  for (let k = 0; k < (size.kills ?? 3); k++) {
    const killed = new Promise<void>((resolve) => {
      const at = w.proxy.stats.bytesUp + between(w.rng, 2_000, 60_000);
      w.proxy.onBytesUp = (total) => {
        if (total < at) return;
        w.proxy.onBytesUp = null;
        void w.killHub().then(resolve);
      };
    });
    // If the backlog drains before the threshold, sign more so there is traffic to kill.
    const more = w.signSamples(2);
    await Promise.race([killed, more.then(() => sleep(5000))]);
    await more;
    if (!w.hub) kills++;
    w.proxy.onBytesUp = null;
    await sleep(between(w.rng, 100, 1200));
    if (!w.hub) await w.startHub();
    await reviews(w, 1);
  }
  await w.settle(120_000);
  return { kills };
};

/** The box is killed -9 mid-sync (at random byte counts) and restarted on the same data. */
export const boxKill9: Scenario = async (w, size) => {
  await w.startBox();
  await w.createSupervisor();
  await w.signSamples(size.samples);
  await w.startHub();
  let kills = 0;
  for (let k = 0; k < (size.kills ?? 2); k++) {
    const killed = new Promise<boolean>((resolve) => {
      const at = w.proxy.stats.bytesUp + between(w.rng, 1_000, 40_000);
      w.proxy.onBytesUp = (total) => {
        if (total < at) return;
        w.proxy.onBytesUp = null;
        void w.killBox().then(() => resolve(true));
      };
      setTimeout(() => resolve(false), 10_000);
    });
    if (await killed) kills++;
    w.proxy.onBytesUp = null;
    if (!w.box) await w.startBox();
    await reviews(w, 1);
    await w.signSamples(1);
  }
  await w.settle(120_000);
  return { kills };
};

/** Answers lost after the hub committed: the box retries what already landed. */
export const lostResponses: Scenario = async (w, size) => {
  await w.startHub();
  await w.startBox();
  await w.createSupervisor();
  w.proxy.faults = { cutRequest: 0, loseResponse: 0.35, cutResponse: 0.1, stall: 0, error500: 0 };
  await w.signSamples(size.samples);
  const made = await reviews(w, size.reviews ?? 2);
  const end = Date.now() + 8_000;
  while (Date.now() < end && (await w.syncStatus()).backlog.pending > 0) await sleep(200);
  const s = w.proxy.stats;
  w.proxy.faults = NO_FAULTS;
  await w.settle(120_000);
  return { lostResponses: s.lostResponses, cutResponses: s.cutResponses, reviews: made };
};

/** Two reviewers sign the same sample at the same moment: one is stored, the other is refused and signed again on the new base. */
export const concurrentReviewers: Scenario = async (w, size) => {
  await w.startHub();
  await w.startBox();
  await w.createSupervisor();
  const ids = await w.signSamples(size.samples);
  await w.settle(120_000);
  const pairs = Math.min(ids.length, size.reviews ?? 2);
  for (const id of ids.slice(0, pairs)) await w.reviewTwoAtOnce(id);
  await w.settle(120_000);
  return { pairs };
};

/**
 * The link drops; the hub reviews a sample while the box amends it and signs it again. When the link
 * returns, the box refuses the review whole (the sample goes back to review) and the supervisor signs again.
 */
export const reviewCrossesResign: Scenario = async (w, size) => {
  await w.startHub();
  await w.startBox();
  await w.createSupervisor();
  const ids = await w.signSamples(size.samples);
  await w.settle(120_000);
  await w.proxy.down();
  const crossed = ids.slice(0, Math.min(ids.length, size.reviews ?? 2));
  for (const id of crossed) {
    if (!(await w.reviewOne(id))) throw new Error(`could not review ${id}`);
    await w.amendAndSign(id);
  }
  await w.proxy.up();
  let again = 0;
  const end = Date.now() + 60_000;
  while (again < crossed.length && Date.now() < end) {
    again += await w.signAgainInReview();
    await sleep(300);
  }
  if (again < crossed.length) throw new Error(`${again} of ${crossed.length} samples came back to review at the box after a review crossed their re-sign`);
  await w.settle(120_000);
  return { crossed: crossed.length, conflictsAtHub: await w.conflictsAtHub() };
};

export const SCENARIOS: Record<string, Scenario> = { hubDownBurst, randomCuts, hubKill9, boxKill9, lostResponses, concurrentReviewers, reviewCrossesResign };
