/** TLS to the hub with a pinned CA: trusted when the hub's certificate chains to it, refused otherwise. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testHub, type TestHub } from '../../hub/helpers.ts';
import { injector, signedSample, testBox, until } from './box.ts';

function makeCerts(dir: string) {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=leukodiff test clinic CA');
  ssl('req', ...ec, '-keyout', 'hub.key', '-out', 'hub.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(path.join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  ssl('x509', '-req', '-in', 'hub.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'hub.pem', '-days', '2', '-extfile', 'ext.cnf');
  // Another CA, which did not sign the hub's certificate.
  ssl('req', '-x509', ...ec, '-keyout', 'other.key', '-out', 'other.pem', '-days', '2', '-subj', '/CN=someone else');
  return { ca: path.join(dir, 'ca.pem'), other: path.join(dir, 'other.pem'), cert: path.join(dir, 'hub.pem'), key: path.join(dir, 'hub.key') };
}

describe('sync over TLS with a pinned CA', () => {
  let dir: string;
  let certs: ReturnType<typeof makeCerts>;
  let hub: TestHub;
  let url: string;
  const boxes: FastifyInstance[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'leukodiff-tls-'));
    certs = makeCerts(dir);
    hub = await testHub('sqlite', { tlsCertFile: certs.cert, tlsKeyFile: certs.key });
    await hub.app.listen({ host: '127.0.0.1', port: 0 });
    url = `https://127.0.0.1:${(hub.app.server.address() as { port: number }).port}`;
  });
  afterEach(async () => {
    for (const b of boxes.splice(0)) await b.close();
  });
  afterAll(async () => {
    await hub?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers when the hub’s certificate chains to the pinned CA', async () => {
    const { app, users } = await testBox({ hubUrl: url, hubToken: hub.tokens.c1, hubCaFile: certs.ca });
    boxes.push(app);
    const id = await signedSample(injector(app), users.supervisor, 1);
    await until('delivery', async () => (await app.inject({ url: `/api/samples/${id}` })).json().status === 'synced');
  });

  it('refuses a hub whose certificate does not chain to the pinned CA, and says why', async () => {
    const { app, users } = await testBox({ hubUrl: url, hubToken: hub.tokens.c1, hubCaFile: certs.other });
    boxes.push(app);
    await signedSample(injector(app), users.supervisor, 2);
    const s = await until('offline', async () => {
      const st = (await app.inject({ url: '/api/sync' })).json();
      return st.state === 'offline' && st;
    });
    expect(s.lastError).toMatch(/certificate|UNABLE_TO_VERIFY|SELF_SIGNED/i);
    expect(s.backlog.pending).toBe(1);
  });
});
