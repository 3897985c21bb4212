/** What `npm run fuzz` found in the daemon, fixed, and kept fixed. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { testApp } from '../helpers/app.ts';

describe('daemon: fuzz findings', () => {
  let app: FastifyInstance;
  let port: number;
  beforeAll(async () => {
    app = await testApp({ maxEventStreams: 1 });
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as AddressInfo).port;
  });
  afterAll(async () => app?.close());

  const request = (method: string) =>
    new Promise<{ status: number; type: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method, path: '/api/events', agent: false, timeout: 3000 }, (res) => {
        res.resume();
        resolve({ status: res.statusCode!, type: String(res.headers['content-type']) });
        req.destroy();
      });
      req.on('timeout', () => req.destroy(new Error(`${method} /api/events: no answer within 3 s`)));
      req.on('error', reject);
      req.end();
    });

  it('answers HEAD /api/events at once, without holding one of the event-stream slots', async () => {
    // Before: the headers of a HEAD stream were never sent, and each such request kept a slot.
    for (let i = 0; i < 3; i++) expect(await request('HEAD')).toMatchObject({ status: 200, type: expect.stringMatching(/^text\/event-stream/) });
    expect((await request('GET')).status).toBe(200);
  });
});
