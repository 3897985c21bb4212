/**
 * Reviewers' signed-in sessions, keyed by the sha256 of the cookie's random token (the token itself
 * is never stored). A session ends at sign-out, at its absolute expiry, or when its reviewer is
 * disabled or given a new password; one idle past the time-out can still sign a review with the
 * reviewer's password (the page they were on is not lost), and nothing else.
 */
import type { HubKysely } from '../db/connect.ts';
import { hashSecret, newSecret } from '../tokens.ts';
import type { Reviewer } from './reviewers.ts';

export interface SessionTimes {
  /** Idle this long (ms), a session no longer opens pages. */
  idleMs: number;
  /** A session ends this long (ms) after sign-in, in use or not. */
  maxMs: number;
}

export type SessionState = { kind: 'active'; reviewer: Reviewer } | { kind: 'idle'; reviewer: Reviewer } | { kind: 'none' };

/** The last-seen time is written at most this often, not on every crop a page loads. */
const TOUCH_EVERY_MS = 60_000;

/** A new session of the reviewer, bound to the credential their password matched. */
export async function openSession(db: HubKysely, reviewer: { id: string; credential: string }, now: number, times: SessionTimes): Promise<string> {
  const token = newSecret();
  // Ended sessions go on each sign-in, so the table holds only live ones.
  await db.deleteFrom('reviewer_sessions').where('expires_at', '<=', now).execute();
  await db
    .insertInto('reviewer_sessions')
    .values({ token_hash: hashSecret(token), reviewer_id: reviewer.id, credential: reviewer.credential, created_at: now, last_seen_at: now, expires_at: now + times.maxMs })
    .execute();
  return token;
}

export async function sessionOf(db: HubKysely, token: string, now: number, times: SessionTimes): Promise<SessionState> {
  const row = await db
    .selectFrom('reviewer_sessions as s')
    .innerJoin('reviewers as r', 'r.id', 's.reviewer_id')
    .select(['s.token_hash', 's.last_seen_at', 's.expires_at', 's.credential', 'r.secret_hash', 'r.id', 'r.login', 'r.name', 'r.clinic_id', 'r.revoked_at'])
    .where('s.token_hash', '=', hashSecret(token))
    .executeTakeFirst();
  // A new password ends the sessions opened with the old one, also one opened while it was being reset.
  if (!row || row.revoked_at !== null || row.credential !== row.secret_hash || Number(row.expires_at) <= now) return { kind: 'none' };
  const reviewer: Reviewer = { id: row.id, login: row.login, name: row.name, clinicId: row.clinic_id };
  const lastSeen = Number(row.last_seen_at);
  if (now - lastSeen > times.idleMs) return { kind: 'idle', reviewer };
  if (now - lastSeen >= TOUCH_EVERY_MS) await touchSession(db, token, now);
  return { kind: 'active', reviewer };
}

/** Marks the session in use now (an idle one that signed with the password is active again). */
export async function touchSession(db: HubKysely, token: string, now: number): Promise<void> {
  await db.updateTable('reviewer_sessions').set({ last_seen_at: now }).where('token_hash', '=', hashSecret(token)).execute();
}

export async function closeSession(db: HubKysely, token: string): Promise<void> {
  await db.deleteFrom('reviewer_sessions').where('token_hash', '=', hashSecret(token)).execute();
}
