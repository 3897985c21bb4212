/**
 * The box tells the hub what became of each review: each outcome once, again after a failed post,
 * and a hub without the endpoint (404) neither breaks the sync loop nor loses an outcome; against a
 * real hub, a refused review shows as a conflict on the reviewer pages.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReviewOutcomeReport } from '../../../src/contracts/hub-protocol.ts';
import { HubCallError, type HubApi } from '../../../src/box/sync/hub-api.ts';
import { reportOutcomes } from '../../../src/box/sync/outcomes.ts';
import { SyncRepo } from '../../../src/box/sync/repo.ts';
import { createReview } from '../../../src/hub/repo/reviews.ts';
import { getSample } from '../../../src/hub/repo/samples.ts';
import { reviewerHeaders, testHub } from '../../hub/helpers.ts';
import { tempContext, type TestContext } from '../../helpers/store.ts';
import { injector, signedSample, testBox, until } from './box.ts';

let t: TestContext | null = null;
afterEach(() => {
  t?.close();
  t = null;
});

/** A HubApi whose reportOutcomes answers from a script, recording every batch it was given. */
function scriptedApi(answers: (() => ReturnType<HubApi['reportOutcomes']>)[]) {
  const posted: ReviewOutcomeReport[][] = [];
  const api = {
    async reportOutcomes(outcomes: ReviewOutcomeReport[]) {
      posted.push(outcomes);
      const next = answers.shift();
      return next ? next() : { recorded: outcomes.length, ignored: 0 };
    },
  } as unknown as HubApi;
  return { api, posted };
}

function repoWithConflict() {
  t = tempContext();
  const repo = new SyncRepo(t.ctx.store.db);
  const reviewId = randomUUID();
  repo.recordReview({
    reviewId,
    hubSeq: 7,
    sampleId: randomUUID(),
    appliedRevision: 5,
    outcome: 'conflict',
    detail: { reviewer: 'Dr Remote', baseRevision: 3, conflict: { why: 'signed_since', signedRevision: 4 } },
    at: '2026-03-01T08:00:00.000Z',
  });
  return { repo, reviewId };
}

const never = () => false;
const now = () => new Date('2026-03-01T09:00:00.000Z');

describe('reporting review outcomes to the hub', () => {
  it('sends a conflict once, with why it was refused', async () => {
    const { repo, reviewId } = repoWithConflict();
    const { api, posted } = scriptedApi([]);
    expect(await reportOutcomes(repo, api, now, never)).toEqual({ kind: 'done', sent: 1 });
    expect(posted).toEqual([[{ reviewId, outcome: 'conflict', at: '2026-03-01T08:00:00.000Z', reason: 'the sample was signed again here (revision 4) after the revision it reviewed' }]]);
    expect(repo.unreportedReviews(10)).toEqual([]);
    expect(await reportOutcomes(repo, api, now, never)).toEqual({ kind: 'done', sent: 0 });
    expect(posted).toHaveLength(1);
  });

  it('keeps an outcome whose post failed and sends it the next time', async () => {
    const { repo, reviewId } = repoWithConflict();
    const { api, posted } = scriptedApi([
      () => Promise.reject(new HubCallError('unreachable', 'network', 'connection reset')),
      () => Promise.reject(new HubCallError('rejected', 'forbidden', 'review outcomes: hub answered 403', 403)),
    ]);
    await expect(reportOutcomes(repo, api, now, never)).rejects.toThrow(/connection reset/);
    expect(repo.unreportedReviews(10).map((r) => r.reviewId)).toEqual([reviewId]);
    expect(await reportOutcomes(repo, api, now, never)).toMatchObject({ kind: 'refused', sent: 0 });
    expect(repo.unreportedReviews(10)).toHaveLength(1);
    expect(await reportOutcomes(repo, api, now, never)).toEqual({ kind: 'done', sent: 1 });
    expect(posted.map((batch) => batch.map((o) => o.reviewId))).toEqual([[reviewId], [reviewId], [reviewId]]);
    expect(repo.unreportedReviews(10)).toEqual([]);
  });

  it('sends a batch the hub finds malformed row by row, and gives up only the row it refuses alone', async () => {
    const { repo, reviewId } = repoWithConflict();
    const bad = '00000000-0000-4000-8000-00000000000b';
    repo.recordReview({ reviewId: bad, hubSeq: 9, sampleId: null, appliedRevision: null, outcome: 'unknown_sample', detail: {}, at: '2026-03-01T08:00:00.000Z' });
    const malformed = () => Promise.reject(new HubCallError('rejected', 'invalid_request', 'review outcomes: hub answered 400', 400));
    const { api, posted } = scriptedApi([malformed, () => Promise.resolve({ recorded: 1, ignored: 0 }), malformed]);
    expect(await reportOutcomes(repo, api, now, never)).toEqual({ kind: 'done', sent: 1, givenUp: [bad] });
    expect(posted.map((batch) => batch.map((o) => o.reviewId))).toEqual([[reviewId, bad], [reviewId], [bad]]);
    expect(repo.unreportedReviews(10)).toEqual([]);
  });

  it('leaves everything unreported when the hub has no such endpoint (404)', async () => {
    const { repo } = repoWithConflict();
    const { api } = scriptedApi([() => Promise.resolve('unsupported' as const)]);
    expect(await reportOutcomes(repo, api, now, never)).toEqual({ kind: 'unsupported', sent: 0 });
    expect(repo.unreportedReviews(10)).toHaveLength(1);
  });
});

/** A hub of the device API's read side with one review of a sample the box does not have; the outcomes endpoint answers as told. */
async function fakeHub(review: { id: string; sampleId: string }) {
  const state = { outcomesStatus: 404, received: [] as ReviewOutcomeReport[][] };
  const app = Fastify();
  app.get('/api/v1/ping', async () => ({
    device: { id: 'dev-1', name: 'box', clinicId: 'c1' },
    time: new Date().toISOString(),
    limits: { maxRequestBytes: 1 << 20, maxImageBytes: 1 << 20, maxRevisionBytes: 1 << 20 },
  }));
  app.get<{ Querystring: { after: string } }>('/api/v1/reviews', async (req) => {
    const reviews =
      Number(req.query.after) < 1
        ? [{ seq: 1, id: review.id, sampleId: review.sampleId, baseRevision: 2, reviewer: { id: randomUUID(), name: 'Dr Ada' }, changes: [], comment: null, signedAt: new Date().toISOString() }]
        : [];
    return { reviews, cursor: 1 };
  });
  app.post<{ Body: { outcomes: ReviewOutcomeReport[] } }>('/api/v1/reviews/outcomes', async (req, reply) => {
    if (state.outcomesStatus !== 200) return reply.code(state.outcomesStatus).send({ error: 'not_found', message: 'Route POST:/api/v1/reviews/outcomes not found' });
    state.received.push(req.body.outcomes);
    return { recorded: req.body.outcomes.length, ignored: 0 };
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, state, url: `http://127.0.0.1:${(app.server.address() as { port: number }).port}` };
}

describe('the sync loop and the outcomes endpoint', () => {
  const closing: FastifyInstance[] = [];
  afterEach(async () => {
    for (const app of closing.splice(0).reverse()) await app.close();
  });

  it('stays idle against a hub that answers 404, and reports the outcome once the hub takes it', async () => {
    const review = { id: randomUUID(), sampleId: randomUUID() };
    const hub = await fakeHub(review);
    closing.push(hub.app);
    const { app, dataDir } = await testBox({ hubUrl: hub.url, hubToken: `ld1.${randomUUID()}.${'a'.repeat(64)}` });
    closing.push(app);
    const unreported = () => {
      const db = new Database(path.join(dataDir, 'leukodiff.db'), { readonly: true });
      try {
        return db.prepare<[], { review_id: string; outcome: string }>('SELECT review_id, outcome FROM sync_reviews WHERE reported_at IS NULL').all();
      } finally {
        db.close();
      }
    };
    const sync = async () => (await app.inject({ url: '/api/sync' })).json();
    await until('the review taken in', () => unreported().length === 1);
    await until('an idle loop', async () => (await sync()).state === 'idle');
    expect((await sync()).lastError).toBeNull();
    expect(unreported()).toEqual([{ review_id: review.id, outcome: 'unknown_sample' }]);

    // The hub fails once (5xx): the round fails, and the outcome goes with a later round.
    hub.state.outcomesStatus = 500;
    await app.inject({ method: 'POST', url: '/api/sync/run' });
    await until('the failing round', async () => (await sync()).state === 'failing');
    hub.state.outcomesStatus = 200;
    await until('the outcome reported', () => unreported().length === 0);
    await until('an idle loop', async () => (await sync()).state === 'idle');
    // Further rounds send nothing more.
    await app.inject({ method: 'POST', url: '/api/sync/run' });
    await new Promise((r) => setTimeout(r, 400));
    expect(hub.state.received).toEqual([[{ reviewId: review.id, outcome: 'unknown_sample', at: expect.any(String) }]]);
  });

  it('tells a real hub of a review it refused, and the reviewer sees the conflict', async () => {
    const hub = await testHub('sqlite');
    try {
      await hub.app.listen({ host: '127.0.0.1', port: 0 });
      const { app, users } = await testBox({ hubUrl: `http://127.0.0.1:${(hub.app.server.address() as { port: number }).port}`, hubToken: hub.tokens.c1 });
      closing.push(app);
      const req = injector(app);
      const id = await signedSample(req, users.supervisor, 5);
      const atHub = await until('delivery', () => getSample(hub.db.db, id, 'c1'));
      // The nurse changes a cell at the box after signing; meanwhile a reviewer at the hub changes it from the type signed.
      const cell = (await req({ method: 'GET', url: `/api/samples/${id}` })).json().fields[0].cells[0] as { id: string; type: string };
      const amended = await req({ method: 'PATCH', url: `/api/cells/${cell.id}`, payload: { type: cell.type === 'lymphocyte' ? 'eosinophil' : 'lymphocyte', reason: 'looked again' } });
      expect(amended.statusCode).toBe(200);
      const made = await createReview(
        hub.db.db,
        null,
        { sampleId: id, baseRevision: atHub.revision, reviewsSeen: 0, reviewer: { id: randomUUID(), name: 'Dr Ada' }, changes: [{ cellId: cell.id, from: cell.type, to: 'monocyte' }], comment: null },
        new Date().toISOString(),
      );
      expect(made.kind).toBe('created');
      await req({ method: 'POST', url: '/api/sync/run' });
      await until('the conflict reported', async () => (await hub.db.db.selectFrom('review_outcomes').select('outcome').executeTakeFirst())?.outcome === 'conflict');
      const page = await hub.app.inject({ method: 'GET', url: `/review/samples/${id}`, headers: await reviewerHeaders(hub) });
      expect(page.body).toMatch(/<td data-box="conflict" title="1 of its cells changed here since">conflict: not applied; waiting for the box to sign again<\/td>/);
      const list = await hub.app.inject({ method: 'GET', url: '/review?status=all', headers: await reviewerHeaders(hub) });
      expect(list.body).toContain('<td data-status="conflict">conflict: waiting for the box</td>');
    } finally {
      await hub.close();
    }
  });
});
