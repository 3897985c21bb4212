/** Issue 21, finding 7 (hub storage): an image upload left unfinished expires with its parts. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHub } from '../../src/hub/server.ts';
import { bearer, countRows, ENGINES, testHub, type TestHub } from '../hub/helpers.ts';
import { image } from '../hub/fixtures.ts';

describe.each(ENGINES)('hub: unfinished uploads expire (%s)', (engine) => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await testHub(engine, { uploadTtlSeconds: 3600 });
  });
  afterAll(async () => hub?.close());

  const part = (img: { bytes: Buffer; sha256: string }, start: number, end: number) =>
    hub.app.inject({
      method: 'PUT',
      url: `/api/v1/images/${img.sha256}?start=${start}&total=${img.bytes.length}&encoding=identity`,
      headers: { ...bearer(hub.tokens.c1), 'content-type': 'application/octet-stream' },
      payload: img.bytes.subarray(start, end),
    });
  const missing = async (sha256: string) => (await hub.app.inject({ method: 'POST', url: '/api/v1/images/missing', headers: bearer(hub.tokens.c1), payload: { sha256: [sha256] } })).json().missing[0];

  it('removes the parts of an upload older than uploadTtlSeconds, keeps a recent one, and the box starts again from 0', async () => {
    const old = image(4000);
    const recent = image(4000);
    expect((await part(old, 0, 1000)).json()).toMatchObject({ complete: false, received: 1000 });
    expect((await part(recent, 0, 1000)).json()).toMatchObject({ complete: false, received: 1000 });
    expect(await countRows(hub.db, 'upload_parts')).toBe(2);
    // The first started an hour and a minute ago, the second a minute ago.
    const ago = (s: number) => new Date(Date.now() - s * 1000).toISOString();
    await hub.db.db
      .updateTable('uploads')
      .set({ started_at: ago(3660) })
      .where('sha256', '=', old.sha256)
      .execute();
    await hub.db.db
      .updateTable('uploads')
      .set({ started_at: ago(60) })
      .where('sha256', '=', recent.sha256)
      .execute();

    // A hub process sweeps as it starts (and then periodically).
    const second = await buildHub(hub.storage.config, { db: hub.db, logger: false });
    await second.close();

    expect(await countRows(hub.db, 'upload_parts')).toBe(1);
    expect(await missing(old.sha256)).toEqual({ sha256: old.sha256, received: 0, encoding: null, total: null });
    expect((await missing(recent.sha256)).received).toBe(1000);
    // Resuming the expired one is told to start over; from 0 it completes.
    expect((await part(old, 1000, 4000)).json()).toMatchObject({ error: 'offset_mismatch', received: 0 });
    expect((await part(old, 0, 4000)).json()).toMatchObject({ complete: true });
  });
});
