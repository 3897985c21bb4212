/** Clinics and their devices: provisioning, token checks, revocation, what each box last confirmed. */
import type { HubKysely } from '../db/connect.ts';
import { hashSecret, newDeviceToken, parseDeviceToken, sameHash } from '../tokens.ts';

export interface Device {
  id: string;
  clinicId: string;
  name: string;
}

export interface DeviceListing extends Device {
  createdAt: string;
  revokedAt: string | null;
  lastSeenAt: string | null;
  reviewCursor: number;
}

export async function ensureClinic(db: HubKysely, id: string, name: string, at: string): Promise<void> {
  await db
    .insertInto('clinics')
    .values({ id, name, review_seq: 0, created_at: at })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

/** Creates the device; the token is returned once and never stored. */
export async function provisionDevice(db: HubKysely, clinicId: string, name: string, at: string): Promise<{ device: Device; token: string }> {
  const { deviceId, token, hash } = newDeviceToken();
  await db.insertInto('devices').values({ id: deviceId, clinic_id: clinicId, name, token_hash: hash, created_at: at, revoked_at: null, last_seen_at: null, review_cursor: 0 }).execute();
  return { device: { id: deviceId, clinicId, name }, token };
}

/** The device a bearer token belongs to, or null (unknown, revoked, wrong secret, malformed). */
export async function deviceForToken(db: HubKysely, token: string): Promise<Device | null> {
  const parsed = parseDeviceToken(token);
  if (!parsed) return null;
  const row = await db.selectFrom('devices').select(['id', 'clinic_id', 'name', 'token_hash', 'revoked_at']).where('id', '=', parsed.deviceId).executeTakeFirst();
  if (!row || row.revoked_at !== null || !sameHash(row.token_hash, hashSecret(parsed.secret))) return null;
  return { id: row.id, clinicId: row.clinic_id, name: row.name };
}

export async function revokeDevice(db: HubKysely, id: string, at: string): Promise<boolean> {
  const r = await db.updateTable('devices').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function touchDevice(db: HubKysely, id: string, at: string): Promise<void> {
  await db.updateTable('devices').set({ last_seen_at: at }).where('id', '=', id).execute();
}

/** Records that the box applied every review up to `cursor` (it asks for what follows). */
export async function confirmReviewCursor(db: HubKysely, id: string, cursor: number): Promise<void> {
  await db.updateTable('devices').set({ review_cursor: cursor }).where('id', '=', id).where('review_cursor', '<', cursor).execute();
}

export async function listDevices(db: HubKysely): Promise<DeviceListing[]> {
  const rows = await db.selectFrom('devices').selectAll().orderBy('clinic_id').orderBy('created_at').execute();
  return rows.map((r) => ({
    id: r.id,
    clinicId: r.clinic_id,
    name: r.name,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
    lastSeenAt: r.last_seen_at,
    reviewCursor: Number(r.review_cursor),
  }));
}

export async function reviewCursorOf(db: HubKysely, deviceId: string): Promise<number> {
  const row = await db.selectFrom('devices').select('review_cursor').where('id', '=', deviceId).executeTakeFirst();
  return Number(row?.review_cursor ?? 0);
}
