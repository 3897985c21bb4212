/** Issue 25 item 3: reviewers sign in to a session, sign out, time out when idle, and give their password to sign. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FREE_FAILURES } from '../../src/hub/web/login-throttle.ts';
import { openSession } from '../../src/hub/repo/reviewer-sessions.ts';
import { disableReviewer, provisionReviewer, resetReviewerPassword } from '../../src/hub/repo/reviewers.ts';
import { bearer, countRows, ENGINES, formHeaders, putImage, reviewerHeaders, reviewForm, signInAt, testHub, type TestHub } from './helpers.ts';
import { image, report } from './fixtures.ts';

describe.each(ENGINES)('reviewer sessions (%s)', (engine) => {
  let hub: TestHub;
  let sample: ReturnType<typeof report>;
  beforeAll(async () => {
    hub = await testHub(engine);
    const img = image();
    await putImage(hub, img);
    sample = report({ images: [img.sha256] });
    await hub.app.inject({ method: 'PUT', url: `/api/v1/samples/${sample.sample.id}/revisions/3`, headers: bearer(hub.tokens.c1), payload: { images: [img.sha256], payload: sample } });
  });
  afterAll(async () => hub?.close());

  const samplePath = () => `/review/samples/${sample.sample.id}`;
  const get = (url: string, headers: Record<string, string> = {}) => hub.app.inject({ method: 'GET', url, headers });
  const sign = (session: { cookie: string }, fields: Record<string, string>) =>
    hub.app.inject({ method: 'POST', url: `${samplePath()}/reviews`, headers: { ...session, ...formHeaders }, payload: new URLSearchParams(fields).toString() });
  /** Moves a session's clock: its last use and its end, minutes before now. */
  const age = async (minutesIdle: number, minutesToEnd = 600) =>
    hub.db.db
      .updateTable('reviewer_sessions')
      .set({ last_seen_at: Date.now() - minutesIdle * 60_000, expires_at: Date.now() + minutesToEnd * 60_000 })
      .execute();
  const sessions = async () =>
    Number(
      (
        await hub.db.db
          .selectFrom('reviewer_sessions')
          .select((e) => e.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const clearSessions = () => hub.db.db.deleteFrom('reviewer_sessions').execute();

  it('sends a browser without a session to the sign-in page, and back to where it was going', async () => {
    const res = await get(samplePath());
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/review/login?next=${encodeURIComponent(samplePath())}`);
    const form = await get(String(res.headers.location));
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain(`name="next" value="${samplePath()}"`);
    expect(form.body).toContain('autocomplete="current-password"');
    expect(form.body).not.toContain('Sign out');
    // Crops and images are not pages: a plain 401.
    expect((await get(`/review/images/${'a'.repeat(64)}`)).statusCode).toBe(401);

    const signIn = await hub.app.inject({
      method: 'POST',
      url: '/review/login',
      headers: formHeaders,
      payload: new URLSearchParams({ login: 'ada', password: hub.reviewer.password, next: samplePath() }).toString(),
    });
    expect(signIn.statusCode).toBe(303);
    expect(signIn.headers.location).toBe(samplePath());
    const cookie = signIn.cookies.find((c) => c.name === 'leukodiff_review')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/review' });
    expect(cookie.secure).toBeFalsy();
    const page = await get(samplePath(), { cookie: `${cookie.name}=${cookie.value}` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toMatch(/<form method="post" action="\/review\/logout"[^>]*><span>Dr Ada<\/span> <button type="submit">Sign out<\/button>/);
  });

  it('goes back only to the hub’s own pages after sign-in', async () => {
    for (const next of [
      '//evil.example/review',
      'https://evil.example/review',
      '/reviewer-other',
      '/review\\@evil.example',
      '/review/login?next=/x',
      '/review/../api/v1/ping',
      '/review/€',
      '/review/\x7f',
    ]) {
      const res = await hub.app.inject({
        method: 'POST',
        url: '/review/login',
        headers: formHeaders,
        payload: new URLSearchParams({ login: 'ada', password: hub.reviewer.password, next }).toString(),
      });
      expect(res.headers.location, next).toBe('/review');
    }
    const own = await hub.app.inject({
      method: 'POST',
      url: '/review/login',
      headers: formHeaders,
      payload: new URLSearchParams({ login: 'ada', password: hub.reviewer.password, next: '/review?status=all&page=2' }).toString(),
    });
    expect(own.headers.location).toBe('/review?status=all&page=2');
  });

  it('refuses a sign-in form posted from another site', async () => {
    const res = await hub.app.inject({
      method: 'POST',
      url: '/review/login',
      headers: { ...formHeaders, origin: 'https://evil.example' },
      payload: new URLSearchParams({ login: 'ada', password: hub.reviewer.password }).toString(),
    });
    expect(res.statusCode).toBe(403);
    expect(res.cookies).toEqual([]);
  });

  it('signs out: the session ends at the hub, not only in the browser, and the samples open are let go', async () => {
    await clearSessions();
    const ada = await reviewerHeaders(hub);
    await get(samplePath(), ada);
    expect(await hub.db.db.selectFrom('review_locks').selectAll().execute()).toHaveLength(1);
    const out = await hub.app.inject({ method: 'POST', url: '/review/logout', headers: { ...ada, ...formHeaders }, payload: '' });
    expect(out.statusCode).toBe(303);
    expect(out.headers.location).toBe('/review/login?signed_out=1');
    expect(out.cookies.find((c) => c.name === 'leukodiff_review')?.value).toBe('');
    expect(await sessions()).toBe(0);
    expect(await hub.db.db.selectFrom('review_locks').selectAll().execute()).toHaveLength(0);
    // The old cookie, kept by someone, opens nothing.
    expect((await get('/review', ada)).statusCode).toBe(303);
    expect((await get(String(out.headers.location))).body).toContain('Signed out.');
  });

  it('replaces the browser’s session at a new sign-in', async () => {
    await clearSessions();
    const first = await reviewerHeaders(hub);
    const again = await hub.app.inject({
      method: 'POST',
      url: '/review/login',
      headers: { ...first, ...formHeaders },
      payload: new URLSearchParams({ login: 'ada', password: hub.reviewer.password }).toString(),
    });
    expect(again.statusCode).toBe(303);
    expect(await sessions()).toBe(1);
    expect((await get('/review', first)).statusCode).toBe(303);
  });

  it('times out an idle session: pages ask to sign in again, saying why', async () => {
    await clearSessions();
    const ada = await reviewerHeaders(hub);
    await age(29);
    expect((await get('/review', ada)).statusCode).toBe(200);
    // In use, a session stays open: the page moved its last use to now.
    const row = await hub.db.db.selectFrom('reviewer_sessions').select('last_seen_at').executeTakeFirstOrThrow();
    expect(Date.now() - Number(row.last_seen_at)).toBeLessThan(60_000);
    await age(31);
    const res = await get('/review', ada);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/review/login?next=%2Freview&expired=1');
    expect((await get(String(res.headers.location))).body).toContain('You were signed out after 30 minutes without activity');
  });

  it('ends a session at its end, idle or not, and keeps a review posted after it: sign in on the spot and it is signed', async () => {
    await clearSessions();
    const ada = await reviewerHeaders(hub);
    await age(0, -1);
    expect((await get('/review', ada)).statusCode).toBe(303);
    const form = reviewForm((await get(samplePath(), await reviewerHeaders(hub))).body);
    await age(0, -1);
    const cell = sample.fields[0].cells[1].id;
    const before = await countRows(hub.db, 'reviews');
    const ended = await sign(ada, { ...form, [`cell.${cell}`]: 'basophil', comment: 'baso', password: hub.reviewer.password });
    expect(ended.statusCode).toBe(401);
    expect(ended.body).toContain('Your session ended. Your review is kept: sign in to sign it.');
    // Only what was posted comes back (no password), nothing of the sample: not its patient.
    expect(ended.body).not.toContain(sample.sample.patientId);
    expect(ended.body).not.toContain(hub.reviewer.password);
    const kept = reviewForm(ended.body);
    expect(kept).toMatchObject({ [`cell.${cell}`]: 'basophil', comment: 'baso', revision: form.revision });
    expect(await countRows(hub.db, 'reviews')).toBe(before);
    const signed = await sign(ada, { ...kept, login: 'ada', password: hub.reviewer.password });
    expect(signed.statusCode).toBe(303);
    expect(signed.headers.location).toContain('notice=signed');
    expect(await countRows(hub.db, 'reviews')).toBe(before + 1);
    const session = signed.cookies.find((c) => c.name === 'leukodiff_review')!;
    expect((await get('/review', { cookie: `${session.name}=${session.value}` })).statusCode).toBe(200);
  });

  it('keeps an idle reviewer’s review, shows nothing of the sample without the password, and signs with it', async () => {
    await clearSessions();
    const ada = await reviewerHeaders(hub);
    const form = reviewForm((await get(samplePath(), ada)).body);
    const cell = sample.fields[0].cells[0].id;
    await age(45);
    const before = await countRows(hub.db, 'reviews');
    for (const password of ['not it', '']) {
      const res = await sign(ada, { ...form, [`cell.${cell}`]: 'monocyte', comment: 'mono', password });
      expect(res.statusCode).toBe(401);
      expect(res.body).toContain(password ? 'Wrong login or password. Your review is kept' : 'Your session timed out. Your review is kept');
      expect(res.body).toContain('Signing as Dr Ada.');
      expect(res.body).not.toContain(sample.sample.patientId);
      expect(reviewForm(res.body)).toMatchObject({ [`cell.${cell}`]: 'monocyte', comment: 'mono' });
    }
    expect(await countRows(hub.db, 'reviews')).toBe(before);
    const right = await sign(ada, { ...form, [`cell.${cell}`]: 'monocyte', comment: 'mono', password: hub.reviewer.password });
    expect(right.statusCode).toBe(303);
    expect(right.headers.location).toContain('notice=signed');
    expect(await countRows(hub.db, 'reviews')).toBe(before + 1);
    // A fresh session replaces the idle one.
    expect((await get('/review', ada)).statusCode).toBe(303);
    const session = right.cookies.find((c) => c.name === 'leukodiff_review')!;
    expect((await get('/review', { cookie: `${session.name}=${session.value}` })).statusCode).toBe(200);
  });

  it('signs only with the reviewer’s own password, throttled, and keeps the changes when it is missing or wrong', async () => {
    await clearSessions();
    const { password: benPassword } = await provisionReviewer(hub.db.db, { login: 'ben', name: 'Dr Ben', clinicId: 'c1' }, new Date().toISOString());
    const ben = await reviewerHeaders(hub, 'ben', benPassword);
    const form = reviewForm((await get(samplePath(), ben)).body);
    const cell = sample.fields[0].cells[1].id;
    const before = await countRows(hub.db, 'reviews');
    const missing = await sign(ben, { ...form, [`cell.${cell}`]: 'eosinophil' });
    expect(missing.statusCode).toBe(401);
    expect(missing.body).toContain('Not signed: type your password to sign.');
    expect(reviewForm(missing.body)[`cell.${cell}`]).toBe('eosinophil');
    // Ada's password does not sign as Ben.
    expect((await sign(ben, { ...form, [`cell.${cell}`]: 'eosinophil', password: hub.reviewer.password })).statusCode).toBe(401);
    for (let i = 1; i < FREE_FAILURES; i++) await sign(ben, { ...form, password: `guess-${i}` });
    const held = await sign(ben, { ...form, [`cell.${cell}`]: 'eosinophil', password: benPassword });
    expect(held.statusCode).toBe(429);
    expect(held.body).toMatch(/too many wrong passwords\. Wait \d+ s/);
    expect(reviewForm(held.body)[`cell.${cell}`]).toBe('eosinophil');
    expect(await countRows(hub.db, 'reviews')).toBe(before);
  });

  it('ends every session of a disabled reviewer or of one given a new password', async () => {
    const { password } = await provisionReviewer(hub.db.db, { login: 'cleo', name: 'Dr Cleo', clinicId: null }, new Date().toISOString());
    const cleo = await reviewerHeaders(hub, 'cleo', password);
    expect((await get('/review', cleo)).statusCode).toBe(200);
    const before = await hub.db.db.selectFrom('reviewers').select(['id', 'secret_hash']).where('login', '=', 'cleo').executeTakeFirstOrThrow();
    const fresh = await resetReviewerPassword(hub.db.db, 'cleo');
    expect((await get('/review', cleo)).statusCode).toBe(303);
    // A sign-in checked against the old password just before the reset, whose session lands just after it, opens nothing.
    const late = await openSession(hub.db.db, { id: before.id, credential: before.secret_hash }, Date.now(), { idleMs: 60_000, maxMs: 3_600_000 });
    expect((await get('/review', { cookie: `leukodiff_review=${late}` })).statusCode).toBe(303);
    expect((await signInAt(hub.app, 'cleo', password)).statusCode).toBe(401);
    const again = await reviewerHeaders(hub, 'cleo', fresh!);
    expect((await get('/review', again)).statusCode).toBe(200);
    expect(await disableReviewer(hub.db.db, 'cleo', new Date().toISOString())).toBe(true);
    expect((await get('/review', again)).statusCode).toBe(303);
    expect(await hub.db.db.selectFrom('reviewer_sessions').innerJoin('reviewers', 'reviewers.id', 'reviewer_sessions.reviewer_id').where('reviewers.login', '=', 'cleo').selectAll().execute()).toEqual(
      [],
    );
    expect((await signInAt(hub.app, 'cleo', fresh!)).statusCode).toBe(401);
  });
});

describe('signing under a flood of guesses at the sign-in page', () => {
  let hub: TestHub;
  afterAll(async () => hub?.close());

  it('lets a signed-in reviewer sign while the sign-in page holds every login', async () => {
    hub = await testHub('sqlite');
    const img = image();
    await putImage(hub, img);
    const sample = report({ images: [img.sha256] });
    await hub.app.inject({ method: 'PUT', url: `/api/v1/samples/${sample.sample.id}/revisions/3`, headers: bearer(hub.tokens.c1), payload: { images: [img.sha256], payload: sample } });
    const ada = await reviewerHeaders(hub);
    const url = `/review/samples/${sample.sample.id}`;
    const form = reviewForm((await hub.app.inject({ method: 'GET', url, headers: ada })).body);
    for (let i = 0; i < 60; i++) await signInAt(hub.app, `guess${i}`, 'x');
    expect((await signInAt(hub.app, 'ada', hub.reviewer.password)).statusCode).toBe(429);
    const res = await hub.app.inject({
      method: 'POST',
      url: `${url}/reviews`,
      headers: { ...ada, ...formHeaders },
      payload: new URLSearchParams({ ...form, password: hub.reviewer.password }).toString(),
    });
    expect(res.statusCode).toBe(303);
  });
});
