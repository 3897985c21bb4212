/**
 * Issue 25 item 2: the patient on the reviewer's sample page (identity and the patient's other
 * samples at the same clinic, never another clinic's), the samples.patient_id column and its
 * backfill by migration 006, and the print view of a sample's review.
 */
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HUB_DB_FILE } from '../../src/hub/db/connect.ts';
import { hubMigrations } from '../../src/hub/db/migrations.ts';
import { createReview, lastReviewSeq, reviewsOfSample } from '../../src/hub/repo/reviews.ts';
import { provisionReviewer } from '../../src/hub/repo/reviewers.ts';
import { otherSamplesOfPatient } from '../../src/hub/repo/samples.ts';
import { buildHub } from '../../src/hub/server.ts';
import { cropUrl } from '../../src/hub/web/gallery.ts';
import { image, report } from './fixtures.ts';
import { bearer, ENGINES, hubStorage, putImage, reviewerHeaders, testHub, type Engine, type TestHub } from './helpers.ts';
import { syncBigSample, type BigSample } from './review-screen-fixtures.ts';

interface SampleSpec {
  patientId: string | null;
  collectedAt?: string | null;
  signedAt: string;
  types?: string[];
  wbcCount?: number | null;
  reference?: string;
  sampleId?: string;
  revision?: number;
}

/** A report of one field whose cells have the types given (none: no field), with the patient and times given. */
function payloadOf(spec: SampleSpec, imageSha: string | null) {
  const types = spec.types ?? [];
  const base = report({ sampleId: spec.sampleId, revision: spec.revision ?? 3, reference: spec.reference ?? 'S-1', images: imageSha && types.length ? [imageSha] : [] });
  const counts = new Map<string, number>();
  for (const t of types) counts.set(t, (counts.get(t) ?? 0) + 1);
  return {
    ...base,
    sample: { ...base.sample, patientId: spec.patientId, collectedAt: spec.collectedAt ?? null, wbcCount: spec.wbcCount ?? null },
    differential: { counted: types.length, rows: [...counts].map(([type, count]) => ({ type, count, percent: Math.round((1000 * count) / types.length) / 10 })), flags: ['Eosinophils high'] },
    fields: base.fields.map((f) => ({
      ...f,
      cells: types.map((type, k) => ({ id: randomUUID(), box: [10 + k * 40, 10, 45 + k * 40, 45], type, autoType: type, confidence: 0.9, flagged: false })),
    })),
    people: { signedBy: { ...base.people.signedBy, at: spec.signedAt } },
  };
}

async function sync(hub: TestHub, clinic: 'c1' | 'c2', spec: SampleSpec): Promise<{ sampleId: string; cellIds: string[] }> {
  const img = image();
  const token = hub.tokens[clinic];
  if (spec.types?.length) expect((await putImage(hub, img, token)).statusCode).toBeLessThan(300);
  const payload = payloadOf(spec, img.sha256);
  const res = await hub.app.inject({
    method: 'PUT',
    url: `/api/v1/samples/${payload.sample.id}/revisions/${payload.sample.revision}`,
    headers: bearer(token),
    payload: { images: payload.fields.map((f) => f.image.sha256), payload },
  });
  expect(res.statusCode).toBe(200);
  return { sampleId: payload.sample.id, cellIds: payload.fields.flatMap((f) => f.cells.map((c) => c.id)) };
}

/** The patient's other samples as the page lists them: sample ids in order. */
const listed = (body: string) => [...body.matchAll(/data-other-sample="([^"]+)"/g)].map((m) => m[1]);
const line = (body: string, id: string) => new RegExp(`<li data-other-sample="${id}">([\\s\\S]*?)</li>`).exec(body)?.[1] ?? '';

async function review(hub: TestHub, sampleId: string, changes: { cellId: string; from: string; to: string }[], comment: string | null, name = 'Dr Ada') {
  const out = await createReview(
    hub.db.db,
    null,
    { sampleId, baseRevision: 3, reviewsSeen: lastReviewSeq(await reviewsOfSample(hub.db.db, sampleId)), reviewer: { id: randomUUID(), name }, changes, comment },
    new Date().toISOString(),
  );
  expect(out.kind).toBe('created');
}

describe.each(ENGINES)('the patient on the sample page (%s)', (engine) => {
  let hub: TestHub;
  let ada: Record<string, string>;
  beforeAll(async () => {
    hub = await testHub(engine);
    ada = await reviewerHeaders(hub);
  });
  afterAll(async () => hub?.close());
  const get = (url: string, headers = ada) => hub.app.inject({ method: 'GET', url, headers });

  it('shows the patient id, the collection time in UTC and the WBC count, or says there is no patient id', async () => {
    const { sampleId } = await sync(hub, 'c1', { patientId: 'P-0001', collectedAt: '2026-02-10T08:15:00.000Z', signedAt: '2026-02-10T11:00:00.000Z', wbcCount: 7.4, types: ['neutrophil'] });
    const body = (await get(`/review/samples/${sampleId}`)).body;
    expect(body).toContain('Patient <strong data-patient-id>P-0001</strong>');
    expect(body).toContain('collected 2026-02-10 08:15 UTC');
    expect(body).toContain('WBC 7.4 ×10⁹/L');
    expect(body).toContain('signed 2026-02-10 11:00 UTC by Dr Okafor');
    expect(body).toContain(`<a href="/review/samples/${sampleId}/print" data-print>Print</a>`);

    const anonymous = await sync(hub, 'c1', { patientId: null, signedAt: '2026-02-11T11:00:00.000Z', types: ['neutrophil'] });
    const none = (await get(`/review/samples/${anonymous.sampleId}`)).body;
    expect(none).toContain('no patient id');
    expect(none).toContain('collected at a time not recorded');
    expect(none).not.toContain('data-other-samples');
    const row = await hub.db.db.selectFrom('samples').select('patient_id').where('id', '=', anonymous.sampleId).executeTakeFirstOrThrow();
    expect(row.patient_id).toBeNull();
  });

  it("lists the patient's other samples of the same clinic, newest first with their differential, and never another clinic's", async () => {
    const patient = 'P-4711';
    const oldest = await sync(hub, 'c1', { patientId: patient, reference: 'S-old', signedAt: '2026-01-05T10:00:00.000Z', types: ['neutrophil', 'neutrophil', 'lymphocyte', 'monocyte'] });
    const middle = await sync(hub, 'c1', {
      patientId: patient,
      reference: 'S-mid',
      collectedAt: '2026-01-20T07:30:00.000Z',
      signedAt: '2026-01-20T12:00:00.000Z',
      types: ['neutrophil', 'lymphocyte', 'eosinophil', 'basophil', 'blast'],
    });
    const current = await sync(hub, 'c1', { patientId: patient, reference: 'S-now', signedAt: '2026-02-01T10:00:00.000Z', types: ['neutrophil'] });
    const otherPatient = await sync(hub, 'c1', { patientId: 'P-4712', signedAt: '2026-01-25T10:00:00.000Z', types: ['neutrophil'] });
    const otherClinic = await sync(hub, 'c2', { patientId: patient, signedAt: '2026-01-26T10:00:00.000Z', types: ['neutrophil'] });
    // A review of the oldest changes its line: one neutrophil is an eosinophil after it.
    await review(hub, oldest.sampleId, [{ cellId: oldest.cellIds[0], from: 'neutrophil', to: 'eosinophil' }], null);

    const body = (await get(`/review/samples/${current.sampleId}`)).body;
    expect(body).toContain('This patient&#39;s other samples at Clinic one');
    expect(listed(body)).toEqual([middle.sampleId, oldest.sampleId]);
    expect(body).not.toContain(otherClinic.sampleId);
    expect(body).not.toContain(otherPatient.sampleId);
    expect(line(body, middle.sampleId)).toBe(`<a href="/review/samples/${middle.sampleId}">S-mid</a> · collected 2026-01-20 07:30 UTC · N 20 % · L 20 % · M 0 % · E 20 % · B 20 % · Blasts 20 %`);
    expect(line(body, oldest.sampleId)).toBe(`<a href="/review/samples/${oldest.sampleId}">S-old</a> · signed 2026-01-05 10:00 UTC · N 25 % · L 25 % · M 25 % · E 25 % · B 0 % (after 1 review)`);

    // The same patient id at clinic c2: its page lists none of c1's, for a reviewer of c2 and for one of the whole network.
    const { password } = await provisionReviewer(hub.db.db, { login: 'cleo', name: 'Dr Cleo', clinicId: 'c2' }, new Date().toISOString());
    const cleo = await reviewerHeaders(hub, 'cleo', password);
    for (const who of [cleo, ada]) {
      const c2page = (await get(`/review/samples/${otherClinic.sampleId}`, who)).body;
      expect(c2page).toContain('Patient <strong data-patient-id>P-4711</strong>');
      expect(listed(c2page)).toEqual([]);
      for (const s of [oldest, middle, current]) expect(c2page).not.toContain(s.sampleId);
    }
    expect((await get(`/review/samples/${current.sampleId}`, cleo)).statusCode).toBe(404);
  });

  it('keeps the patient id out of the log: storing, the sample page, the print view and refusals', async () => {
    const lines: string[] = [];
    const logged = await buildHub({ ...hub.storage.config, logLevel: 'trace' }, { db: hub.db, logStream: { write: (l) => void lines.push(l) } });
    try {
      const secret = 'P-SECRET-4242';
      const payload = payloadOf({ patientId: secret, signedAt: '2026-02-02T10:00:00.000Z' }, null);
      const put = (body: unknown, token = hub.tokens.c1) =>
        logged.inject({ method: 'PUT', url: `/api/v1/samples/${payload.sample.id}/revisions/3`, headers: bearer(token), payload: body as Record<string, unknown> });
      expect((await put({ images: [], payload })).statusCode).toBe(200);
      // Refused: by the schema (an id far too long) and as another clinic's sample.
      expect((await put({ images: [], payload: { ...payload, sample: { ...payload.sample, patientId: secret.repeat(30) } } })).statusCode).toBe(400);
      expect((await put({ images: [], payload }, hub.tokens.c2)).statusCode).toBe(409);
      const headers = await reviewerHeaders({ app: logged, reviewer: hub.reviewer });
      for (const url of [`/review/samples/${payload.sample.id}`, `/review/samples/${payload.sample.id}/print`]) {
        const res = await logged.inject({ method: 'GET', url, headers });
        expect(res.statusCode).toBe(200);
        expect(res.body).toContain(secret);
      }
      expect(lines.length).toBeGreaterThan(5);
      expect(lines.filter((l) => l.includes('P-SECRET'))).toEqual([]);
    } finally {
      await logged.close();
    }
  });

  it('lists at most the 10 newest, and follows a corrected patient id in a newer revision', async () => {
    const patient = 'P-many';
    const ids: string[] = [];
    for (let day = 10; day < 22; day++) ids.push((await sync(hub, 'c1', { patientId: patient, signedAt: `2025-12-${day}T09:00:00.000Z` })).sampleId);
    const body = (await get(`/review/samples/${ids[0]}`)).body;
    expect(listed(body)).toEqual(ids.slice(2).reverse());
    expect(body).toContain('The 10 newest are shown.');
    // With no cells, the line is the differential the box signed.
    expect(line(body, ids[11])).toContain('N 0 % · L 0 % · M 0 % · E 0 % · B 0 %');

    // The box corrects the patient of the newest one in revision 4: it leaves this patient's list.
    const corrected = payloadOf({ patientId: 'P-other', signedAt: '2025-12-30T09:00:00.000Z', sampleId: ids[11], revision: 4 }, null);
    const put = await hub.app.inject({ method: 'PUT', url: `/api/v1/samples/${ids[11]}/revisions/4`, headers: bearer(hub.tokens.c1), payload: { images: [], payload: corrected } });
    expect(put.json().status).toBe('created');
    expect(listed((await get(`/review/samples/${ids[0]}`)).body)).toEqual(ids.slice(1, 11).reverse());
    expect((await otherSamplesOfPatient(hub.db.db, 'c1', 'P-other', randomUUID(), 10)).map((s) => s.id)).toEqual([ids[11]]);
  });
});

describe.each(ENGINES)('the print view (%s)', (engine) => {
  let hub: TestHub;
  let ada: Record<string, string>;
  let big: BigSample;
  beforeAll(async () => {
    hub = await testHub(engine);
    ada = await reviewerHeaders(hub);
    big = await syncBigSample(hub);
    await review(hub, big.sampleId, [{ cellId: big.cellIds[0], from: 'neutrophil', to: 'eosinophil' }], 'Cell 1 is an eosinophil <b>.', 'Dr Ada');
    await review(
      hub,
      big.sampleId,
      [
        { cellId: big.cellIds[4], from: 'neutrophil', to: 'band' },
        { cellId: big.cellIds[99], from: 'band', to: 'blast' },
      ],
      null,
      'Dr Bea',
    );
    await review(hub, big.sampleId, [], 'Agreed.', 'Dr Cy');
  });
  afterAll(async () => hub?.close());
  const get = (url: string, headers = ada) => hub.app.inject({ method: 'GET', url, headers });

  it('prints the sample, the patient, both differentials, every review with its changed cells and a signature line', async () => {
    const res = await get(`/review/samples/${big.sampleId}/print`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    const body = res.body;
    const identity = /<table class="identity"[\s\S]*?<\/table>/.exec(body)![0];
    for (const [k, v] of [
      ['Sample', 'S-100'],
      ['Patient', 'P-100'],
      ['Collected', 'not recorded'],
      ['Clinic', 'Clinic one (c1)'],
      ['Revision', '3'],
      ['Signed at the box', 'Dr Okafor, 2026-03-01 09:00 UTC'],
    ])
      expect(identity).toContain(`<tr><th>${k}</th><td>${v}</td></tr>`);
    expect(body).toContain('<caption>As signed at the box</caption>');
    expect(body).toContain('<caption>With the reviews so far</caption>');
    // After the reviews: 58 neutrophils, a blast for a haematologist's attention.
    expect(body).toMatch(/With the reviews so far<\/caption>[\s\S]*?<td>Neutrophils<\/td><td>58<\/td>/);
    expect(body).toContain('For a haematologist&#39;s attention: Blasts 1');
    expect(body).toContain('<h2>Flags</h2>');

    const blocks = [...body.matchAll(/<section class="review"[\s\S]*?<\/section>/g)].map((m) => m[0]);
    expect(blocks).toHaveLength(3);
    expect(blocks[0]).toMatch(/Dr Ada · signed \d{4}-\d\d-\d\d \d\d:\d\d UTC · of revision 3/);
    expect(blocks[0]).toContain('Comment: Cell 1 is an eosinophil &lt;b&gt;.');
    expect(blocks[0]).toContain(`<img class="crop" src="${cropUrl(big.sampleId, 3, big.cellIds[0])}"`);
    expect(blocks[0]).toMatch(/<td>cell 1<\/td><td>Neutrophils → Eosinophils<\/td>/);
    expect(blocks[1]).toMatch(/<td>cell 5<\/td><td>Neutrophils → Band neutrophils<\/td>/);
    expect(blocks[1]).toMatch(/<td>cell 100<\/td><td>Band neutrophils → Blasts<\/td>/);
    expect(blocks[2]).toContain('Comment: Agreed.');
    expect(blocks[2]).toContain('No cell changed');
    // The changed cells only: no gallery, no script, print CSS for A4.
    expect([...body.matchAll(/<img /g)]).toHaveLength(3);
    expect(body).not.toMatch(/<script/i);
    expect(body).toContain('@page{size:A4 portrait');
    expect(body).toContain('break-inside:avoid');
    expect(body).toContain('data-signature');
    // Each crop it shows is served.
    const crop = await get(cropUrl(big.sampleId, 3, big.cellIds[99]));
    expect(crop.statusCode).toBe(200);
    expect(crop.headers['content-type']).toBe('image/jpeg');
  });

  it("is refused for another clinic's sample and without signing in", async () => {
    const { password } = await provisionReviewer(hub.db.db, { login: 'cleo', name: 'Dr Cleo', clinicId: 'c2' }, new Date().toISOString());
    const other = await get(`/review/samples/${big.sampleId}/print`, await reviewerHeaders(hub, 'cleo', password));
    expect(other.statusCode).toBe(404);
    expect(other.body).not.toContain('P-100');
    expect((await get(`/review/samples/${randomUUID()}/print`)).statusCode).toBe(404);
    const anonymous = await hub.app.inject({ method: 'GET', url: `/review/samples/${big.sampleId}/print` });
    expect(anonymous.statusCode).not.toBe(200);
    expect(anonymous.body).not.toContain('P-100');
  });
});

/** A database of the engine at the schema before migration 006 (plain kysely, as the hub then was). */
async function openBefore(engine: Engine, storage: ReturnType<typeof hubStorage>): Promise<Kysely<any>> {
  let db: Kysely<any>;
  if (engine === 'sqlite') {
    db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(`${storage.config.dataDir}/${HUB_DB_FILE}`) }) });
  } else {
    const schema = storage.config.dbSchema!;
    const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, options: `-c search_path=${schema}` });
    db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
    await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(schema)}`.execute(db);
  }
  const before = Object.fromEntries(Object.entries(hubMigrations(engine)).filter(([name]) => name < '006-sample-patient'));
  const migrator = new Migrator({ db, provider: { getMigrations: async () => before }, ...(engine === 'postgres' ? { migrationTableSchema: storage.config.dbSchema! } : {}) });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error as Error;
  return db;
}

describe.each(ENGINES)('migration 006-sample-patient (%s)', (engine) => {
  it("fills samples.patient_id from each sample's newest stored revision", async () => {
    const storage = hubStorage(engine);
    try {
      const old = await openBefore(engine, storage);
      const at = '2026-01-01T00:00:00.000Z';
      await old.insertInto('clinics').values({ id: 'c1', name: 'Clinic one', review_seq: 0, created_at: at }).execute();
      const rows: [string, number, string | null][] = [];
      const ids = { corrected: randomUUID(), plain: randomUUID(), none: randomUUID(), empty: randomUUID() };
      // The corrected sample: revision 3 named P-1, revision 4 (its newest) names P-2.
      for (const [id, revision, patientId] of [
        [ids.corrected, 3, 'P-1'],
        [ids.corrected, 4, 'P-2'],
        [ids.plain, 3, 'P-1'],
        [ids.none, 3, null],
        [ids.empty, 3, ''],
      ] as const) {
        rows.push([id, revision, patientId]);
        const payload = payloadOf({ sampleId: id, revision, patientId, signedAt: at }, null);
        await old
          .insertInto('revisions')
          .values({ sample_id: id, revision, clinic_id: 'c1', device_id: 'd1', payload: JSON.stringify(payload), payload_sha256: 'x', images: '[]', received_at: at })
          .execute();
      }
      for (const id of Object.values(ids)) {
        const revision = id === ids.corrected ? 4 : 3;
        await old.insertInto('samples').values({ id, clinic_id: 'c1', device_id: 'd1', revision, reference: 'S', signed_at: at, counted: 0, received_at: at, updated_at: at }).execute();
      }
      await old.destroy();

      const hub = await storage.open();
      try {
        const got = Object.fromEntries((await hub.db.selectFrom('samples').select(['id', 'patient_id']).execute()).map((r) => [r.id, r.patient_id]));
        expect(got).toEqual({ [ids.corrected]: 'P-2', [ids.plain]: 'P-1', [ids.none]: null, [ids.empty]: null });
        expect((await otherSamplesOfPatient(hub.db, 'c1', 'P-1', randomUUID(), 10)).map((s) => s.id)).toEqual([ids.plain]);
      } finally {
        await hub.close();
      }
    } finally {
      await storage.drop();
    }
  });
});
