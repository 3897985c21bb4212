import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { delayAfter, FREE_WRONG_PINS as MAX_WRONG_PINS } from '../../../src/box/workflow/auth.ts';
import { KeyedMutex } from '../../../src/box/workflow/keyed-mutex.ts';
import { WorkflowError } from '../../../src/box/workflow/errors.ts';
import { hashPin, verifyPin } from '../../../src/box/workflow/pin.ts';
import { addUser, tempContext, type TestContext } from '../../helpers/store.ts';

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    if (err instanceof WorkflowError) return `${err.statusCode} ${err.code}`;
    throw err;
  }
}

describe('PIN hashes', () => {
  it('are salted scrypt, verify only the right PIN, and never contain it', async () => {
    const a = await hashPin('4821');
    const b = await hashPin('4821');
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('4821');
    expect(await verifyPin('4821', a)).toBe(true);
    expect(await verifyPin('4822', a)).toBe(false);
    expect(await verifyPin('4821', 'plain$4821')).toBe(false);
  });
});

describe('Authenticator', () => {
  let t: TestContext;
  let sup: string;
  beforeEach(async () => {
    t = tempContext();
    sup = await addUser(t.ctx, 'Okafor', 'supervisor', '2222');
  });
  afterEach(() => t.close());

  it(`makes each try wait after ${MAX_WRONG_PINS} wrong PINs, even for the right one, and across restarts`, async () => {
    for (let i = 1; i < MAX_WRONG_PINS; i++) expect(await code(t.ctx.auth.check({ userId: sup, pin: '0000' }, 'supervisor'))).toBe('403 wrong_pin');
    let err: WorkflowError | undefined;
    await t.ctx.auth.check({ userId: sup, pin: '0000' }, 'supervisor').catch((e) => (err = e));
    expect(err).toMatchObject({ statusCode: 429, code: 'pin_locked', headers: { 'retry-after': '30' } });
    expect(await code(t.ctx.auth.check({ userId: sup, pin: '2222' }, 'supervisor'))).toBe('429 pin_locked');

    // The count is in the database: a restart does not unlock.
    t = t.reopen();
    expect(await code(t.ctx.auth.check({ userId: sup, pin: '2222' }, 'supervisor'))).toBe('429 pin_locked');
  });

  it('lets the next try through after the delay, doubles it on the next wrong PIN, and resets on a right one', async () => {
    for (let i = 0; i < MAX_WRONG_PINS; i++) await code(t.ctx.auth.check({ userId: sup, pin: '0000' }, 'supervisor'));
    t.advance(30 * 1000 + 1);
    let err: WorkflowError | undefined;
    await t.ctx.auth.check({ userId: sup, pin: '0000' }, 'supervisor').catch((e) => (err = e));
    expect(err).toMatchObject({ statusCode: 429, headers: { 'retry-after': '60' } });
    t.advance(60 * 1000 + 1);
    expect(await code(t.ctx.auth.check({ userId: sup, pin: '2222' }, 'supervisor'))).toBe('ok');
    expect(t.ctx.store.users.get(sup)).toMatchObject({ failedPins: 0, lockedUntil: null });
    expect(await code(t.ctx.auth.check({ userId: sup, pin: '0000' }, 'supervisor'))).toBe('403 wrong_pin');
  });

  it('refuses unknown and inactive users like a wrong PIN, and a nurse where a supervisor is needed', async () => {
    const nurse = await addUser(t.ctx, 'Amina', 'nurse', '1111');
    expect(await code(t.ctx.auth.check({ userId: '00000000-0000-4000-8000-00000000ffff', pin: '2222' }, 'nurse'))).toBe('403 wrong_pin');
    expect(await code(t.ctx.auth.check({ userId: nurse, pin: '1111' }, 'supervisor'))).toBe('403 supervisor_required');
    expect(await code(t.ctx.auth.check({ userId: nurse, pin: '1111' }, 'nurse'))).toBe('ok');
    expect(await code(t.ctx.auth.check({ userId: sup, pin: '2222' }, 'nurse'))).toBe('ok');
    t.ctx.store.users.update(nurse, { active: false }, t.ctx.now().toISOString());
    expect(await code(t.ctx.auth.check({ userId: nurse, pin: '1111' }, 'nurse'))).toBe('403 wrong_pin');
  });

  it('does not let made-up users spend the box-wide budget and lock the real ones out', async () => {
    for (let i = 0; i < 30; i++) {
      const userId = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
      expect(await code(t.ctx.auth.check({ userId, pin: '999999' }, 'nurse'))).toBe('403 wrong_pin');
    }
    expect(await code(t.ctx.auth.check({ userId: sup, pin: '2222' }, 'supervisor'))).toBe('ok');
  });
});

describe('PIN delays', () => {
  it('cost nothing for 4 wrong PINs, then 30 s doubling up to 15 minutes', () => {
    expect([1, 4, 5, 6, 7, 9, 10, 20].map((n) => delayAfter(n) / 1000)).toEqual([0, 0, 30, 60, 120, 480, 900, 900]);
  });
});

describe('KeyedMutex', () => {
  it('runs calls of one key one after another, other keys alongside, and goes on after a failure', async () => {
    const m = new KeyedMutex();
    const log: string[] = [];
    const step =
      (name: string, ms: number, fail = false) =>
      async () => {
        log.push(`${name}+`);
        await new Promise((r) => setTimeout(r, ms));
        log.push(`${name}-`);
        if (fail) throw new Error(name);
        return name;
      };
    const a1 = m.run('a', step('a1', 30, true));
    const a2 = m.run('a', step('a2', 5));
    const b1 = m.run('b', step('b1', 5));
    await expect(a1).rejects.toThrow('a1');
    expect(await a2).toBe('a2');
    expect(await b1).toBe('b1');
    expect(log.indexOf('a2+')).toBeGreaterThan(log.indexOf('a1-'));
    expect(log.indexOf('b1+')).toBeLessThan(log.indexOf('a1-'));
    await new Promise((r) => setTimeout(r, 0));
    expect(m.size).toBe(0);
  });
});
