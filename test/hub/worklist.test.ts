import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubMigrations } from '../../src/hub/db/migrations.ts';
import { provisionReviewer } from '../../src/hub/repo/reviewers.ts';
import { listSamples } from '../../src/hub/repo/samples.ts';
import { waitingText } from '../../src/hub/web/worklist-view.ts';
import { bearer, ENGINES, formHeaders, putImage, reviewerHeaders, reviewForm, testHub, type TestHub } from './helpers.ts';
import { image, report } from './fixtures.ts';

const MIN = 60_000;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

describe('waiting time', () => {
  it('reads as days, hours and minutes', () => {
    const now = new Date('2026-03-01T12:00:00.000Z');
    expect(waitingText('2026-03-01T09:50:00.000Z', now)).toBe('2 h 10 min');
    expect(waitingText('2026-03-01T11:53:30.000Z', now)).toBe('6 min');
    expect(waitingText('2026-03-01T11:59:40.000Z', now)).toBe('under 1 min');
    expect(waitingText('2026-02-27T08:00:00.000Z', now)).toBe('2 d 4 h');
  });
});

describe.each(ENGINES)('the reviewers’ worklist and "being reviewed by" (%s)', (engine) => {
  let hub: TestHub;
  let ada: { cookie: string };
  let ben: { cookie: string };
  let benPassword: string;
  let img: ReturnType<typeof image>;
  /** c1: plain (waiting 3 h), flagged (1 h), blasts (10 min); c2: plain (2 h 10 min). */
  const ids = { plain: '', flagged: '', blasts: '', other: '' };
  const reports = new Map<string, Record<string, unknown> & { sample: Record<string, unknown> }>();

  const store = async (key: keyof typeof ids, opts: { token?: string; attention?: { type: string; count: number }[]; flags?: string[]; waitingMs: number; reference: string }) => {
    const r = report({ images: [img.sha256], reference: opts.reference });
    const payload = { ...r, differential: { ...r.differential, flags: opts.flags ?? [], ...(opts.attention ? { attention: opts.attention } : {}) } };
    const res = await hub.app.inject({
      method: 'PUT',
      url: `/api/v1/samples/${r.sample.id}/revisions/3`,
      headers: bearer(opts.token ?? hub.tokens.c1),
      payload: { images: [img.sha256], payload },
    });
    expect(res.statusCode).toBe(200);
    await hub.db.db
      .updateTable('samples')
      .set({ received_at: ago(opts.waitingMs), updated_at: ago(opts.waitingMs) })
      .where('id', '=', r.sample.id)
      .execute();
    ids[key] = r.sample.id;
    reports.set(r.sample.id, payload);
  };
  const get = async (url: string, as = ada) => {
    const res = await hub.app.inject({ method: 'GET', url, headers: as });
    expect(res.statusCode).toBe(200);
    return res.body;
  };
  /** The sample ids of the list's rows, in order. */
  const listed = (body: string) => [...body.matchAll(/href="\/review\/samples\/([0-9a-f-]+)"/g)].map((m) => m[1]);
  const row = (body: string, id: string) => new RegExp(`<tr>((?:(?!</tr>)[\\s\\S])*href="/review/samples/${id}"[\\s\\S]*?)</tr>`).exec(body)?.[1] ?? '';
  const sign = async (id: string, as: { cookie: string }, password: string) => {
    const form = reviewForm(await get(`/review/samples/${id}`, as));
    return hub.app.inject({
      method: 'POST',
      url: `/review/samples/${id}/reviews`,
      headers: { ...as, ...formHeaders },
      payload: new URLSearchParams({ ...form, password }).toString(),
    });
  };

  beforeAll(async () => {
    hub = await testHub(engine);
    img = image();
    expect((await putImage(hub, img)).statusCode).toBe(200);
    expect((await putImage(hub, img, hub.tokens.c2)).statusCode).toBe(200);
    await store('plain', { waitingMs: 180 * MIN, reference: 'PLAIN' });
    await store('flagged', { waitingMs: 60 * MIN, reference: 'FLAGGED', flags: ['Lymphocytes high (4.1 ×10⁹/L)'] });
    await store('blasts', { waitingMs: 10 * MIN, reference: 'BLASTS', attention: [{ type: 'blast', count: 2 }], flags: ['blasts seen'] });
    await store('other', { token: hub.tokens.c2, waitingMs: 130 * MIN + 20_000, reference: 'OTHER' });
    ada = await reviewerHeaders(hub);
    benPassword = (await provisionReviewer(hub.db.db, { login: 'ben', name: 'Dr Ben', clinicId: 'c1' }, new Date().toISOString())).password;
    ben = await reviewerHeaders(hub, 'ben', benPassword);
  });
  afterAll(async () => hub?.close());

  it('lists the samples to review, urgent first with the reason, then the longest waiting', async () => {
    const body = await get('/review');
    expect(listed(body)).toEqual([ids.blasts, ids.flagged, ids.plain, ids.other]);
    expect(row(body, ids.blasts)).toMatch(/data-priority="2"><strong class="urgent">urgent<\/strong> Blasts 2</);
    expect(row(body, ids.flagged)).toContain('<strong>flagged</strong> Lymphocytes high (4.1 ×10⁹/L)');
    expect(row(body, ids.plain)).toContain('<td data-priority="0"></td>');
    expect(row(body, ids.other)).toContain('<td data-waiting>2 h 10 min</td>');
    expect(row(body, ids.plain)).toContain('<td data-waiting>3 h</td>');
    expect(body).toContain('4 samples · page 1 of 1');
  });

  it('filters by status and clinic, counting the filtered set, and keeps a clinic reviewer to their clinic', async () => {
    expect((await sign(ids.plain, ada, hub.reviewer.password)).statusCode).toBe(303);
    let body = await get('/review');
    expect(listed(body)).toEqual([ids.blasts, ids.flagged, ids.other]);
    expect(body).toContain('3 samples · page 1 of 1');
    body = await get('/review?status=reviewed');
    expect(listed(body)).toEqual([ids.plain]);
    expect(body).toContain('1 sample · page 1 of 1');
    body = await get('/review?status=all');
    expect(listed(body)).toEqual([ids.blasts, ids.flagged, ids.other, ids.plain]);
    body = await get('/review?status=all&clinic=c2');
    expect(listed(body)).toEqual([ids.other]);
    expect(body).toContain('<option value="c2" selected>');
    // Ben reviews clinic c1 only: asking for c2 still shows c1, and he has no clinic choice.
    body = await get('/review?status=all&clinic=c2', ben);
    expect(listed(body)).toEqual([ids.blasts, ids.flagged, ids.plain]);
    expect(body).not.toContain('name="clinic"');
    expect((await hub.app.inject({ method: 'GET', url: '/review?status=done', headers: ada })).statusCode).toBe(400);

    // The box signs a newer revision of the reviewed sample: it is to review again, waiting from now (after the one waiting 2 h).
    const newer = { ...reports.get(ids.plain)!, sample: { ...reports.get(ids.plain)!.sample, revision: 4 } };
    const put = await hub.app.inject({ method: 'PUT', url: `/api/v1/samples/${ids.plain}/revisions/4`, headers: bearer(hub.tokens.c1), payload: { images: [img.sha256], payload: newer } });
    expect(put.json().status).toBe('created');
    body = await get('/review');
    expect(listed(body)).toEqual([ids.blasts, ids.flagged, ids.other, ids.plain]);
    expect(row(body, ids.plain)).toContain('<td data-waiting>under 1 min</td>');
    expect(listed(await get('/review?status=reviewed'))).toEqual([]);
  });

  it('pages the filtered set', async () => {
    const all = await listSamples(hub.db.db, { status: 'to_review', clinicId: 'c1' }, 2, 0);
    expect(all.total).toBe(3);
    expect(all.items.map((s) => s.id)).toEqual([ids.blasts, ids.flagged]);
    const next = await listSamples(hub.db.db, { status: 'to_review', clinicId: 'c1' }, 2, 2);
    expect(next.total).toBe(3);
    expect(next.items.map((s) => s.id)).toEqual([ids.plain]);
  });

  it('says who else has a sample open, lets them review anyway, and forgets it on signing or after 15 minutes', async () => {
    await get(`/review/samples/${ids.flagged}`, ben);
    // Ada sees Ben's hold on the list and on the page; Ben does not see his own.
    expect(row(await get('/review'), ids.flagged)).toContain('<td data-open-by>being reviewed by Dr Ben</td>');
    expect(row(await get('/review', ben), ids.flagged)).not.toContain('being reviewed');
    const page = await get(`/review/samples/${ids.flagged}`);
    expect(page).toContain('Dr Ben opened this sample less than a minute ago; reviewing it too may conflict.');
    expect(await get(`/review/samples/${ids.flagged}`, ben)).toContain('Dr Ada opened this sample');

    // Advisory only: Ada signs while Ben has it open; her hold goes, Ben's stays.
    expect((await sign(ids.flagged, ada, hub.reviewer.password)).statusCode).toBe(303);
    expect(await get(`/review/samples/${ids.flagged}?notice=signed`)).toContain('Dr Ben opened this sample');
    expect(await get(`/review/samples/${ids.flagged}?notice=signed`, ben)).not.toContain('data-open-by');
    expect(row(await get('/review?status=all', ben), ids.flagged)).not.toContain('being reviewed');

    // Ben's hold, opened 16 minutes ago, has lapsed; one opened 7 minutes ago says so.
    await hub.db.db
      .updateTable('review_locks')
      .set({ opened_at: ago(16 * MIN) })
      .where('sample_id', '=', ids.flagged)
      .execute();
    expect(row(await get('/review?status=all'), ids.flagged)).not.toContain('being reviewed');
    await hub.db.db
      .updateTable('review_locks')
      .set({ opened_at: ago(7 * MIN + 5_000) })
      .where('sample_id', '=', ids.flagged)
      .execute();
    expect(await get(`/review/samples/${ids.flagged}?notice=signed`)).toContain('Dr Ben opened this sample 7 min ago;');
  });

  it('fills the priority of samples stored before the migration', async () => {
    const db = hub.db.db;
    await db.updateTable('samples').set({ priority: 0, urgent_reason: null }).execute();
    // Back to the schema before 005-review-locks, then its step again.
    await db.schema.dropTable('review_locks').execute();
    await db.schema.dropIndex('samples_priority').execute();
    await db.schema.alterTable('samples').dropColumn('urgent_reason').execute();
    await db.schema.alterTable('samples').dropColumn('priority').execute();
    await hubMigrations(hub.db.dialect)['005-review-locks'].up(db);
    const rows = await db.selectFrom('samples').select(['id', 'priority', 'urgent_reason']).execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(ids.blasts)).toMatchObject({ priority: 2, urgent_reason: 'Blasts 2' });
    expect(byId.get(ids.flagged)).toMatchObject({ priority: 1, urgent_reason: 'Lymphocytes high (4.1 ×10⁹/L)' });
    expect(byId.get(ids.other)).toMatchObject({ priority: 0, urgent_reason: null });
  });
});
