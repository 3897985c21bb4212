import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../../helpers/app.ts';
import { DEMO_IMAGES } from '../../helpers/paths.ts';

const post = (app: FastifyInstance, payload: Buffer | string, type = 'image/jpeg', query = '') =>
  app.inject({ method: 'POST', url: `/api/analyze${query}`, payload, headers: { 'content-type': type } });

describe('POST /api/analyze (constant-output fixture models)', () => {
  let app: FastifyInstance;
  let field: Buffer;
  beforeAll(async () => {
    app = await testApp({ maxUploadBytes: 2_000_000 });
    // 640x480 grey field: the fixture models ignore the pixels, so the result is known exactly.
    field = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#d8c8d0' } })
      .jpeg()
      .toBuffer();
  });
  afterAll(() => app.close());

  it('maps, thresholds, suppresses and fuses the members into cells', async () => {
    const res = await post(app, field);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.image).toMatchObject({ width: 640, height: 480, format: 'jpeg' });
    expect(body.fusion).toBe('paper');
    expect(body.members).toEqual([
      { id: 'fixed-a', detections: 2 },
      { id: 'fixed-b', detections: 2 },
    ]);
    // Input 64x64, scale 0.1, padY 8. Model a's box [8,8,24,24] (0.9 neutrophil) and model b's
    // [9,9,25,25] (0.9 eosinophil) fuse into one cell with a split vote; the lymphocyte (0.8) and
    // monocyte (0.85) boxes fuse into one cell typed by the larger confidence.
    expect(body.cells).toHaveLength(2);
    const [first, second] = body.cells;
    expect(first.review).toBe(true);
    expect(first.votes).toMatchObject({ neutrophil: 1, eosinophil: 1 });
    expect(first.box[0]).toBeCloseTo(85, 0);
    expect(first.box[1]).toBeCloseTo(5, 0);
    expect(first.confidence).toBeCloseTo(0.45, 3);
    expect(second.type).toBe('monocyte');
    expect(second.confidence).toBeCloseTo(0.425, 3);
    expect(second.agreement).toBe(0.5);
    expect(body.differential.total).toBe(2);
    expect(body.differential.counts.monocyte).toBe(1);
  });

  it('runs a single member or another fusion mode on request', async () => {
    const single = (await post(app, field, 'image/jpeg', '?ensemble=single:fixed-b')).json();
    expect(single.fusion).toBe('single:fixed-b');
    expect(single.cells.map((c: { type: string }) => c.type).sort()).toEqual(['eosinophil', 'monocyte']);
    const wbf = (await post(app, field, 'image/jpeg', '?ensemble=wbf')).json();
    expect(wbf.fusion).toBe('wbf');
    // WBF clusters per type, four boxes on two cells; one cell per leukocyte keeps both types' votes.
    expect(wbf.cells).toHaveLength(2);
    for (const cell of wbf.cells) expect(Object.values(cell.votes).filter((v) => v !== 0)).toHaveLength(2);
  });

  it('analyses a real demo field', async () => {
    const demo = readdirSync(DEMO_IMAGES).find((f) => /\.jpe?g$/i.test(f))!;
    const res = await post(app, readFileSync(path.join(DEMO_IMAGES, demo)));
    expect(res.statusCode).toBe(200);
    expect(res.json().image.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('analyses a greyscale image with one warning that types are unreliable', async () => {
    const demo = readdirSync(DEMO_IMAGES).find((f) => /\.jpe?g$/i.test(f))!;
    const grey = await sharp(path.join(DEMO_IMAGES, demo)).greyscale().toColourspace('b-w').png().toBuffer();
    expect((await sharp(grey).metadata()).channels).toBe(1);
    const body = (await post(app, grey, 'image/png')).json();
    expect(body.cells).toHaveLength(2);
    expect(body.quality.warnings.filter((w: { code: string }) => w.code === 'greyscale')).toHaveLength(1);
  });

  it('analyses at a given scale, and says which fix a magnification too low for typing needs', async () => {
    const body = (await post(app, field, 'image/jpeg', '?scale=0.75')).json();
    expect(body.scale).toMatchObject({ umPerPixel: 0.75, source: 'given' });
    expect(body.quality.warnings).toContainEqual({ code: 'scale_out_of_range', reason: 'too_low', message: expect.stringMatching(/^magnification too low for typing/) });
    const res = await post(app, field, 'image/jpeg', '?scale=lots');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'bad_scale', message: expect.stringMatching(/^scale must be a positive number of micrometres per pixel/) });
  });

  it('applies EXIF orientation before analysis', async () => {
    const rotated = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#d8c8d0' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const body = (await post(app, rotated)).json();
    expect(body.image).toMatchObject({ width: 480, height: 640 });
  });

  it.each([
    ['an empty body', Buffer.alloc(0), 'image/jpeg', 400],
    ['a text file', Buffer.from('hello, not an image'), 'image/jpeg', 400],
    ['a PDF', Buffer.from('%PDF-1.4\n1 0 obj\n<<>>\nendobj\n'), 'application/octet-stream', 400],
  ])('refuses %s with a 4xx and a message', async (_name, payload, type, status) => {
    const res = await post(app, payload, type);
    expect(res.statusCode).toBe(status);
    expect(res.json()).toMatchObject({ error: expect.any(String), message: expect.any(String) });
  });

  it('refuses an upload over the size limit with 413', async () => {
    const res = await post(app, Buffer.alloc(2_000_001, 1));
    expect(res.statusCode).toBe(413);
    expect(res.json().error).toBeTruthy();
  });

  it('refuses an unsupported content type with 415', async () => {
    const res = await post(app, 'x', 'text/plain');
    expect(res.statusCode).toBe(415);
  });

  it('refuses an unknown fusion mode with 400 naming the choices', async () => {
    const res = await post(app, field, 'image/jpeg', '?ensemble=vote');
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/paper/);
  });
});
