import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CellClass } from '../../src/contracts/vocabulary.ts';
import { tally } from '../../src/hub/web/model.ts';
import { computeDifferential } from '../../src/box/workflow/differential.ts';
import { ADULT_RANGES } from '../../src/box/workflow/settings.ts';
import { bearer, ENGINES, reviewerHeaders, testHub, type TestHub, putImage } from './helpers.ts';
import { image, report } from './fixtures.ts';

const TYPES: CellClass[] = ['neutrophil', 'neutrophil', 'band', 'blast', 'reactive_lymphocyte', 'nrbc', 'smudge', 'unclassified'];

/** A signed report whose cells a person typed with the classes beyond the five, differential as the box computes it. */
function reportWithNewClasses(img: string) {
  const r = report({ images: [img], cells: TYPES.map(() => randomUUID()) });
  r.fields[0]!.cells.forEach((c, i) => (c.type = TYPES[i]!));
  const differential = computeDifferential(
    r.fields[0]!.cells.map((c) => ({ id: c.id, type: c.type as CellClass, flagged: false, reviewedAt: '2026-03-01T09:00:00.000Z', source: 'corrected' as const })),
    { targetCount: 100, referenceRanges: ADULT_RANGES },
    null,
  );
  return { ...r, differential };
}

describe('hub tally of the cell classes', () => {
  it('counts as the box does: NRBC and smudge outside the leukocytes, per 100 of them', () => {
    const d = tally(TYPES);
    expect(d.rows.reduce((n, r) => n + r.count, 0)).toBe(6);
    expect(d.rows.find((r) => r.type === 'band')).toEqual({ type: 'band', count: 1, percent: 16.7 });
    expect(d.rows.some((r) => r.type === 'nrbc' || r.type === 'smudge' || r.type === 'not_leukocyte')).toBe(false);
    expect(d.nonLeukocytes).toEqual([
      { type: 'nrbc', count: 1, per100: 16.7 },
      { type: 'smudge', count: 1, per100: 16.7 },
    ]);
    expect(d.attention).toEqual([
      { type: 'blast', count: 1 },
      { type: 'nrbc', count: 1 },
    ]);
    expect(tally(['nrbc']).nonLeukocytes[0]).toEqual({ type: 'nrbc', count: 1, per100: null });
  });
});

describe.each(ENGINES)('hub with the cell classes beyond the five (%s)', (engine) => {
  let hub: TestHub;
  let sample: ReturnType<typeof reportWithNewClasses>;
  beforeAll(async () => {
    hub = await testHub(engine);
    const img = image();
    await putImage(hub, img);
    sample = reportWithNewClasses(img.sha256);
    session = await reviewerHeaders(hub);
  });
  afterAll(async () => hub?.close());
  let session: { cookie: string };
  const reviewer = () => session;

  it('accepts the signed revision and shows every class, NRBC per 100 leukocytes and the haematologist flag', async () => {
    const put = await hub.app.inject({
      method: 'PUT',
      url: `/api/v1/samples/${sample.sample.id}/revisions/3`,
      headers: bearer(hub.tokens.c1),
      payload: { images: sample.fields.map((f) => f.image.sha256), payload: sample },
    });
    expect(put.statusCode).toBe(200);
    expect(put.json().status).toBe('created');
    const list = await hub.app.inject({ method: 'GET', url: '/review', headers: reviewer() });
    expect(list.body).toMatch(/<td>6<\/td>/); // cells counted: NRBC and smudge are not leukocytes
    const page = await hub.app.inject({ method: 'GET', url: `/review/samples/${sample.sample.id}`, headers: reviewer() });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Band neutrophils</td><td>1</td><td>16.7</td>');
    expect(page.body).toContain('Reactive lymphocytes</td><td>1</td>');
    expect(page.body).toContain('<tr data-outside="nrbc"><td>NRBC (nucleated red cells)</td><td>1</td><td>16.7 per 100 leukocytes</td></tr>');
    expect(page.body).toContain('Smudge cells</td><td>1</td>');
    expect(page.body).toContain('For a haematologist&#39;s attention: Blasts 1, NRBC (nucleated red cells) 1');
    // The review form offers the new classes, the cell's own selected.
    expect(page.body).toContain('<option value="immature_granulocyte">Immature granulocytes</option>');
    expect(page.body).toContain('<option value="band" selected>Band neutrophils</option>');
  });

  it('lets a reviewer move a cell to a new class, and the box pulls that change', async () => {
    const band = sample.fields[0]!.cells[2]!;
    const res = await hub.app.inject({
      method: 'POST',
      url: `/review/samples/${sample.sample.id}/reviews`,
      headers: { ...reviewer(), origin: 'http://localhost:80', host: 'localhost:80', 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ revision: '3', reviewsSeen: '0', password: hub.reviewer.password, [`cell.${band.id}`]: 'immature_granulocyte' }).toString(),
    });
    expect(res.statusCode).toBe(303);
    const pulled = (await hub.app.inject({ method: 'GET', url: '/api/v1/reviews?after=0', headers: bearer(hub.tokens.c1) })).json();
    expect(pulled.reviews[0].changes).toEqual([{ cellId: band.id, from: 'band', to: 'immature_granulocyte' }]);
  });
});
