/**
 * Kiosk sessions: a person signs in with their PIN and the browser gets a random token (only its
 * sha256 is stored). A session ends when signed out, after `idleLockMinutes` without a request
 * (Settings, default 10), after 12 hours whatever happens, or when the user is deactivated.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { SessionInfo as ApiSessionInfo } from '../../contracts/api/people.ts';
import { publicUser } from '../store/users.ts';
import type { User } from '../store/types.ts';
import type { Credentials } from './auth.ts';
import type { WorkflowContext } from './context.ts';
import { pinTooShort } from './pin-policy.ts';
import { readSettings } from './settings.ts';

export const SESSION_COOKIE = 'leukodiff_session';
export const SESSION_MAX_MS = 12 * 60 * 60 * 1000;

/** The API's session (src/contracts/api/people.ts), holding the whole user; the reply's schema sends its id, name and role. */
export interface SessionInfo extends ApiSessionInfo {
  user: User;
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
const idleMs = (ctx: WorkflowContext) => readSettings(ctx.store, ctx.defaultTarget).idleLockMinutes * 60_000;

function info(ctx: WorkflowContext, user: User, expiresAt: number, pinChangeRequired: boolean): SessionInfo {
  return { user, expiresAt: new Date(expiresAt).toISOString(), idleLockMinutes: readSettings(ctx.store, ctx.defaultTarget).idleLockMinutes, pinChangeRequired };
}

/** Checks the PIN (counted like any other PIN check) and opens a session; returns its token. */
export async function signIn(ctx: WorkflowContext, cred: Credentials): Promise<{ token: string; session: SessionInfo }> {
  const user = await ctx.auth.check(cred, 'nurse');
  const token = randomBytes(32).toString('base64url');
  const now = ctx.now().getTime();
  const expiresAt = now + SESSION_MAX_MS;
  ctx.store.transaction(() => {
    ctx.store.sessions.prune(now, idleMs(ctx));
    ctx.store.sessions.insert({ tokenHash: hashToken(token), userId: user.id, createdAt: now, lastSeenAt: now, expiresAt });
    ctx.store.audit.append({ at: ctx.now().toISOString(), sampleId: null, revision: null, userId: user.id, action: 'session.started', target: `user:${user.id}`, detail: {}, reason: null });
  });
  return { token, session: info(ctx, publicUser(user), expiresAt, pinTooShort(user.role, cred.pin)) };
}

/** Activity closer together than this refreshes the session once. */
export const REFRESH_STEP_MS = 30_000;

/** The session's user, or null when the token is unknown, idle too long, past 12 h or its user inactive. */
export function resolveSession(ctx: WorkflowContext, token: string | undefined, opts: { refresh: boolean }): SessionInfo | null {
  if (!token) return null;
  const hash = hashToken(token);
  const row = ctx.store.sessions.get(hash);
  if (!row) return null;
  const now = ctx.now().getTime();
  const user = ctx.store.users.get(row.userId);
  if (row.expiresAt <= now || row.lastSeenAt + idleMs(ctx) <= now || !user?.active) {
    ctx.store.sessions.delete(hash);
    return null;
  }
  // A gallery loads dozens of pictures at once: one write (and fsync) per REFRESH_STEP_MS is plenty
  // for an idle limit counted in minutes.
  if (opts.refresh && now - row.lastSeenAt >= REFRESH_STEP_MS) ctx.store.sessions.touch(hash, now);
  return info(ctx, publicUser(user), row.expiresAt, false);
}

export function signOut(ctx: WorkflowContext, token: string | undefined): void {
  if (!token) return;
  const hash = hashToken(token);
  const row = ctx.store.sessions.get(hash);
  if (!row) return;
  ctx.store.transaction(() => {
    ctx.store.sessions.delete(hash);
    ctx.store.audit.append({ at: ctx.now().toISOString(), sampleId: null, revision: null, userId: row.userId, action: 'session.ended', target: `user:${row.userId}`, detail: {}, reason: null });
  });
}
