/** Issue 21 (low): the hub's errors have the daemon's shape and codes, `{error, message}`, with a message saying what to do. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, testHub, type TestHub } from '../hub/helpers.ts';

describe('hub: one error body shape', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await testHub('sqlite', { maxRevisionBytes: 16 * 1024 });
  });
  afterAll(async () => hub?.close());

  const json = { ...{}, 'content-type': 'application/json' };
  it.each([
    ['malformed JSON', { method: 'POST', url: '/api/v1/images/missing', payload: '{"sha256": [' }, 400, 'malformed_json'],
    ['an empty JSON body', { method: 'POST', url: '/api/v1/images/missing', payload: '' }, 400, 'malformed_json'],
    ['a body of another media type', { method: 'POST', url: '/api/v1/images/missing', payload: 'x', headers: { 'content-type': 'text/csv' } }, 415, 'unsupported_media_type'],
    [
      'a body over the limit',
      { method: 'PUT', url: `/api/v1/samples/00000000-0000-4000-8000-000000000000/revisions/1`, payload: JSON.stringify({ images: [], pad: 'x'.repeat(40_000) }) },
      413,
      'body_too_large',
    ],
  ] as const)('%s', async (_name, req, status, error) => {
    const res = await hub.app.inject({ ...req, headers: { ...bearer(hub.tokens.c1), ...json, ...('headers' in req ? req.headers : {}) } } as never);
    expect(res.statusCode).toBe(status);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(['error', 'message']);
    expect(body.error).toBe(error);
    expect(body.message.length).toBeGreaterThan(10);
  });
});
