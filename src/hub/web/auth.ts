/**
 * HTTP Basic authentication for the reviewer pages (served over TLS in production), throttled
 * against guessing (login-throttle.ts), and a check that form posts come from the hub's own pages:
 * a browser sends Basic credentials along with any cross-site form post, so a post whose Origin is
 * another site is refused.
 */
import fp from 'fastify-plugin';
import { HubError } from '../plugins/errors.ts';
import { reviewerForLogin, type Reviewer } from '../repo/reviewers.ts';
import { LoginThrottle } from './login-throttle.ts';

declare module 'fastify' {
  interface FastifyRequest {
    reviewer: Reviewer | null;
  }
}

const CHALLENGE = { 'www-authenticate': 'Basic realm="leukodiff hub reviewers", charset="UTF-8"' };

export function currentReviewer(req: { reviewer: Reviewer | null }): Reviewer {
  if (!req.reviewer) throw new HubError(401, 'unauthorised', 'sign in as a reviewer', {}, CHALLENGE);
  return req.reviewer;
}

function credentials(header: string | undefined): { login: string; password: string } | null {
  const m = header ? /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header) : null;
  if (!m) return null;
  const text = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = text.indexOf(':');
  // No login has a NUL or is that long; PostgreSQL could not even compare a NUL.
  if (colon <= 0 || colon > 200 || text.includes('\0')) return null;
  return { login: text.slice(0, colon), password: text.slice(colon + 1) };
}

export default fp<{ throttle?: LoginThrottle }>(
  async (app, opts) => {
    const throttle = opts.throttle ?? new LoginThrottle();
    app.decorateRequest('reviewer', null);
    app.addHook('onRequest', async (req) => {
      const cred = credentials(req.headers.authorization);
      if (!cred) throw new HubError(401, 'unauthorised', 'sign in as a reviewer', {}, CHALLENGE);
      const out = await throttle.attempt(cred.login, () => reviewerForLogin(app.hub.db, cred.login, cred.password));
      if (out.kind === 'wait') {
        throw new HubError(429, 'too_many_attempts', `too many wrong passwords: wait ${out.retryAfterS} s before signing in again`, {}, { 'retry-after': String(out.retryAfterS) });
      }
      const reviewer = out.value;
      if (!reviewer) throw new HubError(401, 'unauthorised', 'sign in as a reviewer', {}, CHALLENGE);
      req.reviewer = reviewer;
      if (req.method === 'POST') {
        const origin = req.headers.origin;
        let sameSite = false;
        try {
          if (typeof origin === 'string') {
            const o = new URL(origin);
            // Parsed the same way, so a default port written out in Host compares equal.
            sameSite = o.host === new URL(`${o.protocol}//${req.headers.host}`).host;
          }
        } catch {
          sameSite = false;
        }
        if (!sameSite) throw new HubError(403, 'cross_site', 'form posts are accepted only from the hub’s own pages');
      }
    });
  },
  { name: 'reviewer-auth', dependencies: ['hub-db'] },
);
