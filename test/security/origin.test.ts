/**
 * Issue 21, finding 1: no other site may drive the box. A DNS-rebinding page (the attacker's Host)
 * is refused on every route; a cross-site "simple" request (a form post, a no-cors fetch) is
 * refused before it changes anything; the kiosk's own page and non-browser clients still work.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/box/config.ts';
import { allowedHostNames } from '../../src/box/server/plugins/origin-guard.ts';
import { testApp } from '../helpers/app.ts';
import { analysed, createSample, fieldJpeg, multipart } from '../helpers/workflow.ts';

const EVIL = 'http://evil.example:8080';
const OWN = 'http://127.0.0.1:8080';

describe('Host and Origin checks', () => {
  let app: FastifyInstance;
  let sampleId: string;
  let cellIds: string[];

  beforeAll(async () => {
    app = await testApp({ port: 8080 });
    sampleId = await createSample(app, { reference: 'S-ORIGIN', patientId: 'P-SECRET-1' });
    const body = multipart({}, { data: await fieldJpeg(1) });
    const up = await app.inject({ method: 'POST', url: `/api/samples/${sampleId}/fields`, payload: body.payload, headers: body.headers });
    expect(up.statusCode).toBe(202);
    const sample = await analysed(app, sampleId);
    cellIds = sample.fields[0].cells.map((c: { id: string }) => c.id);
    expect(cellIds.length).toBeGreaterThan(0);
  });
  afterAll(() => app.close());

  it('refuses a DNS-rebinding Host on reads of patient data (421 bad_host), on every route', async () => {
    for (const url of ['/api/samples', `/api/samples/${sampleId}`, `/api/samples/${sampleId}/report`, '/api/users', '/api/audit', '/api/health', '/']) {
      const res = await app.inject({ method: 'GET', url, headers: { host: 'evil.example:8080' } });
      expect(res.statusCode, url).toBe(421);
      expect(res.json()).toMatchObject({ error: 'bad_host', message: expect.stringContaining('http://127.0.0.1:8080/') });
      expect(res.body).not.toContain('P-SECRET-1');
    }
    const sneaky = ['evil.example', '127.0.0.1.evil.example', 'localhost.evil.example:8080', 'user@127.0.0.1', '127.0.0.1/x', '[::2]:8080'];
    for (const host of sneaky) expect((await app.inject({ url: '/api/samples', headers: { host } })).statusCode, host).toBe(421);
  });

  it('answers the box own names: the configured host, 127.0.0.1, localhost and [::1], with any port', async () => {
    const plain = await app.inject({ url: `/api/samples/${sampleId}` });
    expect(plain.statusCode).toBe(200);
    for (const host of ['127.0.0.1:8080', 'localhost:8080', 'LOCALHOST', '[::1]:8080', 'localhost:80']) {
      const res = await app.inject({ url: `/api/samples/${sampleId}`, headers: { host } });
      expect(res.statusCode, host).toBe(200);
      expect(res.json().patientId).toBe('P-SECRET-1');
    }
  });

  it('refuses a cross-site form post marking cells as seen (403 bad_origin) and changes nothing', async () => {
    const before = (await app.inject({ url: `/api/samples/${sampleId}` })).json().revision;
    const forms = [
      { 'content-type': 'application/x-www-form-urlencoded', payload: `cellIds=${cellIds[0]}` },
      { 'content-type': 'text/plain', payload: JSON.stringify({ cellIds }) },
    ];
    for (const f of forms) {
      const res = await app.inject({ method: 'POST', url: `/api/samples/${sampleId}/cells/seen`, payload: f.payload, headers: { 'content-type': f['content-type'], origin: EVIL } });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ error: 'bad_origin', message: expect.stringMatching(/kiosk/) });
    }
    // Origin "null" (a sandboxed frame, a file:// page) is another site too.
    const nul = await app.inject({ method: 'POST', url: `/api/cells/${cellIds[0]}/review`, headers: { 'content-type': 'text/plain', origin: 'null' }, payload: '' });
    expect(nul.statusCode).toBe(403);
    // A same-site page on another port of the box is another origin.
    const otherPort = await app.inject({ method: 'POST', url: `/api/cells/${cellIds[0]}/review`, headers: { origin: 'http://127.0.0.1:3000' } });
    expect(otherPort.statusCode).toBe(403);
    expect((await app.inject({ url: `/api/samples/${sampleId}` })).json().revision).toBe(before);
  });

  it('refuses a cross-site field upload and a cross-site "sync now"', async () => {
    const body = multipart({}, { data: await fieldJpeg(2) });
    const up = await app.inject({ method: 'POST', url: `/api/samples/${sampleId}/fields`, payload: body.payload, headers: { ...body.headers, origin: EVIL } });
    expect(up.statusCode).toBe(403);
    expect(up.json().error).toBe('bad_origin');
    expect((await app.inject({ url: `/api/samples/${sampleId}` })).json().fieldCount).toBe(1);

    const sync = await app.inject({ method: 'POST', url: '/api/sync/run', headers: { origin: EVIL } });
    expect(sync.statusCode).toBe(403);
    expect(sync.json().error).toBe('bad_origin');
  });

  it('refuses a change a browser marks cross-site even without an Origin header', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/sync/run', headers: { 'sec-fetch-site': 'cross-site' } });
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toBe('bad_origin');
  });

  it('accepts the kiosk page own origin and clients that send none (curl, the CLI)', async () => {
    const seen = await app.inject({ method: 'POST', url: `/api/samples/${sampleId}/cells/seen`, payload: { cellIds: [cellIds[0]] }, headers: { origin: OWN, 'sec-fetch-site': 'same-origin' } });
    expect(seen.statusCode).toBe(200);
    for (const origin of ['http://localhost:8080', 'http://[::1]:8080', undefined]) {
      const res = await app.inject({ method: 'POST', url: '/api/sync/run', headers: origin ? { origin } : {} });
      expect(res.statusCode, String(origin)).toBe(202);
    }
    const body = multipart({}, { data: await fieldJpeg(3) });
    const up = await app.inject({ method: 'POST', url: `/api/samples/${sampleId}/fields`, payload: body.payload, headers: { ...body.headers, origin: OWN } });
    expect(up.statusCode).toBe(202);
  });

  it('sends no CORS header, so other sites cannot read any answer', async () => {
    for (const url of ['/api/samples', '/api/health', `/api/samples/${sampleId}`]) {
      const res = await app.inject({ url, headers: { origin: EVIL } });
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    }
    const preflight = await app.inject({ method: 'OPTIONS', url: '/api/samples', headers: { origin: EVIL, 'access-control-request-method': 'POST' } });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('allowed host names', () => {
  it('adds the listen address and allowedHosts (LEUKODIFF_ALLOWED_HOSTS) for a box on the LAN', async () => {
    const config = loadConfig({ LEUKODIFF_HOST: '0.0.0.0', LEUKODIFF_ALLOWED_HOSTS: 'leukodiff-box.local, 192.168.1.20,[fe80::1]' });
    expect([...allowedHostNames(config)].sort()).toEqual(['127.0.0.1', '192.168.1.20', '[::1]', '[fe80::1]', 'leukodiff-box.local', 'localhost'].sort());
    expect([...allowedHostNames(loadConfig({ LEUKODIFF_HOST: 'fd00::5' }))]).toContain('[fd00::5]');
    expect(() => loadConfig({ LEUKODIFF_ALLOWED_HOSTS: 'http://box.local' })).toThrow(/allowedHosts/);
    expect(() => loadConfig({ LEUKODIFF_ALLOWED_HOSTS: 'box.local:8080' })).toThrow(/no port/);

    const lan = await testApp({ host: '0.0.0.0', port: 8080, allowedHosts: ['leukodiff-box.local'] });
    try {
      expect((await lan.inject({ url: '/api/samples', headers: { host: 'leukodiff-box.local:8080' } })).statusCode).toBe(200);
      expect((await lan.inject({ method: 'POST', url: '/api/sync/run', headers: { host: 'leukodiff-box.local:8080', origin: 'http://leukodiff-box.local:8080' } })).statusCode).toBe(202);
      expect((await lan.inject({ url: '/api/samples', headers: { host: '0.0.0.0:8080' } })).statusCode).toBe(421);
    } finally {
      await lan.close();
    }
  });
});
