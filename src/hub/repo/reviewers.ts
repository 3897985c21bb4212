/** Reviewers of the hub's web page: a login and a generated password (stored hashed), per clinic or network-wide. */
import { randomUUID } from 'node:crypto';
import type { HubKysely } from '../db/connect.ts';
import { hashSecret, newSecret, sameHash } from '../tokens.ts';

export interface Reviewer {
  id: string;
  login: string;
  name: string;
  /** null: every clinic. */
  clinicId: string | null;
}

export async function provisionReviewer(db: HubKysely, r: { login: string; name: string; clinicId: string | null }, at: string): Promise<{ reviewer: Reviewer; password: string }> {
  const id = randomUUID();
  const password = newSecret().slice(0, 24);
  await db
    .insertInto('reviewers')
    .values({ id, login: r.login, name: r.name, clinic_id: r.clinicId, secret_hash: hashSecret(password), created_at: at, revoked_at: null })
    .execute();
  return { reviewer: { id, ...r }, password };
}

/** The reviewer whose password it is, with the credential it matched (a session opened with it ends when the password changes). */
export async function reviewerForLogin(db: HubKysely, login: string, password: string): Promise<(Reviewer & { credential: string }) | null> {
  const row = await db.selectFrom('reviewers').selectAll().where('login', '=', login).executeTakeFirst();
  if (!row || row.revoked_at !== null || !sameHash(row.secret_hash, hashSecret(password))) return null;
  return { id: row.id, login: row.login, name: row.name, clinicId: row.clinic_id, credential: row.secret_hash };
}

/** A reviewer who may no longer sign in, signed out everywhere (their reviews stay); false when there is no active reviewer of that login. */
export async function disableReviewer(db: HubKysely, login: string, at: string): Promise<boolean> {
  const res = await db.updateTable('reviewers').set({ revoked_at: at }).where('login', '=', login).where('revoked_at', 'is', null).executeTakeFirst();
  await signOutEverywhere(db, login);
  return Number(res.numUpdatedRows) > 0;
}

/** A new generated password for an active reviewer (the old one and its sessions stop working); null when there is none of that login. */
export async function resetReviewerPassword(db: HubKysely, login: string): Promise<string | null> {
  const password = newSecret().slice(0, 24);
  const res = await db
    .updateTable('reviewers')
    .set({ secret_hash: hashSecret(password) })
    .where('login', '=', login)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  await signOutEverywhere(db, login);
  return Number(res.numUpdatedRows) > 0 ? password : null;
}

/** Clears their sessions (which the revocation or the new password has already ended: see reviewer-sessions.ts). */
async function signOutEverywhere(db: HubKysely, login: string): Promise<void> {
  await db
    .deleteFrom('reviewer_sessions')
    .where('reviewer_id', 'in', db.selectFrom('reviewers').select('id').where('login', '=', login))
    .execute();
}

export async function listReviewers(db: HubKysely): Promise<(Reviewer & { disabledAt: string | null })[]> {
  const rows = await db.selectFrom('reviewers').select(['id', 'login', 'name', 'clinic_id', 'revoked_at']).orderBy('login').execute();
  return rows.map((r) => ({ id: r.id, login: r.login, name: r.name, clinicId: r.clinic_id, disabledAt: r.revoked_at }));
}
