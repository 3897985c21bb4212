/** Issue 21 (low): the hub validates a whole incoming report; one naming images it lacks, or malformed, is refused. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, countRows, ENGINES, reviewerHeaders, testHub, type TestHub, putImage } from '../hub/helpers.ts';
import { image, report } from '../hub/fixtures.ts';

describe.each(ENGINES)('hub: incoming report schema (%s)', (engine) => {
  let hub: TestHub;
  let img: ReturnType<typeof image>;
  beforeAll(async () => {
    hub = await testHub(engine);
    img = image();
    await putImage(hub, img);
  });
  afterAll(async () => hub?.close());

  const send = (payload: ReturnType<typeof report>, images: string[]) =>
    hub.app.inject({ method: 'PUT', url: `/api/v1/samples/${payload.sample.id}/revisions/3`, headers: bearer(hub.tokens.c1), payload: { images, payload } });

  it('refuses a report whose fields show an image the hub does not hold, even when the list omits it', async () => {
    const absent = image().sha256;
    const res = await send(report({ images: [img.sha256, absent] }), [img.sha256]);
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ error: 'images_missing', missing: [absent] });
    expect(await countRows(hub.db, 'revisions')).toBe(0);
  });

  it('refuses malformed reports that would break the reviewer page, and renders a well-formed one', async () => {
    type Mutable = Record<string, unknown> & { fields: Record<string, unknown>[] & { cells: Record<string, unknown>[] }[] };
    const cases: ((r: Mutable) => void)[] = [
      (r) => (r.fields[0].cells = 5 as never),
      (r) => (r.fields[0].cells[0].box = [1, 2, 3]),
      (r) => (r.fields[0].cells[0].confidence = 'high'),
      (r) => (r.fields[0].cells[0].type = '<b>Alien</b>'),
      (r) => (r.fields[0].cells[0].id = 'not-a-uuid'),
      (r) => (r.fields[0].image = { sha256: img.sha256, width: 0, height: 480 }),
      (r) => ((r.differential as Record<string, unknown>).rows = [{ type: 'neutrophil', count: -1, percent: 50 }]),
      (r) => ((r.differential as Record<string, unknown>).flags = [{ html: 1 }]),
      (r) => ((r.people as Record<string, unknown>).signedBy = 'Dr X'),
    ];
    for (const mutate of cases) {
      const r = report({ images: [img.sha256] });
      mutate(r as unknown as Mutable);
      const res = await send(r, [img.sha256]);
      expect(res.statusCode, JSON.stringify(r.fields[0])).toBe(400);
      expect(res.json().error).toBe('invalid_request');
    }
    expect(await countRows(hub.db, 'revisions')).toBe(0);
    const good = report({ images: [img.sha256] });
    expect((await send(good, [img.sha256])).statusCode).toBe(200);
    const page = await hub.app.inject({ method: 'GET', url: `/review/samples/${good.sample.id}`, headers: await reviewerHeaders(hub) });
    expect(page.statusCode).toBe(200);
  });

  it('takes a report from a newer box with a class this hub does not know, and shows it by name', async () => {
    const r = report({ images: [img.sha256] });
    (r.fields[0]!.cells[0] as { type: string }).type = 'hairy_cell';
    expect((await send(r, [img.sha256])).statusCode).toBe(200);
    const page = await hub.app.inject({ method: 'GET', url: `/review/samples/${r.sample.id}`, headers: await reviewerHeaders(hub) });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('hairy cell');
  });
});
