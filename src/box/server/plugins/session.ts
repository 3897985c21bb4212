/**
 * Sessions on every request: reads the session cookie, sets `req.signedIn` (the session, or null),
 * and, once the box has a user, refuses with 401 `sign_in_required` every state-changing request
 * and every route marked `config: { session: 'required' }` that comes without a live session.
 * Routes marked `session: 'none'` (sign-in, first-boot setup, recovery) are always let through.
 * A request refreshes the session's idle timer unless it carries `x-leukodiff-background: 1`
 * (the kiosk's own polling, which must not keep an abandoned session open).
 */
import cookie from '@fastify/cookie';
import fp from 'fastify-plugin';
import { resolveSession, SESSION_COOKIE, type SessionInfo } from '../../workflow/sessions.ts';
import { setupNeeded } from '../../workflow/setup.ts';

export type SessionPolicy = 'none' | 'required';

declare module 'fastify' {
  interface FastifyRequest {
    signedIn: SessionInfo | null;
  }
  interface FastifyContextConfig {
    session?: SessionPolicy;
  }
}

export const BACKGROUND_HEADER = 'x-leukodiff-background';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export default fp(
  async (app) => {
    await app.register(cookie);
    app.decorateRequest('signedIn', null);
    app.addHook('onRequest', async (req, reply) => {
      const ctx = app.workflow;
      req.signedIn = resolveSession(ctx, req.cookies[SESSION_COOKIE], { refresh: req.headers[BACKGROUND_HEADER] !== '1' });
      // No route matched: let the 404 through.
      if (req.signedIn || req.routeOptions.url === undefined) return;
      const policy = req.routeOptions.config.session;
      if (policy === 'none') return;
      if ((policy === 'required' || !SAFE_METHODS.has(req.method)) && !setupNeeded(ctx)) {
        return reply.status(401).send({ error: 'sign_in_required', message: 'sign in first: choose who is working and enter your PIN' });
      }
    });
  },
  { name: 'session', dependencies: ['workflow'] },
);
