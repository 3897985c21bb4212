import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../../helpers/app.ts';
import { createSample, fieldJpeg, upload } from '../../helpers/workflow.ts';

interface Sse {
  events: { id: number; event: string; data: Record<string, unknown> }[];
  headers: http.IncomingHttpHeaders;
  close(): void;
  waitFor(pred: (e: Sse['events'][number]) => boolean, ms?: number): Promise<Sse['events'][number]>;
}

function listen(port: number, headers: Record<string, string> = {}): Promise<Sse> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/api/events', headers }, (res) => {
      const sse: Sse = {
        events: [],
        headers: res.headers,
        close: () => req.destroy(),
        waitFor: (pred, ms = 10_000) =>
          new Promise((ok, fail) => {
            const started = Date.now();
            const tick = () => {
              const hit = sse.events.find(pred);
              if (hit) return ok(hit);
              if (Date.now() - started > ms) return fail(new Error(`no such event in ${JSON.stringify(sse.events.map((e) => e.event))}`));
              setTimeout(tick, 10);
            };
            tick();
          }),
      };
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let end;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const f = Object.fromEntries(
            block
              .split('\n')
              .filter((l) => !l.startsWith(':'))
              .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]),
          );
          if (f.event) sse.events.push({ id: Number(f.id ?? 0), event: f.event, data: JSON.parse(f.data) });
        }
      });
      resolve(sse);
    });
    req.on('error', reject);
  });
}

describe('GET /api/events (Server-Sent Events)', () => {
  let app: FastifyInstance;
  let port: number;
  beforeAll(async () => {
    app = await testApp();
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as AddressInfo).port;
  });
  afterAll(() => app.close());

  it('streams a field from queued to analysed, then cell and sample changes', async () => {
    const sse = await listen(port);
    expect(sse.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    const sampleId = await createSample(app, { reference: 'SSE-1', patientId: 'SECRET-PATIENT' });
    const fieldId = (await upload(app, sampleId, await fieldJpeg(5))).json().id;
    const analysedEvent = await sse.waitFor((e) => e.event === 'field.analysed');
    expect(analysedEvent.data).toMatchObject({ type: 'field.analysed', sampleId, fieldId, cells: 2, flagged: 2 });
    const names = sse.events.map((e) => e.event);
    expect(names.indexOf('field.queued')).toBeLessThan(names.indexOf('field.analysing'));
    expect(names.indexOf('field.analysing')).toBeLessThan(names.indexOf('field.analysed'));
    // Ids increase.
    expect(sse.events.map((e) => e.id)).toEqual([...sse.events.map((e) => e.id)].sort((a, b) => a - b));

    const cells = (await app.inject({ url: `/api/fields/${fieldId}/cells` })).json();
    await app.inject({ method: 'POST', url: `/api/cells/${cells[0].id}/review` });
    const changed = await sse.waitFor((e) => e.event === 'cell.changed');
    expect(changed.data).toMatchObject({ cellId: cells[0].id, change: 'reviewed' });
    const last = await sse.waitFor((e) => e.id === changed.id - 1);
    expect(last.data).toMatchObject({ sampleId, status: 'review' });
    // Events carry ids, never patient identifiers.
    expect(JSON.stringify(sse.events)).not.toContain('SECRET-PATIENT');
    sse.close();
  });

  it('replays what a reconnecting client missed (Last-Event-ID), or tells it to reload', async () => {
    const first = await listen(port);
    const sampleId = await createSample(app, { reference: 'SSE-2' });
    const seen = await first.waitFor((e) => e.event === 'sample.changed' && e.data.sampleId === sampleId);
    first.close();
    await app.inject({ method: 'PATCH', url: `/api/samples/${sampleId}`, payload: { wbcCount: 5 } });
    const again = await listen(port, { 'last-event-id': String(seen.id) });
    const missed = await again.waitFor((e) => e.event === 'sample.changed' && e.data.revision === 2);
    expect(missed.id).toBe(seen.id + 1);
    again.close();
    const future = await listen(port, { 'last-event-id': '999999' });
    await future.waitFor((e) => e.event === 'reload');
    future.close();
  });
});
