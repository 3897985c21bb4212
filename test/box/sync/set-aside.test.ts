/** The set-aside mark on an outbox row, and a person putting a set-aside row back, below the HTTP layer. */
import { afterEach, describe, expect, it } from 'vitest';
import { isSetAside } from '../../../src/box/store/outbox.ts';
import { SyncRepo } from '../../../src/box/sync/repo.ts';
import { putBackInQueue } from '../../../src/box/sync/set-aside.ts';
import { WorkflowError } from '../../../src/box/workflow/errors.ts';
import { createSample } from '../../../src/box/workflow/samples.ts';
import { syncState } from '../../../src/box/workflow/views.ts';
import { addUser, tempContext, type TestContext } from '../../helpers/store.ts';

let t: TestContext | null = null;
afterEach(() => {
  t?.close();
  t = null;
});

function withRow() {
  t = tempContext();
  const { ctx } = t;
  const { sample } = createSample(ctx, { reference: 'R-1' }, { userId: null });
  ctx.store.outbox.add({ sampleId: sample.id, revision: 1, payload: {}, images: [], createdAt: ctx.now().toISOString() });
  const row = ctx.store.outbox.latestForSample(sample.id)!;
  return { t, ctx, repo: new SyncRepo(ctx.store.db), sample, row };
}

describe('the set-aside mark on the outbox row', () => {
  it('keeps the row out of due() and shows in the sample view until it is delivered', () => {
    const { ctx, sample, row } = withRow();
    expect(isSetAside(row)).toBe(false);
    ctx.store.outbox.markSetAside(row.id, 'refused by the hub');
    const marked = ctx.store.outbox.get(row.id)!;
    expect(isSetAside(marked)).toBe(true);
    expect(marked).toMatchObject({ attempts: 1, lastError: 'refused by the hub' });
    expect(ctx.store.outbox.due('9999-12-31T00:00:00.000Z')).toEqual([]);
    expect(syncState(ctx, sample.id)).toMatchObject({ state: 'retrying', setAside: true });
    ctx.store.outbox.markDelivered(row.id, ctx.now().toISOString());
    expect(syncState(ctx, sample.id)).toMatchObject({ state: 'synced', setAside: false });
  });
});

describe('putting a set-aside row back in the queue', () => {
  it('releases it, makes it due now, writes the audit entry and says it is queued', async () => {
    const { t, ctx, repo, sample, row } = withRow();
    const sup = await addUser(ctx, 'Sup', 'supervisor', '2468');
    repo.setAside(row.id, 'payload_conflict', 'refused by the hub', ctx.now().toISOString());
    ctx.store.outbox.markSetAside(row.id, 'refused by the hub');
    t.events.length = 0;

    expect(putBackInQueue(ctx, repo, row.id, { userId: sup })).toMatchObject({ id: row.id, sampleId: sample.id });

    expect(repo.isSetAside(row.id)).toBe(false);
    expect(isSetAside(ctx.store.outbox.get(row.id)!)).toBe(false);
    expect(ctx.store.outbox.due(ctx.now().toISOString()).map((r) => r.id)).toEqual([row.id]);
    expect(ctx.store.audit.forSample(sample.id).at(-1)).toMatchObject({ action: 'sync.retried', target: `outbox:${row.id}`, userId: sup, revision: 1 });
    expect(t.events).toEqual([expect.objectContaining({ type: 'sync.changed', sampleId: sample.id, state: 'queued', revision: 1 })]);
  });

  it('refuses (404) a row that is not set aside, a delivered one and an unknown id, changing nothing', () => {
    const { ctx, repo, sample, row } = withRow();
    const audit = ctx.store.audit.forSample(sample.id).length;
    for (const id of [row.id, 999]) {
      expect(() => putBackInQueue(ctx, repo, id, { userId: null })).toThrow(WorkflowError);
    }
    repo.setAside(row.id, 'too_large', 'too large', ctx.now().toISOString());
    ctx.store.outbox.markDelivered(row.id, ctx.now().toISOString());
    let err: unknown;
    try {
      putBackInQueue(ctx, repo, row.id, { userId: null });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ statusCode: 404, code: 'not_found' });
    expect(ctx.store.audit.forSample(sample.id)).toHaveLength(audit);
  });
});
