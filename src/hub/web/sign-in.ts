/**
 * Signing in and out of the reviewer pages: GET/POST /review/login, POST /review/logout. A right
 * password opens a session (an HttpOnly cookie, Secure over TLS); wrong ones are throttled
 * (login-throttle.ts), as are the passwords given to sign a review (`checkPassword`).
 */
import type { FastifyReply } from 'fastify';
import type { RoutesPlugin } from '../../server-common/type-provider.ts';
import type { HubKysely } from '../db/connect.ts';
import { closeSession, openSession, type SessionTimes } from '../repo/reviewer-sessions.ts';
import { reviewerForLogin, type Reviewer } from '../repo/reviewers.ts';
import { releaseAllOf } from '../repo/review-locks.ts';
import { safeNext, SESSION_COOKIE, signInUrl } from './auth.ts';
import { html, page } from './html.ts';
import type { Locale } from './i18n/locale.ts';
import { requestLocale } from './language.ts';
import type { LoginThrottle } from './login-throttle.ts';

export type PasswordCheck = { kind: 'right'; reviewer: Reviewer & { credential: string } } | { kind: 'wrong' } | { kind: 'wait'; retryAfterS: number };

/** The password of `login`, through `throttle` under `key` (the login unless told). */
export async function checkPassword(throttle: LoginThrottle, db: HubKysely, login: string, password: string, key = login): Promise<PasswordCheck> {
  // No login has a NUL or is that long; PostgreSQL could not even compare a NUL.
  if (!login || login.length > 200 || login.includes('\0') || password.includes('\0')) return { kind: 'wrong' };
  const out = await throttle.attempt(key, () => reviewerForLogin(db, login, password));
  if (out.kind === 'wait') return out;
  return out.value ? { kind: 'right', reviewer: out.value } : { kind: 'wrong' };
}

function signInPage(loc: Locale, next: string, message: string | null, login = ''): string {
  return page(
    loc,
    loc.t('signIn.title'),
    null,
    html`<h1>${loc.t('signIn.heading')}</h1>
    ${message ? html`<p class="note" role="alert">${message}</p>` : ''}
    <form method="post" action="/review/login" class="sign-in">
      <input type="hidden" name="next" value="${next}">
      <p><label>${loc.t('signIn.login')}<br><input name="login" autocomplete="username" required maxlength="200" value="${login}" autofocus></label></p>
      <p><label>${loc.t('signIn.password')}<br><input name="password" type="password" autocomplete="current-password" required maxlength="200"></label></p>
      <p><button type="submit">${loc.t('signIn.submit')}</button></p>
    </form>`,
  );
}

/** A new session for the reviewer whose password was right: it replaces the browser's old one, if any, and goes in an HttpOnly cookie (Secure over TLS). */
export async function startSession(
  db: HubKysely,
  req: { cookies: Record<string, string | undefined>; protocol: string },
  reply: FastifyReply,
  reviewer: Reviewer & { credential: string },
  times: SessionTimes,
): Promise<void> {
  const old = req.cookies[SESSION_COOKIE];
  if (old) await closeSession(db, old);
  const token = await openSession(db, reviewer, Date.now(), times);
  reply.setCookie(SESSION_COOKIE, token, { path: '/review', httpOnly: true, sameSite: 'lax', secure: req.protocol === 'https', maxAge: Math.floor(times.maxMs / 1000) });
}

/**
 * A review posted without an active session: the reviewer signs in here and the review is signed.
 * The page holds only what they posted (as hidden fields), nothing of the sample, until the password is right.
 */
export function signInToSignPage(loc: Locale, posted: Record<string, string>, why: 'idle' | 'ended' | 'wrong' | { waitS: number }, idleName: string | null, login: string): string {
  const message = why === 'idle' ? loc.t('signToSign.idle') : why === 'ended' ? loc.t('signToSign.ended') : why === 'wrong' ? loc.t('signToSign.wrong') : loc.t('signIn.wait', { s: why.waitS });
  const hidden = Object.entries(posted).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`);
  return page(
    loc,
    loc.t('signToSign.title'),
    null,
    html`<h1>${loc.t('signToSign.heading')}</h1>
    <p class="note" role="alert">${message}</p>
    <form method="post" class="sign-in">${hidden}
      ${
        idleName === null
          ? html`<p><label>${loc.t('signIn.login')}<br><input name="login" autocomplete="username" required maxlength="200" value="${login}"></label></p>`
          : html`<p>${loc.t('signToSign.as', { name: idleName })}</p>`
      }
      <p><label>${loc.t('signIn.password')}<br><input name="password" type="password" autocomplete="current-password" required maxlength="200" autofocus></label></p>
      <p><button type="submit">${loc.t('signToSign.submit')}</button></p>
    </form>`,
  );
}

const text = (maxLength: number) => ({ type: 'string', maxLength }) as const;

export default (opts: { throttle: LoginThrottle; times: SessionTimes }): RoutesPlugin =>
  async (app) => {
    const db = app.hub.db;
    const sendPage = (reply: FastifyReply, code: number, body: string) => reply.code(code).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);

    app.get(
      '/review/login',
      {
        config: { reviewerAccess: 'public' },
        schema: {
          querystring: { type: 'object', additionalProperties: false, properties: { next: text(2000), expired: { type: 'string', enum: ['1'] }, signed_out: { type: 'string', enum: ['1'] } } },
        },
      },
      async (req, reply) => {
        const loc = requestLocale(req);
        const minutes = Math.round(opts.times.idleMs / 60_000);
        const message = req.query.expired ? loc.t('signIn.expired', { n: minutes }) : req.query.signed_out ? loc.t('signIn.signedOut') : null;
        return sendPage(reply, 200, signInPage(loc, safeNext(req.query.next), message));
      },
    );

    app.post(
      '/review/login',
      {
        config: { reviewerAccess: 'public' },
        schema: {
          body: { type: 'object', required: ['login', 'password'], additionalProperties: false, properties: { login: text(200), password: text(200), next: text(2000) } },
        },
      },
      async (req, reply) => {
        const next = safeNext(req.body.next);
        // Nothing is lost by switching the language here: the switch goes back to an empty sign-in page.
        const loc = { ...requestLocale(req), here: signInUrl(next, null) };
        const out = await checkPassword(opts.throttle, db, req.body.login, req.body.password);
        if (out.kind === 'wait') return sendPage(reply.header('retry-after', String(out.retryAfterS)), 429, signInPage(loc, next, loc.t('signIn.wait', { s: out.retryAfterS }), req.body.login));
        if (out.kind === 'wrong') return sendPage(reply, 401, signInPage(loc, next, loc.t('signIn.wrong'), req.body.login));
        await startSession(db, req, reply, out.reviewer, opts.times);
        return reply.redirect(next, 303);
      },
    );

    app.post('/review/logout', { config: { reviewerAccess: 'public' } }, async (req, reply) => {
      const token = req.cookies[SESSION_COOKIE];
      if (token) await closeSession(db, token);
      // Signed out, the reviewer no longer has samples open.
      if (req.reviewer) await releaseAllOf(db, req.reviewer.id);
      reply.clearCookie(SESSION_COOKIE, { path: '/review' });
      return reply.redirect(signInUrl(null, 'signed_out'), 303);
    });
  };
