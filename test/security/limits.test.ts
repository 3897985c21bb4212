/**
 * Issue 21, low findings on resources: a slow request body or slow headers are cut off, event
 * streams and connections are capped (503 with a message, not a file-descriptor exhaustion), and a
 * malformed multipart upload (no boundary, a part cut short) is a 400, never a 500.
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/box/config.ts';
import { testApp } from '../helpers/app.ts';
import { createSample, fieldJpeg, multipart } from '../helpers/workflow.ts';

let app: FastifyInstance | null = null;
afterEach(async () => {
  await app?.close();
  app = null;
});

async function listening(overrides: Partial<Config> = {}): Promise<number> {
  app = await testApp(overrides);
  await app.listen({ host: '127.0.0.1', port: 0 });
  return (app.server.address() as AddressInfo).port;
}

/** Sends `head` (and nothing more) on a raw socket; resolves with what the server answered once it closes. */
function stall(port: number, head: string): Promise<{ answer: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    let answer = '';
    const s = net.connect(port, '127.0.0.1', () => s.write(head));
    s.setEncoding('latin1');
    s.on('data', (d: string) => (answer += d));
    s.on('close', () => resolve({ answer, closedAfterMs: Date.now() - t0 }));
    s.on('error', () => {});
    setTimeout(() => {
      s.destroy();
      reject(new Error('the server kept the stalled request open'));
    }, 15_000).unref();
  });
}

/** One GET on a fresh connection; resolves with the status. */
function get(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('timeout', () => req.destroy(new Error('no answer')));
    req.on('error', reject);
  });
}

function openStream(port: number): Promise<{ status: number; body: string; close(): void }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/api/events' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
        if (res.statusCode !== 200) return;
        resolve({ status: 200, body, close: () => req.destroy() });
      });
      res.on('end', () => resolve({ status: res.statusCode!, body, close: () => req.destroy() }));
    });
    req.on('error', reject);
  });
}

describe('request timeouts', () => {
  it('cuts off a request whose body trickles in slower than requestTimeoutMs (408)', async () => {
    const port = await listening({ requestTimeoutMs: 1500 });
    const { answer, closedAfterMs } = await stall(port, 'POST /api/samples HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"refer');
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(closedAfterMs).toBeLessThan(5000);
  });

  it('cuts off a client that never finishes its headers', async () => {
    const port = await listening({ requestTimeoutMs: 2000 });
    const { answer, closedAfterMs } = await stall(port, 'GET /api/samples HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(closedAfterMs).toBeLessThan(5000);
  });

  it('sets the server timeouts and the connection cap from the configuration', async () => {
    await listening({ requestTimeoutMs: 90_000, maxConnections: 300 });
    expect(app!.server.requestTimeout).toBe(90_000);
    expect(app!.server.headersTimeout).toBe(15_000);
    expect(app!.server.timeout).toBe(600_000);
    expect(app!.server.maxConnections).toBe(300);
  });
});

describe('connection and event-stream caps', () => {
  it('answers the event stream beyond maxEventStreams with 503 too_many_streams, and again once one closes', async () => {
    const port = await listening({ maxEventStreams: 2 });
    const a = await openStream(port);
    const b = await openStream(port);
    expect([a.status, b.status]).toEqual([200, 200]);
    const c = await openStream(port);
    expect(c.status).toBe(503);
    expect(JSON.parse(c.body)).toMatchObject({ error: 'too_many_streams', message: expect.stringMatching(/close other screens/) });
    a.close();
    // The server notices the closed stream asynchronously.
    for (let i = 0; i < 50; i++) {
      const d = await openStream(port);
      d.close();
      if (d.status === 200) break;
      expect(i).toBeLessThan(49);
      await new Promise((r) => setTimeout(r, 50));
    }
    b.close();
  });

  it('drops connections beyond maxConnections while the health check still works after they go', async () => {
    const port = await listening({ maxConnections: 16 });
    const idle: net.Socket[] = [];
    for (let i = 0; i < 16; i++) {
      idle.push(
        await new Promise<net.Socket>((resolve) => {
          const s = net.connect(port, '127.0.0.1', () => resolve(s));
          s.on('error', () => {});
        }),
      );
    }
    await new Promise((r) => setTimeout(r, 100));
    await expect(get(port, '/api/health')).rejects.toThrow();
    for (const s of idle) s.destroy();
    await new Promise((r) => setTimeout(r, 100));
    expect(await get(port, '/api/health')).toBe(200);
  });
});

describe('malformed multipart uploads', () => {
  it('answers an upload without a multipart boundary with 400 malformed_multipart', async () => {
    app = await testApp();
    const id = await createSample(app);
    const res = await app.inject({ method: 'POST', url: `/api/samples/${id}/fields`, payload: 'abc', headers: { 'content-type': 'multipart/form-data' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'malformed_multipart', message: expect.stringMatching(/boundary/) });
  });

  it('answers an upload whose part is cut short with 400 malformed_multipart, and stores nothing', async () => {
    app = await testApp();
    const id = await createSample(app);
    const body = multipart({}, { data: await fieldJpeg(1) });
    for (const cut of [body.payload.length - 200, 150]) {
      const res = await app.inject({ method: 'POST', url: `/api/samples/${id}/fields`, payload: body.payload.subarray(0, cut), headers: body.headers });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: 'malformed_multipart', message: expect.stringMatching(/send the photo again/) });
    }
    expect((await app.inject({ url: `/api/samples/${id}` })).json().fieldCount).toBe(0);
  });
});
