import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../../helpers/app.ts';
import { analysed, createSample, createUsers, fieldJpeg, upload } from '../../helpers/workflow.ts';

/** The classes only a person gives, through the HTTP API: set, added, shown on the differential and the report. */
describe('cell classes beyond the five (API)', () => {
  let app: FastifyInstance;
  let users: { supervisor: string; nurse: string };
  beforeAll(async () => {
    app = await testApp();
    users = await createUsers(app);
  });
  afterAll(() => app.close());

  it('reclassifies and adds cells as band, blast, NRBC...; the differential and report carry them', async () => {
    const id = await createSample(app, { reference: 'CLASS-1' }, users.nurse);
    await upload(app, id, await fieldJpeg(71), {}, users.nurse);
    let sample = await analysed(app, id);
    // Fixture fields may carry quality warnings: keep the field so that its cells count.
    await app.inject({ method: 'POST', url: `/api/fields/${sample.fields[0].id}/keep`, payload: {} });
    sample = await analysed(app, id);
    const [a, b] = sample.fields[0].cells as { id: string }[];
    let res = await app.inject({ method: 'PATCH', url: `/api/cells/${a!.id}`, payload: { type: 'band' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ type: 'band', source: 'corrected', reviewed: true });
    res = await app.inject({ method: 'PATCH', url: `/api/cells/${b!.id}`, payload: { type: 'blast' } });
    expect(res.json().type).toBe('blast');
    res = await app.inject({ method: 'POST', url: `/api/fields/${sample.fields[0].id}/cells`, payload: { box: [300, 200, 360, 260], type: 'nrbc' } });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ type: 'nrbc', source: 'added' });

    const d = (await app.inject({ url: `/api/samples/${id}` })).json().differential;
    // Band and blast are leukocytes of the count; the NRBC is not.
    expect(d.counted).toBe(sample.differential.counted);
    expect(d.rows.find((r: { type: string }) => r.type === 'band').count).toBe(1);
    expect(d.nonLeukocytes).toEqual([
      { type: 'nrbc', count: 1, per100: expect.any(Number) },
      { type: 'smudge', count: 0, per100: 0 },
    ]);
    expect(d.attention).toEqual([
      { type: 'blast', count: 1 },
      { type: 'nrbc', count: 1 },
    ]);
    expect((await app.inject({ url: `/api/samples/${id}/differential` })).json().attention).toHaveLength(2);
    const report = (await app.inject({ url: `/api/samples/${id}/report` })).json();
    expect(report.differential.attention).toHaveLength(2);
    const html = (await app.inject({ url: `/api/samples/${id}/report.html` })).body;
    expect(html).toContain("For a haematologist's attention");
  });

  it('refuses a class it does not know with a 400', async () => {
    const id = await createSample(app, { reference: 'CLASS-2' }, users.nurse);
    await upload(app, id, await fieldJpeg(72), {}, users.nurse);
    const [a] = (await analysed(app, id)).fields[0].cells as { id: string }[];
    const res = await app.inject({ method: 'PATCH', url: `/api/cells/${a!.id}`, payload: { type: 'promyelocyte' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'invalid_request', message: expect.stringContaining('allowed values') });
  });
});
