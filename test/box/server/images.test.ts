import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../../helpers/app.ts';
import { analysed, createSample, fieldJpeg, upload } from '../../helpers/workflow.ts';

describe('field images, thumbnails and cell crops', () => {
  let app: FastifyInstance;
  let dataDir: string;
  let jpeg: Buffer;
  let sample: { fields: { id: string; image: { sha256: string }; cells: { id: string; box: number[] }[] }[] };
  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'leukodiff-img-api-'));
    app = await testApp({ dataDir });
    const id = await createSample(app, { reference: 'IMG-1' });
    jpeg = await fieldJpeg(3);
    await upload(app, id, jpeg);
    sample = await analysed(app, id);
  });
  afterAll(async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves the photo as uploaded, cacheable by its sha256', async () => {
    const f = sample.fields[0];
    const res = await app.inject({ url: `/api/fields/${f.id}/image` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/jpeg');
    expect(res.headers.etag).toBe(`"${f.image.sha256}"`);
    expect(res.headers['cache-control']).toContain('immutable');
    expect(res.rawPayload).toEqual(jpeg);
    const again = await app.inject({ url: `/api/fields/${f.id}/image`, headers: { 'if-none-match': `"${f.image.sha256}"` } });
    expect(again.statusCode).toBe(304);
    expect(again.rawPayload.length).toBe(0);
  });

  it('serves a 320-pixel JPEG thumbnail', async () => {
    const res = await app.inject({ url: `/api/fields/${sample.fields[0].id}/thumbnail` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/jpeg');
    const meta = await sharp(res.rawPayload).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 320, 240]);
  });

  it('serves each cell as a crop around its box, made once', async () => {
    const [cell] = sample.fields[0].cells;
    const res = await app.inject({ url: `/api/cells/${cell.id}/crop` });
    expect(res.statusCode).toBe(200);
    const meta = await sharp(res.rawPayload).metadata();
    // Box 160x160 plus a quarter on each side, clipped at the top edge (y1 = 5), scaled to at most 256.
    expect(meta.format).toBe('jpeg');
    expect(Math.max(meta.width!, meta.height!)).toBeLessThanOrEqual(256);
    expect(meta.width! / meta.height!).toBeCloseTo(240 / 205, 1);
    const etag = res.headers.etag as string;
    expect((await app.inject({ url: `/api/cells/${cell.id}/crop`, headers: { 'if-none-match': etag } })).statusCode).toBe(304);
  });

  it('makes crops of a cell added by hand on first request', async () => {
    const f = sample.fields[0];
    const added = (await app.inject({ method: 'POST', url: `/api/fields/${f.id}/cells`, payload: { box: [500, 300, 560, 380], type: 'basophil' } })).json();
    const res = await app.inject({ url: `/api/cells/${added.id}/crop` });
    expect(res.statusCode).toBe(200);
    const meta = await sharp(res.rawPayload).metadata();
    expect([meta.width, meta.height]).toEqual([90, 120]);
  });

  it('keeps derived images under the data folder, keyed by the image hash', () => {
    const crops = readdirSync(path.join(dataDir, 'derived', 'crop'));
    expect(crops.length).toBe(3);
    expect(crops.every((f) => f.startsWith(sample.fields[0].image.sha256))).toBe(true);
    expect(readdirSync(path.join(dataDir, 'derived', 'thumb'))).toEqual([`${sample.fields[0].image.sha256}-w320.jpg`]);
  });
});
