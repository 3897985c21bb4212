import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, countRows, ENGINES, testHub, type TestHub } from './helpers.ts';
import { image } from './fixtures.ts';

describe.each(ENGINES)('hub images (%s)', (engine) => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await testHub(engine, { maxRequestBytes: 16 * 1024, maxImageBytes: 200_000 });
  });
  afterAll(async () => hub?.close());

  const put = (token: string, sha256: string, data: Buffer, start: number, total: number, encoding = 'identity') =>
    hub.app.inject({
      method: 'PUT',
      url: `/api/v1/images/${sha256}?start=${start}&total=${total}&encoding=${encoding}`,
      headers: { ...bearer(token), 'content-type': 'application/octet-stream' },
      payload: data,
    });
  const missing = async (token: string, hashes: string[]) => {
    const res = await hub.app.inject({ method: 'POST', url: '/api/v1/images/missing', headers: bearer(token), payload: { sha256: hashes } });
    expect(res.statusCode).toBe(200);
    return res.json().missing as { sha256: string; received: number; encoding: string | null; total: number | null }[];
  };

  it('refuses requests without a valid device token', async () => {
    expect((await hub.app.inject({ method: 'POST', url: '/api/v1/images/missing', payload: { sha256: [] } })).statusCode).toBe(401);
    const wrong = hub.tokens.c1.slice(0, -4) + 'AAAA';
    expect((await hub.app.inject({ method: 'GET', url: '/api/v1/ping', headers: bearer(wrong) })).statusCode).toBe(401);
    const ping = await hub.app.inject({ method: 'GET', url: '/api/v1/ping', headers: bearer(hub.tokens.c1) });
    expect(ping.statusCode).toBe(200);
    expect(ping.json().device.clinicId).toBe('c1');
    expect(ping.json().limits.maxRequestBytes).toBe(16 * 1024);
  });

  it('assembles an image from parts, resumes after a lost part and acknowledges a repeated part', async () => {
    const img = image(40_000);
    expect(await missing(hub.tokens.c1, [img.sha256])).toEqual([{ sha256: img.sha256, received: 0, encoding: null, total: null }]);
    const part = (i: number) => img.bytes.subarray(i * 16_000, (i + 1) * 16_000);
    expect((await put(hub.tokens.c1, img.sha256, part(0), 0, 40_000)).json()).toMatchObject({ complete: false, received: 16_000 });
    // The box lost the answer and sends the same part again: acknowledged, nothing stored twice.
    expect((await put(hub.tokens.c1, img.sha256, part(0), 0, 40_000)).json()).toMatchObject({ complete: false, received: 16_000 });
    // A part beyond what the hub holds is refused with where to continue.
    const gap = await put(hub.tokens.c1, img.sha256, part(2), 32_000, 40_000);
    expect(gap.statusCode).toBe(409);
    expect(gap.json()).toMatchObject({ error: 'offset_mismatch', received: 16_000 });
    expect(await missing(hub.tokens.c1, [img.sha256])).toEqual([{ sha256: img.sha256, received: 16_000, encoding: 'identity', total: 40_000 }]);
    expect((await put(hub.tokens.c1, img.sha256, part(1), 16_000, 40_000)).json()).toMatchObject({ complete: false, received: 32_000 });
    expect((await put(hub.tokens.c1, img.sha256, part(2), 32_000, 40_000)).json()).toMatchObject({ complete: true });
    expect(await missing(hub.tokens.c1, [img.sha256])).toEqual([]);
    // A retry after completion is acknowledged as complete.
    expect((await put(hub.tokens.c1, img.sha256, part(2), 32_000, 40_000)).json()).toMatchObject({ complete: true });
    const { imageBytes } = await import('../../src/hub/repo/images.ts');
    expect((await imageBytes(hub.db.db, 'c1', img.sha256))!.equals(img.bytes)).toBe(true);
  });

  it('keeps each clinic’s images to itself', async () => {
    const img = image(1000);
    expect((await put(hub.tokens.c1, img.sha256, img.bytes, 0, 1000)).json()).toMatchObject({ complete: true });
    expect(await missing(hub.tokens.c1, [img.sha256])).toEqual([]);
    expect((await missing(hub.tokens.c2, [img.sha256])).map((m) => m.sha256)).toEqual([img.sha256]);
  });

  it('decodes gzip streams and checks the hash of the decoded bytes', async () => {
    const bytes = Buffer.alloc(50_000, 7);
    const { sha256 } = { sha256: (await import('./fixtures.ts')).sha(bytes) };
    const gz = gzipSync(bytes);
    expect((await put(hub.tokens.c1, sha256, gz, 0, gz.length, 'gzip')).json()).toMatchObject({ complete: true });
    const { imageBytes } = await import('../../src/hub/repo/images.ts');
    expect((await imageBytes(hub.db.db, 'c1', sha256))!.equals(bytes)).toBe(true);
  });

  it('refuses bytes that do not match the hash, and starts over', async () => {
    const img = image(2000);
    const other = image(2000);
    const res = await put(hub.tokens.c1, img.sha256, other.bytes, 0, 2000);
    expect(res.statusCode).toBe(422);
    expect(res.json().error).toBe('hash_mismatch');
    expect(await missing(hub.tokens.c1, [img.sha256])).toEqual([{ sha256: img.sha256, received: 0, encoding: null, total: null }]);
    expect((await put(hub.tokens.c1, img.sha256, img.bytes, 0, 2000)).json()).toMatchObject({ complete: true });
  });

  it('refuses an image over the limit and a request over the size cap', async () => {
    const big = image(300_000);
    const res = await put(hub.tokens.c1, big.sha256, big.bytes.subarray(0, 1000), 0, 300_000);
    expect(res.statusCode).toBe(413);
    const bomb = gzipSync(Buffer.alloc(400_000));
    const { sha } = await import('./fixtures.ts');
    const res2 = await put(hub.tokens.c1, sha(Buffer.alloc(400_000)), bomb, 0, bomb.length, 'gzip');
    expect(res2.statusCode).toBe(413);
    const tooBigPart = image(20_000);
    const res3 = await put(hub.tokens.c1, tooBigPart.sha256, tooBigPart.bytes, 0, 20_000);
    expect(res3.statusCode).toBe(413);
    expect(await countRows(hub.db, 'upload_parts')).toBe(0);
  });
});
