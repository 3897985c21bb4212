import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, testHub, type TestHub, countRows } from '../hub/helpers.ts';
import { injector, signedSample, testBox, until } from './box.ts';

describe.each(ENGINES)('box sync to a hub (%s)', (engine) => {
  let hub: TestHub;
  let url: string;
  const boxes: FastifyInstance[] = [];
  beforeAll(async () => {
    hub = await testHub(engine, { maxRequestBytes: 32 * 1024 });
    await hub.app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(hub.app.server.address() as { port: number }).port}`;
  });
  afterEach(async () => {
    for (const b of boxes.splice(0)) await b.close();
  });
  afterAll(async () => hub?.close());

  it('delivers signed samples with their images, and marks them synced', async () => {
    const { app, users } = await testBox({ hubUrl: url, hubToken: hub.tokens.c1 });
    boxes.push(app);
    const req = injector(app);
    const ids = [await signedSample(req, users.supervisor, 1), await signedSample(req, users.supervisor, 2, 2)];
    await until('delivery', async () => (await req({ method: 'GET', url: '/api/sync' })).json().backlog.pending === 0 && ids);
    const status = (await req({ method: 'GET', url: '/api/sync' })).json();
    expect(status).toMatchObject({ enabled: true, state: 'idle', backlog: { pending: 0, setAside: 0 } });
    for (const id of ids) {
      const s = (await req({ method: 'GET', url: `/api/samples/${id}` })).json();
      expect(s.status).toBe('synced');
      expect(s.sync).toMatchObject({ state: 'synced', setAside: false, revision: s.signedRevision });
    }
    expect(await countRows(hub.db, 'samples')).toBeGreaterThanOrEqual(2);
  });
});
