/** Issue 21, finding 7 (hub storage): one device cannot fill the hub; past its quota it gets 507 quota_exceeded. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, countRows, ENGINES, testHub, type TestHub } from '../hub/helpers.ts';
import { image } from '../hub/fixtures.ts';

describe.each(ENGINES)('hub: per-device storage quota (%s)', (engine) => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await testHub(engine, { deviceQuotaBytes: 10_000 });
  });
  afterAll(async () => hub?.close());

  const put = (token: string, img: { bytes: Buffer; sha256: string }, start = 0, end = img.bytes.length) =>
    hub.app.inject({
      method: 'PUT',
      url: `/api/v1/images/${img.sha256}?start=${start}&total=${img.bytes.length}&encoding=identity`,
      headers: { ...bearer(token), 'content-type': 'application/octet-stream' },
      payload: img.bytes.subarray(start, end),
    });

  it('counts images and parts against the sending device and refuses what would go past its quota', async () => {
    expect((await put(hub.tokens.c1, image(6000))).json()).toMatchObject({ complete: true });
    // 6000 held + 6000 declared > 10000: refused before any byte is stored.
    const refused = await put(hub.tokens.c1, image(6000), 0, 1000);
    expect(refused.statusCode).toBe(507);
    const body = refused.json();
    expect(Object.keys(body).sort()).toEqual(['error', 'message']);
    expect(body.error).toBe('quota_exceeded');
    expect(body.message).toMatch(/quota.*LEUKODIFF_HUB_DEVICE_QUOTA_BYTES/);
    expect(refused.headers['retry-after']).toBeDefined();
    expect(await countRows(hub.db, 'upload_parts')).toBe(0);
    // What still fits is accepted, and another device (another clinic) has its own quota.
    expect((await put(hub.tokens.c1, image(3000))).json()).toMatchObject({ complete: true });
    expect((await put(hub.tokens.c2, image(6000))).json()).toMatchObject({ complete: true });
  });
});
