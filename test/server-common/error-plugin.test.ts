/** The one error plugin of the daemon and the hub, and the one error class both throw. */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpError } from '../../src/contracts/http-error.ts';
import { InputError } from '../../src/core/errors.ts';
import { HubError } from '../../src/hub/plugins/errors.ts';
import errorPlugin, { type ErrorPluginOptions } from '../../src/server-common/error-plugin.ts';
import { WorkflowError } from '../../src/box/workflow/errors.ts';

let app: FastifyInstance | null = null;
afterEach(async () => {
  await app?.close();
  app = null;
});

async function appWith(opts: ErrorPluginOptions, throwing: Error): Promise<FastifyInstance> {
  app = Fastify({ logger: false });
  await app.register(errorPlugin, opts);
  app.get('/boom', async () => {
    throw throwing;
  });
  app.post('/strict', { schema: { body: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } } } }, async () => ({ ok: true }));
  await app.ready();
  return app;
}

describe('the error class', () => {
  it('is what the workflow, the hub and the input checks throw, with the same status, code and message', () => {
    const errors = [new WorkflowError('x', 'm', 409, { 'retry-after': '5' }, { sampleId: 's' }), new HubError(409, 'x', 'm', { sampleId: 's' }, { 'retry-after': '5' })];
    for (const e of errors) {
      expect(e).toBeInstanceOf(HttpError);
      expect(e).toMatchObject({ statusCode: 409, code: 'x', message: 'm', body: { sampleId: 's' }, headers: { 'retry-after': '5' } });
    }
    const input = new InputError('unsupported_format', 'a GIF:\n save it as JPEG');
    expect(input).toBeInstanceOf(HttpError);
    expect(input).toMatchObject({ statusCode: 415, status: 415, code: 'unsupported_format', message: 'a GIF: save it as JPEG', name: 'InputError' });
  });
});

describe('the error plugin', () => {
  it('sends an HttpError as its status, headers and body fields, then error and message', async () => {
    const a = await appWith({ program: 'hub' }, new HttpError(409, 'images_missing', 'send them first', { missing: ['a'] }, { 'retry-after': '7' }));
    const res = await a.inject({ method: 'GET', url: '/boom' });
    expect(res.statusCode).toBe(409);
    expect(res.headers['retry-after']).toBe('7');
    expect(res.json()).toEqual({ missing: ['a'], error: 'images_missing', message: 'send them first' });
  });

  it("uses the program's translation for framework errors, and keeps others' status with a snake_case code", async () => {
    const translate: ErrorPluginOptions['translate'] = (e) => (e.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ? new HttpError(400, 'malformed_json', 'send JSON') : undefined);
    const a = await appWith({ program: 'hub', translate }, new Error('unused'));
    const bad = await a.inject({ method: 'POST', url: '/strict', headers: { 'content-type': 'application/json' }, payload: '{nope' });
    expect([bad.statusCode, bad.json()]).toEqual([400, { error: 'malformed_json', message: 'send JSON' }]);
    const invalid = await a.inject({ method: 'POST', url: '/strict', payload: { n: 'x' } });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('answers a fault with a 500 that names only the log to read, and an unknown route with 404', async () => {
    const a = await appWith({ program: 'daemon' }, new Error('secret detail'));
    const res = await a.inject({ method: 'GET', url: '/boom' });
    expect([res.statusCode, res.json()]).toEqual([500, { error: 'internal_error', message: 'internal error: see the daemon log' }]);
    const missing = await a.inject({ method: 'GET', url: '/nowhere?x=1' });
    expect([missing.statusCode, missing.json()]).toEqual([404, { error: 'not_found', message: 'no route GET /nowhere' }]);
  });
});
