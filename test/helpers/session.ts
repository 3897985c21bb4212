/**
 * Sessions in tests. `signIn` signs a user in and returns the session cookie (`name=value`), and
 * remembers it per app and user, so helpers can act as a named user (`asUser`). An app from
 * testApp() also keeps a default cookie, like the kiosk's browser: every inject() without its own
 * `cookie` header sends it (send `cookie: ''` to go without a session).
 */
import type { FastifyInstance } from 'fastify';

const cookies = new WeakMap<FastifyInstance, Map<string, string>>();
const defaults = new WeakMap<FastifyInstance, string>();

/** Signs in (POST /api/session) and returns the cookie; by default it becomes the app's default session. */
export async function signIn(app: FastifyInstance, userId: string, pin: string, opts: { asDefault?: boolean } = {}): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/session', payload: { userId, pin }, headers: { cookie: '' } });
  if (res.statusCode !== 201) throw new Error(`sign in: ${res.statusCode} ${res.body}`);
  const set = res.cookies.find((c) => c.name === 'leukodiff_session');
  if (!set) throw new Error('sign in: no session cookie');
  const cookie = `${set.name}=${set.value}`;
  if (!cookies.has(app)) cookies.set(app, new Map());
  cookies.get(app)!.set(userId, cookie);
  if (opts.asDefault !== false) defaults.set(app, cookie);
  return cookie;
}

/** Headers that act as the user (signed in earlier with signIn). */
export function asUser(app: FastifyInstance, userId: string): { cookie: string } {
  const cookie = cookies.get(app)?.get(userId);
  if (!cookie) throw new Error(`user ${userId} is not signed in on this app: call signIn first`);
  return { cookie };
}

/** The cookie the app's inject() sends by default (to carry a session over a restart of the app). */
export function defaultSession(app: FastifyInstance): string | null {
  return defaults.get(app) ?? null;
}

export function setDefaultSession(app: FastifyInstance, cookie: string | null): void {
  if (cookie) defaults.set(app, cookie);
  else defaults.delete(app);
}

/** Makes app.inject() send the app's default session cookie, like a browser. */
export function withCookieJar(app: FastifyInstance): void {
  const inject = app.inject.bind(app) as (o: unknown) => unknown;
  (app as unknown as { inject: (o: unknown) => unknown }).inject = (o: unknown) => {
    const cookie = defaults.get(app);
    if (cookie && typeof o === 'object' && o !== null) {
      const opts = o as { headers?: Record<string, unknown> };
      if (!opts.headers || !('cookie' in opts.headers)) return inject({ ...opts, headers: { ...opts.headers, cookie } });
    }
    return inject(o);
  };
}
