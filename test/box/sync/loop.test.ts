/**
 * The box's sync against an in-process hub on a real port: delivery, reviews coming back as
 * revisions, items set aside without blocking the rest, a revoked token, compression, resuming a
 * half-sent image, and the link coming back while the box backs off.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { revokeDevice } from '../../../src/hub/repo/devices.ts';
import { imageBytes } from '../../../src/hub/repo/images.ts';
import { getSample } from '../../../src/hub/repo/samples.ts';
import { bearer, countRows, reviewerHeaders, testHub, type TestHub } from '../../hub/helpers.ts';
import { sha } from '../../hub/fixtures.ts';
import { multipart, seeAllCells, SHORT_REASON, SUPERVISOR_PIN } from '../../helpers/workflow.ts';
import { FaultyProxy } from './harness/proxy.ts';
import { noisyJpeg, smoothTiff } from './harness/images.ts';
import { rng } from './harness/rng.ts';
import { freePort } from '../../../scripts/lib/daemon.ts';
import { injector, signedSample, testBox, until } from './box.ts';
import { waitForEvent } from './sse.ts';

const get = async (app: FastifyInstance, url: string) => (await app.inject({ url })).json();

describe('box sync to a hub', () => {
  let hub: TestHub;
  let url: string;
  const boxes: FastifyInstance[] = [];
  const box = async (...args: Parameters<typeof testBox>) => {
    const b = await testBox(...args);
    boxes.push(b.app);
    return b;
  };
  beforeAll(async () => {
    hub = await testHub('sqlite', { maxRequestBytes: 32 * 1024, maxImageBytes: 200_000 });
    await hub.app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(hub.app.server.address() as { port: number }).port}`;
  });
  afterEach(async () => {
    for (const b of boxes.splice(0)) await b.close();
  });
  afterAll(async () => hub?.close());

  it('delivers signed samples with their images; the sample list shows them synced', async () => {
    const { app, users } = await box({ hubUrl: url, hubToken: hub.tokens.c1 });
    const req = injector(app);
    const ids = [await signedSample(req, users.supervisor, 1), await signedSample(req, users.supervisor, 2, 2)];
    await until('delivery', async () => (await get(app, '/api/sync')).backlog.pending === 0);
    expect(await get(app, '/api/sync')).toMatchObject({ enabled: true, backlog: { pending: 0, setAside: 0 }, device: { clinicId: 'c1' } });
    const list = await get(app, '/api/samples');
    for (const id of ids) {
      const item = list.items.find((s: { id: string }) => s.id === id);
      expect(item.status).toBe('synced');
      expect(item.sync).toMatchObject({ state: 'synced', setAside: false, revision: item.signedRevision });
      const atHub = await getSample(hub.db.db, id, 'c1');
      expect(atHub!.revision).toBe(item.signedRevision);
    }
  });

  it('turns a review signed at the hub into a new revision at the box, once, with an audit entry and an event', async () => {
    const { app, users, dataDir } = await box({ hubUrl: url, hubToken: hub.tokens.c1 });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    const req = injector(app);
    const id = await signedSample(req, users.supervisor, 3);
    await until('delivery', async () => (await get(app, `/api/samples/${id}`)).status === 'synced');
    const before = await get(app, `/api/samples/${id}`);
    const cell = before.fields[0].cells[0];
    const to = cell.type === 'monocyte' ? 'basophil' : 'monocyte';
    const event = waitForEvent(base, (e) => e.type === 'sync.changed' && e.state === 'reviewed' && e.sampleId === id);
    const form = await hub.app.inject({
      method: 'POST',
      url: `/review/samples/${id}/reviews`,
      headers: { ...(await reviewerHeaders(hub)), origin: 'http://localhost', 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ revision: String(before.signedRevision), reviewsSeen: '0', password: hub.reviewer.password, [`cell.${cell.id}`]: to, comment: 'eosinophilia?' }).toString(),
    });
    expect(form.statusCode).toBe(303);
    await app.inject({ method: 'POST', url: '/api/sync/run' });
    const e = await event;
    expect(e.message).toMatch(/Dr Ada.*1 cell reclassified/);
    const after = await get(app, `/api/samples/${id}`);
    expect(after.revision).toBe(before.revision + 1);
    expect(after.status).toBe('synced');
    expect(after.fields[0].cells.find((c: { id: string }) => c.id === cell.id)).toMatchObject({ type: to, source: 'corrected' });
    const audit = (await get(app, `/api/samples/${id}/audit`)) as { action: string; reason: string | null; detail: { applied: unknown[] } }[];
    const reviews = audit.filter((a) => a.action === 'hub.review');
    expect(reviews).toHaveLength(1);
    expect(reviews[0].reason).toContain('review by Dr Ada at the hub: eosinophilia?');
    expect(reviews[0].detail.applied).toHaveLength(1);
    // The cursor lost (a box restored from a backup): the same review comes again and is recognised.
    const db = new Database(path.join(dataDir, 'leukodiff.db'));
    db.prepare("DELETE FROM sync_state WHERE key = 'review_cursor'").run();
    db.close();
    await app.inject({ method: 'POST', url: '/api/sync/run' });
    await until('cursor back', async () => {
      const check = new Database(path.join(dataDir, 'leukodiff.db'), { readonly: true });
      try {
        return check.prepare("SELECT 1 FROM sync_state WHERE key = 'review_cursor'").get() !== undefined;
      } finally {
        check.close();
      }
    });
    const again = await get(app, `/api/samples/${id}`);
    expect(again.revision).toBe(after.revision);
    expect(((await get(app, `/api/samples/${id}/audit`)) as { action: string }[]).filter((a) => a.action === 'hub.review')).toHaveLength(1);
    expect((await get(app, '/api/sync')).reviews.applied).toBe(1);
  });

  it('sets aside what the hub refuses, with the reason shown, and delivers the rest', async () => {
    const a = await box({ hubUrl: url, hubToken: hub.tokens.c1 });
    const shared = await signedSample(injector(a.app), a.users.supervisor, 4);
    await until('delivery', async () => (await get(a.app, '/api/sync')).backlog.pending === 0);
    // A box of another clinic signs a sample under the same id: the hub refuses it (409).
    const b = await box({ hubUrl: url, hubToken: hub.tokens.c2 });
    const reqB = injector(b.app);
    const created = await reqB({ method: 'POST', url: '/api/samples', payload: { id: shared, reference: 'clash' } });
    expect(created.statusCode).toBe(201);
    const body = multipart({}, { data: await noisyJpeg(99) });
    expect((await reqB({ method: 'POST', url: `/api/samples/${shared}/fields`, payload: body.payload, headers: body.headers })).statusCode).toBe(202);
    await until('analysis', async () => (await get(b.app, `/api/samples/${shared}`)).pendingFields === 0);
    await seeAllCells(reqB, shared);
    expect((await reqB({ method: 'POST', url: `/api/samples/${shared}/sign`, payload: { auth: { userId: b.users.supervisor, pin: SUPERVISOR_PIN }, shortReason: SHORT_REASON } })).statusCode).toBe(
      200,
    );
    const other = await signedSample(reqB, b.users.supervisor, 5);
    await until('the rest delivered', async () => (await get(b.app, `/api/samples/${other}`)).status === 'synced');
    const status = await get(b.app, '/api/sync');
    expect(status.backlog).toMatchObject({ pending: 0, setAside: 1 });
    const items = await get(b.app, '/api/sync/set-aside');
    expect(items).toEqual([expect.objectContaining({ sampleId: shared, code: 'not_your_sample', reason: expect.stringContaining('another clinic') })]);
    const sample = await get(b.app, `/api/samples/${shared}`);
    expect(sample.sync).toMatchObject({ setAside: true, lastError: expect.stringContaining('another clinic') });
    // Put back by a person: tried again, refused again, set aside again.
    const retry = await b.app.inject({ method: 'POST', url: `/api/sync/set-aside/${items[0].outboxId}/retry` });
    expect(retry.statusCode).toBe(204);
    await until('set aside again', async () => (await get(b.app, '/api/sync')).backlog.setAside === 1 && (await get(b.app, '/api/sync/set-aside')).length === 1);
    const audit = await get(b.app, `/api/samples/${shared}/audit`);
    expect(audit.some((x: { action: string }) => x.action === 'sync.retried')).toBe(true);
    expect((await b.app.inject({ method: 'POST', url: '/api/sync/set-aside/999999/retry' })).statusCode).toBe(404);
  });

  it('sets aside a sample whose image is larger than the hub accepts, and delivers the next one', async () => {
    const { app, users } = await box({ hubUrl: url, hubToken: hub.tokens.c1 });
    const req = injector(app);
    const big = await req({ method: 'POST', url: '/api/samples', payload: { reference: 'BIG' } });
    const bigId = big.json().id;
    const body = multipart({}, { data: await noisyJpeg(7, 700, 500) });
    expect((await req({ method: 'POST', url: `/api/samples/${bigId}/fields`, payload: body.payload, headers: body.headers })).statusCode).toBe(202);
    await until('analysis', async () => (await get(app, `/api/samples/${bigId}`)).pendingFields === 0);
    await seeAllCells(req, bigId);
    expect((await req({ method: 'POST', url: `/api/samples/${bigId}/sign`, payload: { auth: { userId: users.supervisor, pin: SUPERVISOR_PIN }, shortReason: SHORT_REASON } })).statusCode).toBe(200);
    const next = await signedSample(req, users.supervisor, 8);
    await until('next delivered', async () => (await get(app, `/api/samples/${next}`)).status === 'synced');
    await until('set aside', async () => (await get(app, '/api/sync')).backlog.setAside === 1);
    const [item] = await get(app, '/api/sync/set-aside');
    expect(item).toMatchObject({ sampleId: bigId, code: 'image_too_large' });
  });

  it('stops at a revoked token without setting anything aside', async () => {
    const { provisionDevice } = await import('../../../src/hub/repo/devices.ts');
    const { token, device } = await provisionDevice(hub.db.db, 'c1', 'to revoke', new Date().toISOString());
    await revokeDevice(hub.db.db, device.id, new Date().toISOString());
    const { app, users } = await box({ hubUrl: url, hubToken: token });
    await signedSample(injector(app), users.supervisor, 9);
    await until('unauthorised', async () => (await get(app, '/api/sync')).state === 'unauthorised');
    const s = await get(app, '/api/sync');
    expect(s.lastError).toMatch(/401.*token/);
    expect(s.backlog).toMatchObject({ pending: 1, setAside: 0 });
  });

  it('sends a TIFF gzipped once, the hub keeps the exact bytes, and the compressed copy goes after the acknowledgement', async () => {
    const { app, users, dataDir } = await box({ hubUrl: url, hubToken: hub.tokens.c1 });
    const req = injector(app);
    const tiff = await smoothTiff(3, 300, 200);
    const created = (await req({ method: 'POST', url: '/api/samples', payload: { reference: 'TIFF' } })).json().id;
    const body = multipart({}, { data: tiff });
    expect((await req({ method: 'POST', url: `/api/samples/${created}/fields`, payload: body.payload, headers: body.headers })).statusCode).toBe(202);
    await until('analysis', async () => (await get(app, `/api/samples/${created}`)).pendingFields === 0);
    await seeAllCells(req, created);
    expect((await req({ method: 'POST', url: `/api/samples/${created}/sign`, payload: { auth: { userId: users.supervisor, pin: SUPERVISOR_PIN }, shortReason: SHORT_REASON } })).statusCode).toBe(200);
    await until('delivery', async () => (await get(app, `/api/samples/${created}`)).status === 'synced');
    const stored = await imageBytes(hub.db.db, 'c1', sha(tiff));
    expect(stored!.equals(tiff)).toBe(true);
    const db = new Database(path.join(dataDir, 'leukodiff.db'), { readonly: true });
    const row = db.prepare('SELECT encoding, encoded_bytes, acknowledged_at FROM sync_images WHERE sha256 = ?').get(sha(tiff)) as { encoding: string; encoded_bytes: number; acknowledged_at: string };
    db.close();
    expect(row.encoding).toBe('gzip');
    expect(row.encoded_bytes).toBeLessThan(tiff.length * 0.9);
    expect(row.acknowledged_at).not.toBeNull();
    expect(readdirSync(path.join(dataDir, 'sync', 'outgoing'))).toEqual([]);
  });

  it('resumes a half-sent image where the hub stopped instead of sending it again', async () => {
    const { app, users } = await box({ hubUrl: url, hubToken: hub.tokens.c1, syncMaxRequestBytes: 16 * 1024 });
    const req = injector(app);
    const photo = await noisyJpeg(4242, 260, 200);
    expect(photo.length).toBeGreaterThan(32 * 1024);
    // The hub already holds the first 16 KiB from an earlier, interrupted try.
    const first = await hub.app.inject({
      method: 'PUT',
      url: `/api/v1/images/${sha(photo)}?start=0&total=${photo.length}&encoding=identity`,
      headers: { ...bearer(hub.tokens.c1), 'content-type': 'application/octet-stream' },
      payload: photo.subarray(0, 16 * 1024),
    });
    expect(first.json().received).toBe(16 * 1024);
    const starts: number[] = [];
    const hook = (r: { url: string }) => {
      const m = r.url.match(new RegExp(`/api/v1/images/${sha(photo)}\\?start=(\\d+)`));
      if (m) starts.push(Number(m[1]));
    };
    hub.app.server.on('request', hook);
    try {
      const created = (await req({ method: 'POST', url: '/api/samples', payload: { reference: 'RESUME' } })).json().id;
      const body = multipart({}, { data: photo });
      expect((await req({ method: 'POST', url: `/api/samples/${created}/fields`, payload: body.payload, headers: body.headers })).statusCode).toBe(202);
      await until('analysis', async () => (await get(app, `/api/samples/${created}`)).pendingFields === 0);
      await seeAllCells(req, created);
      expect((await req({ method: 'POST', url: `/api/samples/${created}/sign`, payload: { auth: { userId: users.supervisor, pin: SUPERVISOR_PIN }, shortReason: SHORT_REASON } })).statusCode).toBe(
        200,
      );
      await until('delivery', async () => (await get(app, `/api/samples/${created}`)).status === 'synced');
    } finally {
      hub.app.server.off('request', hook);
    }
    expect(starts[0]).toBe(16 * 1024);
    expect(starts).not.toContain(0);
    expect((await imageBytes(hub.db.db, 'c1', sha(photo)))!.equals(photo)).toBe(true);
    expect(await countRows(hub.db, 'upload_parts')).toBe(0);
  });

  it('never sends or asks about an image again once the hub acknowledged it', async () => {
    const { app, users } = await box({ hubUrl: url, hubToken: hub.tokens.c1 });
    const req = injector(app);
    const photo = await noisyJpeg(5151);
    const seen: string[] = [];
    const hook = (r: { method?: string; url?: string }) => seen.push(`${r.method} ${r.url}`);
    const signWith = async (reference: string) => {
      const id = (await req({ method: 'POST', url: '/api/samples', payload: { reference } })).json().id;
      const body = multipart({}, { data: photo });
      expect((await req({ method: 'POST', url: `/api/samples/${id}/fields`, payload: body.payload, headers: body.headers })).statusCode).toBe(202);
      await until('analysis', async () => (await get(app, `/api/samples/${id}`)).pendingFields === 0);
      await seeAllCells(req, id);
      expect((await req({ method: 'POST', url: `/api/samples/${id}/sign`, payload: { auth: { userId: users.supervisor, pin: SUPERVISOR_PIN }, shortReason: SHORT_REASON } })).statusCode).toBe(200);
      await until('delivery', async () => (await get(app, `/api/samples/${id}`)).status === 'synced');
    };
    await signWith('FIRST');
    hub.app.server.on('request', hook);
    try {
      await signWith('SECOND, same photo');
    } finally {
      hub.app.server.off('request', hook);
    }
    expect(seen.some((r) => r.startsWith('PUT /api/v1/samples/'))).toBe(true);
    expect(seen.filter((r) => r.includes('/api/v1/images'))).toEqual([]);
  });

  it('while the hub is unreachable: probes without spinning, and delivers soon after the link returns despite a long backoff', async () => {
    const proxy = new FaultyProxy({ host: '127.0.0.1', port: await freePort() }, rng(1));
    await proxy.up();
    try {
      const { app, users } = await box({ hubUrl: `http://127.0.0.1:${proxy.port}`, hubToken: hub.tokens.c1, syncBackoffBaseMs: 30_000, syncBackoffCapMs: 600_000, syncProbeMs: 200 });
      const id = await signedSample(injector(app), users.supervisor, 10);
      await until('offline', async () => (await get(app, '/api/sync')).state === 'offline');
      const c0 = proxy.stats.connections;
      await new Promise((r) => setTimeout(r, 2000));
      const attempts = proxy.stats.connections - c0;
      // One probe per 100-300 ms at most.
      expect(attempts).toBeLessThanOrEqual(25);
      expect(attempts).toBeGreaterThan(2);
      const s = await get(app, '/api/sync');
      expect(s).toMatchObject({ state: 'offline', backlog: { pending: 1 } });
      expect(s.lastError).toMatch(/ECONNREFUSED|ECONNRESET|socket|cut/);
      proxy.setTarget(Number(new URL(url).port));
      const t = Date.now();
      await until('delivery after the link returned', async () => (await get(app, `/api/samples/${id}`)).status === 'synced', 10_000);
      expect(Date.now() - t).toBeLessThan(5000);
    } finally {
      await proxy.down();
    }
  });
});
