/** Issue 21 (low): reviewer logins are throttled per account and across accounts, with growing delays. */
import { afterEach, describe, expect, it } from 'vitest';
import { FREE_FAILURES, GLOBAL_FAILURES, LoginThrottle } from '../../src/hub/web/login-throttle.ts';
import { signInAt, testHub, type TestHub } from '../hub/helpers.ts';

describe('hub: reviewer login throttling', () => {
  let hub: TestHub | undefined;
  afterEach(async () => {
    await hub?.close();
    hub = undefined;
  });

  it('evaluates only a few of many parallel guesses at one account; the right password sent among them is not evaluated either', async () => {
    hub = await testHub('sqlite');
    const h = hub;
    const tries = [...Array.from({ length: 30 }, (_, i) => `guess-${i}`), h.reviewer.password];
    const res = await Promise.all(tries.map((password) => signInAt(h.app, 'ada', password)));
    const statuses = res.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 401)).toHaveLength(FREE_FAILURES);
    expect(statuses.filter((s) => s === 429)).toHaveLength(tries.length - FREE_FAILURES);
    expect(statuses.at(-1)).toBe(429);
    const waited = res.at(-1)!;
    expect(waited.body).toMatch(/Too many wrong passwords: wait \d+ s/);
    expect(waited.cookies).toEqual([]);
    expect(Number(waited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // Another account is not held up by this one.
    expect((await signInAt(h.app, 'bob', 'x')).statusCode).toBe(401);
  });

  it('limits wrong passwords across accounts', async () => {
    hub = await testHub('sqlite');
    const h = hub;
    const statuses: number[] = [];
    for (let i = 0; i < GLOBAL_FAILURES + 10; i++) statuses.push((await signInAt(h.app, `user${i}`, 'guess')).statusCode);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(GLOBAL_FAILURES + 1);
    expect(statuses.slice(-5)).toEqual([429, 429, 429, 429, 429]);
  });

  it('grows the delay with each further failure and clears it on success', async () => {
    let now = 0;
    const t = new LoginThrottle(() => now);
    const wrong = () => t.attempt('ada', async () => null);
    for (let i = 0; i < FREE_FAILURES; i++) expect((await wrong()).kind).toBe('checked');
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      const w = await wrong();
      expect(w.kind).toBe('wait');
      const s = (w as { retryAfterS: number }).retryAfterS;
      waits.push(s);
      now += s * 1000;
      expect((await wrong()).kind).toBe('checked');
    }
    expect(waits).toEqual([1, 2, 4, 8]);
    now += 16_000;
    expect(await t.attempt('ada', async () => 'ok')).toEqual({ kind: 'checked', value: 'ok' });
    expect((await wrong()).kind).toBe('checked');
  });
});
