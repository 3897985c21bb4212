/** Issue 21 (low): reviewer pages send a CSP without inline script, refuse framing and MIME sniffing. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reviewerHeaders, testHub, type TestHub } from '../hub/helpers.ts';

describe('hub: reviewer page security headers', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await testHub('sqlite');
  });
  afterAll(async () => hub?.close());

  it('sends them on the list page, the sign-in page and its redirect, and on a refusal', async () => {
    const ada = await reviewerHeaders(hub);
    const responses = [
      await hub.app.inject({ method: 'GET', url: '/review', headers: ada }),
      await hub.app.inject({ method: 'GET', url: '/review/login' }),
      await hub.app.inject({ method: 'GET', url: `/review/samples/${randomUUID()}`, headers: ada }),
      await hub.app.inject({ method: 'GET', url: '/review/samples/not-an-id', headers: ada }),
      await hub.app.inject({ method: 'GET', url: '/review' }),
    ];
    expect(responses.map((r) => r.statusCode)).toEqual([200, 200, 404, 400, 303]);
    for (const res of responses) {
      const csp = String(res.headers['content-security-policy']);
      expect(csp).toMatch(/default-src 'none'/);
      expect(csp).toMatch(/frame-ancestors 'none'/);
      expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    }
    // The pages themselves hold no script for the policy to break.
    expect(responses[0].body).not.toMatch(/<script/i);
    expect(responses[1].body).not.toMatch(/<script/i);
  });
});
