import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import uiRoutes from '../../src/box/server/routes/ui.ts';
import { testApp } from '../helpers/app.ts';

describe('the daemon serves the kiosk UI', () => {
  let dist: string;

  beforeAll(() => {
    dist = mkdtempSync(path.join(os.tmpdir(), 'leukodiff-ui-dist-'));
    mkdirSync(path.join(dist, 'assets'));
    writeFileSync(path.join(dist, 'index.html'), '<!doctype html><ld-app></ld-app><script type="module" src="/assets/index-Ab12.js"></script>');
    writeFileSync(path.join(dist, 'assets', 'index-Ab12.js'), 'console.log(1)');
  });
  afterAll(() => rmSync(dist, { recursive: true, force: true }));

  async function appWith(root: string) {
    const app = Fastify({ logger: false });
    await app.register(uiRoutes, { root });
    return app;
  }

  it('answers / with index.html, never cached, with a policy that keeps the page on the box', async () => {
    const app = await appWith(dist);
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['content-security-policy']).toContain("connect-src 'self'");
    expect(res.body).toContain('<ld-app>');
    const direct = await app.inject({ method: 'GET', url: '/index.html' });
    expect(direct.headers['cache-control']).toBe('no-cache');
    await app.close();
  });

  it('lets the browser keep the hashed bundle for a year', async () => {
    const app = await appWith(dist);
    const res = await app.inject({ method: 'GET', url: '/assets/index-Ab12.js' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await app.inject({ method: 'GET', url: '/assets/missing.js' })).statusCode).toBe(404);
    await app.close();
  });

  it('says how to build the UI when there is no build', async () => {
    const app = await appWith(path.join(dist, 'nowhere'));
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('npm run build:ui');
    await app.close();
  });

  it('leaves the API alone: its routes and its JSON 404', async () => {
    const app = await testApp();
    expect((await app.inject({ method: 'GET', url: '/api/health' })).statusCode).toBe(200);
    const missing = await app.inject({ method: 'GET', url: '/api/no-such-route' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: 'not_found' });
    expect([200, 503]).toContain((await app.inject({ method: 'GET', url: '/' })).statusCode);
    await app.close();
  });
});
