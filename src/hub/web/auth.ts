/**
 * Who is signed in on the reviewer pages: a session cookie (sign-in.ts opens and closes sessions,
 * repo/reviewer-sessions.ts keeps them), checked on every request. A route says what it needs in
 * its config's `reviewerAccess`:
 * - 'public': the sign-in page;
 * - 'page': a page; without a session the browser is sent to sign in, and back here after;
 * - 'sign': signing a review, which goes through without an active session too: the route asks
 *   for the password before it shows anything (sign-review.ts), so a long look at a sample is not lost;
 * - unset: an image, a crop, the script: 401 without a session.
 * Form posts must come from the hub's own pages: a post whose Origin is another site is refused.
 */
import cookie from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { HubError } from '../plugins/errors.ts';
import { sessionOf, type SessionTimes } from '../repo/reviewer-sessions.ts';
import type { Reviewer } from '../repo/reviewers.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The reviewer of an active session. */
    reviewer: Reviewer | null;
    /** The reviewer of a session idle past the time-out (only 'sign' and 'public' routes get this far with one). */
    idleReviewer: Reviewer | null;
  }
  interface FastifyContextConfig {
    reviewerAccess?: 'public' | 'page' | 'sign';
  }
}

export const SESSION_COOKIE = 'leukodiff_review';

export function sessionTimes(config: { reviewerIdleMinutes: number; reviewerSessionHours: number }): SessionTimes {
  return { idleMs: config.reviewerIdleMinutes * 60_000, maxMs: config.reviewerSessionHours * 3_600_000 };
}

export function currentReviewer(req: FastifyRequest): Reviewer {
  if (!req.reviewer) throw new HubError(401, 'unauthorised', 'sign in as a reviewer at /review/login');
  return req.reviewer;
}

/** The sign-in page's address, coming back to `next` (a page of the hub's own) after. */
export function signInUrl(next: string | null, why: 'expired' | 'signed_out' | null): string {
  const q = new URLSearchParams();
  if (next) q.set('next', next);
  if (why) q.set(why, '1');
  const s = q.toString();
  return `/review/login${s ? `?${s}` : ''}`;
}

/** Only the hub's own reviewer pages are gone back to after sign-in (never another site, never the sign-in page). */
export function safeNext(next: string | undefined): string {
  // Printable ASCII only: a browser sends a page's own address percent-encoded, and a raw byte would not go into a Location header.
  if (!next || !/^\/[\x21-\x7e]*$/.test(next) || next.includes('\\')) return '/review';
  const url = new URL(next, 'http://hub.invalid');
  const own = url.origin === 'http://hub.invalid' && (url.pathname === '/review' || url.pathname.startsWith('/review/')) && !url.pathname.startsWith('/review/login');
  return own ? url.pathname + url.search : '/review';
}

function sameSite(req: FastifyRequest): boolean {
  const origin = req.headers.origin;
  if (typeof origin !== 'string') return false;
  try {
    const o = new URL(origin);
    // Parsed the same way, so a default port written out in Host compares equal.
    return o.host === new URL(`${o.protocol}//${req.headers.host}`).host;
  } catch {
    return false;
  }
}

async function refuse(req: FastifyRequest, reply: FastifyReply, idle: boolean): Promise<void> {
  if (req.routeOptions.config.reviewerAccess === 'page') {
    // Back to the page after sign-in.
    await reply.redirect(signInUrl(req.url, idle ? 'expired' : null), 303);
    return;
  }
  throw new HubError(401, 'unauthorised', idle ? 'signed out after a time without activity: sign in again at /review/login' : 'sign in as a reviewer at /review/login');
}

export default fp<{ times: SessionTimes }>(
  async (app, opts) => {
    await app.register(cookie);
    app.decorateRequest('reviewer', null);
    app.decorateRequest('idleReviewer', null);
    app.addHook('onRequest', async (req, reply) => {
      if (req.method === 'POST' && !sameSite(req)) throw new HubError(403, 'cross_site', 'form posts are accepted only from the hub’s own pages');
      const access = req.routeOptions.config.reviewerAccess;
      const token = req.cookies[SESSION_COOKIE];
      const state = token ? await sessionOf(app.hub.db, token, Date.now(), opts.times) : ({ kind: 'none' } as const);
      if (state.kind === 'active') req.reviewer = state.reviewer;
      else if (state.kind === 'idle') req.idleReviewer = state.reviewer;
      if (access === 'public' || access === 'sign' || state.kind === 'active') return;
      await refuse(req, reply, state.kind === 'idle');
      return reply;
    });
  },
  { name: 'reviewer-auth', dependencies: ['hub-db'] },
);
