/**
 * Signing in and out at the kiosk: who may sign in (names only), sign in with a PIN (sets an
 * HttpOnly, SameSite=Strict session cookie), who is signed in, sign out.
 */
import type { SessionInfo, SignInPerson } from '../../../contracts/api/people.ts';
import type { RoutesPlugin } from '../../../server-common/type-provider.ts';
import { WorkflowError } from '../../workflow/errors.ts';
import { SESSION_COOKIE, SESSION_MAX_MS, signIn, signOut } from '../../workflow/sessions.ts';
import { credentials, errors, pinRateLimit } from '../schemas/common.ts';

export const sessionSchema = {
  type: 'object',
  properties: {
    user: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' } } },
    expiresAt: { type: 'string' },
    idleLockMinutes: { type: 'integer' },
    pinChangeRequired: { type: 'boolean', description: "a supervisor's PIN is shorter than 6 digits: change it in Settings > Users" },
  },
} as const;

const person = { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' } } } as const;

const session: RoutesPlugin = async (app) => {
  const ctx = app.workflow;

  app.get(
    '/api/session/people',
    {
      config: { session: 'none' },
      schema: { summary: 'Active users, names and roles only: the tiles of the "Who is working?" screen', tags: ['session'], response: { 200: { type: 'array', items: person } } },
    },
    async (): Promise<SignInPerson[]> =>
      ctx.store.users
        .list()
        .filter((u) => u.active)
        .map(({ id, name, role }) => ({ id, name, role })),
  );

  app.post(
    '/api/session',
    {
      config: { session: 'none', ...pinRateLimit },
      schema: {
        summary: 'Sign in with a PIN: sets the session cookie (HttpOnly, SameSite=Strict); wrong PINs count towards the delays',
        tags: ['session'],
        body: credentials,
        response: { 201: sessionSchema, ...errors },
      },
    },
    async (req, reply) => {
      const { token, session: info } = await signIn(ctx, req.body);
      // A new sign-in on this kiosk ends the previous session; a failed one leaves it as it was.
      signOut(ctx, req.cookies[SESSION_COOKIE]);
      reply.setCookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'strict', path: '/', maxAge: SESSION_MAX_MS / 1000 });
      return reply.status(201).send(info satisfies SessionInfo);
    },
  );

  app.get(
    '/api/session',
    { config: { session: 'none' }, schema: { summary: 'Who is signed in (401 sign_in_required when nobody)', tags: ['session'], response: { 200: sessionSchema, ...errors } } },
    async (req): Promise<SessionInfo> => {
      if (!req.signedIn) throw new WorkflowError('sign_in_required', 'nobody is signed in: choose who is working and enter your PIN', 401);
      return req.signedIn;
    },
  );

  app.delete(
    '/api/session',
    { config: { session: 'none' }, schema: { summary: 'Sign out (ends the session; the cookie is cleared)', tags: ['session'], response: { 204: { type: 'null' }, ...errors } } },
    async (req, reply) => {
      signOut(ctx, req.cookies[SESSION_COOKIE]);
      reply.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', path: '/' });
      return reply.status(204).send();
    },
  );
};

export default session;
