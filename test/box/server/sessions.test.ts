import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPin } from '../../../src/box/workflow/pin.ts';
import { REFRESH_STEP_MS } from '../../../src/box/workflow/sessions.ts';
import { testApp } from '../../helpers/app.ts';
import { asUser, setDefaultSession, signIn } from '../../helpers/session.ts';
import { analysed, createUsers, fieldJpeg, NURSE_PIN, SUPERVISOR_PIN, upload } from '../../helpers/workflow.ts';

const NO_SESSION = { cookie: '' };
const failedPins = (db: Database.Database, id: string) => (db.prepare('SELECT failed_pins AS n FROM users WHERE id = ?').get(id) as { n: number }).n;
const MINUTE = 60_000;

/**
 * An app with its own clock (read by sessions and PIN delays) and data folder; `advance` moves the
 * clock on, `db` is a second connection to its database (to look at what is stored).
 */
async function clockedApp() {
  let t = Date.now();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'leukodiff-sessions-'));
  const app = await testApp({ dataDir }, { now: () => new Date(t) });
  const db = new Database(path.join(dataDir, 'leukodiff.db'));
  const close = async () => {
    db.close();
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { app, db, close, advance: (ms: number) => void (t += ms) };
}

describe('first-boot setup', () => {
  let app: FastifyInstance;
  let db: Database.Database;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ app, db, close } = await clockedApp());
  });
  afterAll(() => close());

  it('makes the first supervisor with a PIN of at least 6 digits, once, and shows the recovery code once', async () => {
    expect((await app.inject({ url: '/api/setup' })).json()).toEqual({ needed: true, hubUrl: null, session: null });
    // Nobody makes the first supervisor through the users route.
    let res = await app.inject({ method: 'POST', url: '/api/users', payload: { name: 'Dr Okafor', role: 'supervisor', pin: SUPERVISOR_PIN } });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toBe('setup_required');
    res = await app.inject({ method: 'POST', url: '/api/setup', payload: { language: 'fr', supervisor: { name: 'Dr Okafor', pin: '12345' } } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'pin_too_short', message: expect.stringContaining('at least 6 digits') });
    res = await app.inject({ method: 'POST', url: '/api/setup', payload: { language: 'fr', supervisor: { name: 'Dr Okafor', pin: '482193' } } });
    expect(res.statusCode).toBe(201);
    expect(res.json().supervisor).toMatchObject({ name: 'Dr Okafor', role: 'supervisor' });
    expect(res.json().recoveryCode).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){4}$/);
    // Only a hash of it is kept.
    expect(JSON.stringify(db.prepare('SELECT * FROM box_secrets').all())).not.toContain(res.json().recoveryCode.replace(/-/g, ''));
    expect((await app.inject({ url: '/api/settings' })).json().language).toBe('fr');
    res = await app.inject({ method: 'POST', url: '/api/setup', payload: { language: 'en', supervisor: { name: 'Intruder', pin: '999999' } } });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toBe('already_set_up');
    expect((await app.inject({ url: '/api/setup' })).json().needed).toBe(false);
  });
});

describe('sessions', () => {
  let app: FastifyInstance;
  let users: Awaited<ReturnType<typeof createUsers>>;
  let advance: (ms: number) => void;
  let db: Database.Database;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ app, db, advance, close } = await clockedApp());
    users = await createUsers(app);
  });
  afterAll(() => close());

  it('signs in with an HttpOnly, SameSite=Strict, Path=/ cookie whose token is stored only as a hash', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/session', payload: { userId: users.nurse, pin: NURSE_PIN }, headers: NO_SESSION });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ user: { id: users.nurse, name: 'Nurse Amina', role: 'nurse' }, idleLockMinutes: 10, pinChangeRequired: false });
    const header = String(res.headers['set-cookie']);
    expect(header).toMatch(/^leukodiff_session=[A-Za-z0-9_-]{43};/);
    expect(header).toContain('HttpOnly');
    expect(header).toContain('SameSite=Strict');
    expect(header).toContain('Path=/');
    const token = res.cookies[0]!.value;
    const rows = JSON.stringify(db.prepare('SELECT * FROM sessions').all());
    expect(rows).not.toContain(token);
    expect((await app.inject({ url: '/api/session', headers: { cookie: `leukodiff_session=${token}` } })).json().user.id).toBe(users.nurse);
    // The kiosk starts from GET /api/setup, which says who is signed in without a 401.
    expect((await app.inject({ url: '/api/setup', headers: { cookie: `leukodiff_session=${token}` } })).json()).toMatchObject({ needed: false, session: { user: { id: users.nurse } } });
    expect((await app.inject({ url: '/api/setup', headers: NO_SESSION })).json()).toMatchObject({ needed: false, session: null });
  });

  it('refuses changes, the audit trail and the user list without a session (401 sign_in_required), but not reading samples', async () => {
    for (const req of [
      { method: 'POST', url: '/api/samples', payload: { reference: 'NO-SESSION' } },
      { method: 'GET', url: '/api/audit' },
      { method: 'GET', url: '/api/users' },
      { method: 'PATCH', url: '/api/settings', payload: { targetCount: 50, auth: { userId: users.supervisor, pin: SUPERVISOR_PIN } } },
      { method: 'POST', url: '/api/sync/run' },
    ] as const) {
      const res = await app.inject({ ...req, headers: NO_SESSION });
      expect(res.statusCode, `${req.method} ${req.url}`).toBe(401);
      expect(res.json()).toEqual({ error: 'sign_in_required', message: expect.stringContaining('sign in') });
    }
    expect((await app.inject({ url: '/api/samples', headers: NO_SESSION })).statusCode).toBe(200);
    expect((await app.inject({ url: '/api/session', headers: NO_SESSION })).statusCode).toBe(401);
    // The people to choose from are listed without a session: names and roles only.
    const people = (await app.inject({ url: '/api/session/people', headers: NO_SESSION })).json();
    expect(people).toEqual([
      { id: users.supervisor, name: 'Dr Okafor', role: 'supervisor' },
      { id: users.nurse, name: 'Nurse Amina', role: 'nurse' },
    ]);
  });

  it('ignores the old user header: the session user is the actor, and the audit names them', async () => {
    let res = await app.inject({ method: 'POST', url: '/api/samples', payload: { reference: 'HDR-1' }, headers: { ...NO_SESSION, 'x-leukodiff-user': users.supervisor } });
    expect(res.statusCode).toBe(401);
    res = await app.inject({ method: 'POST', url: '/api/samples', payload: { reference: 'HDR-2' }, headers: { ...asUser(app, users.nurse), 'x-leukodiff-user': users.supervisor } });
    expect(res.statusCode).toBe(201);
    expect(res.json().createdBy).toBe(users.nurse);
    const audit = (await app.inject({ url: `/api/samples/${res.json().id}/audit`, headers: asUser(app, users.nurse) })).json();
    expect(audit[0]).toMatchObject({ action: 'sample.created', userId: users.nurse });
  });

  it('names the signed-in nurse on the report as who created and photographed the sample', async () => {
    const created = await app.inject({ method: 'POST', url: '/api/samples', payload: { reference: 'REP-1' }, headers: asUser(app, users.nurse) });
    const id = created.json().id as string;
    expect((await upload(app, id, await fieldJpeg(7), {}, users.nurse)).statusCode).toBe(202);
    await analysed(app, id);
    const report = (await app.inject({ url: `/api/samples/${id}/report` })).json();
    expect(report.people.createdBy).toMatchObject({ name: 'Nurse Amina' });
    expect(report.people.photographedBy).toEqual([expect.objectContaining({ name: 'Nurse Amina' })]);
  });

  it('signs out', async () => {
    const cookie = await signIn(app, users.nurse, NURSE_PIN, { asDefault: false });
    const res = await app.inject({ method: 'DELETE', url: '/api/session', headers: { cookie } });
    expect(res.statusCode).toBe(204);
    expect(String(res.headers['set-cookie'])).toMatch(/leukodiff_session=;/);
    expect((await app.inject({ url: '/api/session', headers: { cookie } })).statusCode).toBe(401);
    expect((await app.inject({ method: 'POST', url: '/api/samples', payload: { reference: 'OUT' }, headers: { cookie } })).statusCode).toBe(401);
  });

  it('keeps the signed-in session when someone else mistypes their PIN on the kiosk; a new sign-in replaces it', async () => {
    const cookie = await signIn(app, users.nurse, NURSE_PIN, { asDefault: false });
    let res = await app.inject({ method: 'POST', url: '/api/session', payload: { userId: users.supervisor, pin: '000000' }, headers: { cookie } });
    expect(res.statusCode).toBe(403);
    expect((await app.inject({ url: '/api/session', headers: { cookie } })).json().user).toMatchObject({ id: users.nurse });
    res = await app.inject({ method: 'POST', url: '/api/session', payload: { userId: users.supervisor, pin: SUPERVISOR_PIN }, headers: { cookie } });
    expect(res.statusCode).toBe(201);
    expect((await app.inject({ url: '/api/session', headers: { cookie } })).statusCode).toBe(401);
  });

  it('writes a refresh at most once per 30 s, however many pictures a page loads', async () => {
    const cookie = await signIn(app, users.nurse, NURSE_PIN, { asDefault: false });
    const seen = () => (db.prepare('SELECT max(last_seen_at) AS t FROM sessions WHERE user_id = ?').get(users.nurse) as { t: number }).t;
    const signedIn = seen();
    advance(10_000);
    for (let i = 0; i < 20; i++) expect((await app.inject({ url: '/api/samples', headers: { cookie } })).statusCode).toBe(200);
    expect(seen()).toBe(signedIn);
    advance(REFRESH_STEP_MS);
    expect((await app.inject({ url: '/api/samples', headers: { cookie } })).statusCode).toBe(200);
    expect(seen()).toBe(signedIn + 10_000 + REFRESH_STEP_MS);
  });

  it('locks after the idle time; each request refreshes it, except the kiosk’s background polling', async () => {
    const cookie = await signIn(app, users.nurse, NURSE_PIN, { asDefault: false });
    advance(9 * MINUTE);
    expect((await app.inject({ url: '/api/samples', headers: { cookie } })).statusCode).toBe(200);
    advance(9 * MINUTE);
    // 18 minutes after sign-in, 9 after the last request: still open.
    expect((await app.inject({ url: '/api/session', headers: { cookie, 'x-leukodiff-background': '1' } })).statusCode).toBe(200);
    advance(2 * MINUTE);
    // 11 minutes after the last request that counted: the background poll did not refresh it.
    const res = await app.inject({ method: 'POST', url: '/api/samples', payload: { reference: 'IDLE' }, headers: { cookie } });
    expect(res.statusCode).toBe(401);
    expect(res.json().error).toBe('sign_in_required');
  });

  it('follows the idle time set in Settings, and ends every session after 12 hours', async () => {
    const sup = await signIn(app, users.supervisor, SUPERVISOR_PIN, { asDefault: false });
    let res = await app.inject({ method: 'PATCH', url: '/api/settings', payload: { idleLockMinutes: 30, auth: { userId: users.supervisor, pin: SUPERVISOR_PIN } }, headers: { cookie: sup } });
    expect(res.statusCode).toBe(200);
    expect(res.json().idleLockMinutes).toBe(30);
    const cookie = await signIn(app, users.nurse, NURSE_PIN, { asDefault: false });
    advance(20 * MINUTE);
    expect((await app.inject({ url: '/api/session', headers: { cookie } })).statusCode).toBe(200);
    for (let h = 0; h < 12 * 3; h++) {
      advance(20 * MINUTE);
      res = await app.inject({ url: '/api/session', headers: { cookie } });
      if (res.statusCode === 401) break;
    }
    expect(res.statusCode).toBe(401);
    expect((await app.inject({ url: '/api/session', headers: { cookie: sup } })).statusCode).toBe(401);
    await app.inject({
      method: 'PATCH',
      url: '/api/settings',
      payload: { idleLockMinutes: 10, auth: { userId: users.supervisor, pin: SUPERVISOR_PIN } },
      headers: { cookie: await signIn(app, users.supervisor, SUPERVISOR_PIN, { asDefault: false }) },
    });
  });

  it('ends the sessions of a user who is deactivated', async () => {
    const sup = await signIn(app, users.supervisor, SUPERVISOR_PIN, { asDefault: false });
    const made = await app.inject({
      method: 'POST',
      url: '/api/users',
      payload: { name: 'Nurse Temp', role: 'nurse', pin: '2468', auth: { userId: users.supervisor, pin: SUPERVISOR_PIN } },
      headers: { cookie: sup },
    });
    const temp = made.json().id as string;
    const cookie = await signIn(app, temp, '2468', { asDefault: false });
    await app.inject({ method: 'PATCH', url: `/api/users/${temp}`, payload: { active: false, auth: { userId: users.supervisor, pin: SUPERVISOR_PIN } }, headers: { cookie: sup } });
    expect((await app.inject({ url: '/api/session', headers: { cookie } })).statusCode).toBe(401);
  });
});

describe('PIN guessing', () => {
  let app: FastifyInstance;
  let users: Awaited<ReturnType<typeof createUsers>>;
  let advance: (ms: number) => void;
  let db: Database.Database;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ app, db, advance, close } = await clockedApp());
    users = await createUsers(app);
  });
  afterAll(() => close());

  const signInRes = (userId: string, pin: string, remoteAddress = '127.0.0.1') => app.inject({ method: 'POST', url: '/api/session', payload: { userId, pin }, headers: NO_SESSION, remoteAddress });

  it('counts every guess before evaluating the next: 25 wrong PINs at once, then the right one is refused while delayed', async () => {
    const guesses = Array.from({ length: 25 }, (_, i) => signInRes(users.supervisor, String(100000 + i), `10.0.0.${i + 1}`));
    const right = signInRes(users.supervisor, SUPERVISOR_PIN, '10.0.1.1');
    const results = await Promise.all(guesses);
    const codes = results.map((r) => r.json().error);
    expect(codes.filter((c) => c === 'wrong_pin')).toHaveLength(4);
    expect(codes.filter((c) => c === 'pin_locked')).toHaveLength(21);
    const last = await right;
    expect(last.statusCode).toBe(429);
    expect(last.json().error).toBe('pin_locked');
    expect(Number(last.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(last.headers['retry-after'])).toBeLessThanOrEqual(30);
    // Only the 5 evaluated guesses were counted: the delay is the first one (30 s), not hours.
    expect(failedPins(db, users.supervisor)).toBe(5);
    // The same delay holds for every PIN route (sign-off, settings...).
    const settings = await app.inject({ method: 'PATCH', url: '/api/settings', payload: { targetCount: 50, auth: { userId: users.supervisor, pin: SUPERVISOR_PIN } } });
    expect(settings.json().error).toBe('pin_locked');
  });

  it('grows the delay with each further wrong PIN (30 s, 1 min, 2 min ...) up to 15 minutes, never locking the clinic out for longer', async () => {
    const waits: number[] = [];
    for (let i = 0; i < 7; i++) {
      advance(16 * MINUTE);
      const res = await signInRes(users.supervisor, '000000');
      expect(res.json().error).toBe('pin_locked');
      waits.push(Number(res.headers['retry-after']));
    }
    expect(waits).toEqual([60, 120, 240, 480, 900, 900, 900]);
    advance(15 * MINUTE + 1000);
    expect((await signInRes(users.supervisor, SUPERVISOR_PIN)).statusCode).toBe(201);
    expect(failedPins(db, users.supervisor)).toBe(0);
  });

  it('limits wrong PINs box-wide across users, addresses and routes, until the technician’s recovery code clears it', async () => {
    advance(30 * MINUTE);
    const sup = await signIn(app, users.supervisor, SUPERVISOR_PIN, { asDefault: false });
    const nurses: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/users',
        payload: { name: `Guess ${i}`, role: 'nurse', pin: '1357', auth: { userId: users.supervisor, pin: SUPERVISOR_PIN } },
        headers: { cookie: sup },
      });
      nurses.push(res.json().id);
    }
    // 20 wrong PINs, 4 per user (none reaches its own delay), from 20 addresses, on two routes.
    let n = 0;
    for (const id of nurses) {
      for (let k = 0; k < 4; k++, n++) {
        const res =
          n % 2 === 0
            ? await signInRes(id, '9999', `10.1.0.${n}`)
            : await app.inject({ method: 'POST', url: `/api/users/${id}/verify-pin`, payload: { pin: '9999' }, headers: { cookie: sup }, remoteAddress: `10.1.0.${n}` });
        expect(res.json().error).toBe('wrong_pin');
      }
    }
    const refused = await signInRes(users.nurse, NURSE_PIN, '10.2.0.1');
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ error: 'pin_budget', message: expect.stringContaining('recovery code') });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);

    let res = await app.inject({ method: 'POST', url: '/api/setup/recover', payload: { recoveryCode: 'AAAA-BBBB-CCCC-DDDD-EEEE' }, headers: NO_SESSION });
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toBe('wrong_recovery_code');
    res = await app.inject({ method: 'POST', url: '/api/setup/recover', payload: { recoveryCode: users.recoveryCode.toLowerCase() }, headers: NO_SESSION });
    expect(res.statusCode).toBe(200);
    expect((await signInRes(users.nurse, NURSE_PIN, '10.2.0.1')).statusCode).toBe(201);
  });

  it('lets the recovery code set a new PIN for a supervisor (6 digits at least), never for a nurse', async () => {
    let res = await app.inject({ method: 'POST', url: '/api/setup/recover', payload: { recoveryCode: users.recoveryCode, userId: users.nurse, pin: '123456' }, headers: NO_SESSION });
    expect(res.json().error).toBe('not_a_supervisor');
    res = await app.inject({ method: 'POST', url: '/api/setup/recover', payload: { recoveryCode: users.recoveryCode, userId: users.supervisor, pin: '1234' }, headers: NO_SESSION });
    expect(res.json().error).toBe('pin_too_short');
    res = await app.inject({ method: 'POST', url: '/api/setup/recover', payload: { recoveryCode: users.recoveryCode, userId: users.supervisor, pin: '246813' }, headers: NO_SESSION });
    expect(res.statusCode).toBe(200);
    expect((await signInRes(users.supervisor, '246813')).statusCode).toBe(201);
    expect((await signInRes(users.supervisor, SUPERVISOR_PIN)).statusCode).toBe(403);
    const sup = await signIn(app, users.supervisor, '246813', { asDefault: false });
    const audit = (await app.inject({ url: '/api/audit?limit=20', headers: { cookie: sup } })).json();
    expect(audit.find((e: { action: string; target: string | null }) => e.action === 'setup.recovered' && e.target === `user:${users.supervisor}`)).toMatchObject({ detail: { pin: 'changed' } });
    // Back to the shared test PIN.
    await app.inject({ method: 'POST', url: '/api/setup/recover', payload: { recoveryCode: users.recoveryCode, userId: users.supervisor, pin: SUPERVISOR_PIN }, headers: NO_SESSION });
  });

  it('asks supervisors for 6 digits and nurses for 4; an older short supervisor PIN still works but must be changed', async () => {
    const sup = await signIn(app, users.supervisor, SUPERVISOR_PIN, { asDefault: false });
    const auth = { userId: users.supervisor, pin: SUPERVISOR_PIN };
    let res = await app.inject({ method: 'POST', url: '/api/users', payload: { name: 'Dr Short', role: 'supervisor', pin: '1234', auth }, headers: { cookie: sup } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'pin_too_short', message: expect.stringContaining('at least 6 digits') });
    res = await app.inject({ method: 'POST', url: '/api/users', payload: { name: 'Nurse Four', role: 'nurse', pin: '1234', auth }, headers: { cookie: sup } });
    expect(res.statusCode).toBe(201);
    const four = res.json().id;
    res = await app.inject({ method: 'PATCH', url: `/api/users/${four}`, payload: { role: 'supervisor', auth }, headers: { cookie: sup } });
    expect(res.json().error).toBe('pin_required');
    res = await app.inject({ method: 'PATCH', url: `/api/users/${four}`, payload: { role: 'supervisor', pin: '12345', auth }, headers: { cookie: sup } });
    expect(res.json().error).toBe('pin_too_short');
    // A supervisor whose 4-digit PIN predates the rule.
    db.prepare(`UPDATE users SET role = 'supervisor', pin_hash = ? WHERE id = ?`).run(await hashPin('1234'), four);
    res = await signInRes(four, '1234');
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ pinChangeRequired: true });
    expect((await signInRes(users.supervisor, SUPERVISOR_PIN)).json().pinChangeRequired).toBe(false);
  });

  it('keeps a signed-in nurse working while a supervisor signs with their PIN on her session', async () => {
    setDefaultSession(app, await signIn(app, users.nurse, NURSE_PIN));
    const res = await app.inject({ method: 'PATCH', url: '/api/settings', payload: { targetCount: 120, auth: { userId: users.supervisor, pin: SUPERVISOR_PIN } } });
    expect(res.statusCode).toBe(200);
    const audit = (await app.inject({ url: '/api/audit?limit=1' })).json();
    expect(audit[0]).toMatchObject({ action: 'settings.changed', userId: users.supervisor });
  });
});
