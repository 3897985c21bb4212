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

export async function reviewerForLogin(db: HubKysely, login: string, password: string): Promise<Reviewer | null> {
  const row = await db.selectFrom('reviewers').selectAll().where('login', '=', login).executeTakeFirst();
  if (!row || row.revoked_at !== null || !sameHash(row.secret_hash, hashSecret(password))) return null;
  return { id: row.id, login: row.login, name: row.name, clinicId: row.clinic_id };
}
