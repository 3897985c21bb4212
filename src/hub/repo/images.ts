/**
 * Images by sha256, per clinic, stored in the database (no file on any one hub host, so several hub
 * processes can share the work). A box uploads an image's encoded stream (identity or gzip) in
 * parts of at most the request cap; each part is stored as it arrives, so an upload cut off by the
 * link resumes where the hub stopped, and a part sent twice is recognised. The last part makes the
 * hub decode the whole stream and check it against the sha256 before the image exists.
 * Each device's images and parts count against its storage quota; uploads left unfinished expire.
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import type { HubKysely } from '../db/connect.ts';

export const ENCODINGS = ['identity', 'gzip'] as const;
export type Encoding = (typeof ENCODINGS)[number];

export interface UploadState {
  sha256: string;
  /** Bytes of the encoded stream the hub holds, from the start. */
  received: number;
  encoding: Encoding | null;
  total: number | null;
}

export type PartOutcome =
  | { kind: 'complete' }
  | { kind: 'partial'; received: number }
  /** The part does not start where the hub's copy ends: resend from `received`. */
  | { kind: 'offset'; received: number }
  | { kind: 'bad_range' }
  | { kind: 'hash_mismatch' }
  | { kind: 'bad_encoding' }
  | { kind: 'too_large' }
  /** The device's images and parts would exceed its quota; `used` and `quota` in bytes. */
  | { kind: 'quota_exceeded'; used: number; quota: number };

export interface Part {
  /** The sending device: its storage is what the part counts against. */
  deviceId: string;
  start: number;
  total: number;
  encoding: Encoding;
  data: Buffer;
}

const isDuplicate = (err: unknown) => {
  const code = (err as { code?: string }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
};

function contiguous(parts: { start: number; length: number }[]): number {
  let end = 0;
  for (const p of parts) {
    const start = Number(p.start);
    if (start > end) break;
    end = Math.max(end, start + Number(p.length));
  }
  return end;
}

async function partsOf(db: HubKysely, clinicId: string, sha256: string) {
  return db.selectFrom('upload_parts').select(['start', 'length']).where('clinic_id', '=', clinicId).where('sha256', '=', sha256).orderBy('start').execute();
}

async function dropUpload(db: HubKysely, clinicId: string, sha256: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('upload_parts').where('clinic_id', '=', clinicId).where('sha256', '=', sha256).execute();
    await trx.deleteFrom('uploads').where('clinic_id', '=', clinicId).where('sha256', '=', sha256).execute();
  });
}

export async function hasImage(db: HubKysely, clinicId: string, sha256: string): Promise<boolean> {
  return (await db.selectFrom('images').select('sha256').where('clinic_id', '=', clinicId).where('sha256', '=', sha256).executeTakeFirst()) !== undefined;
}

/** Of these hashes, those the clinic's store lacks, with how much of each the hub already holds. */
export async function missingImages(db: HubKysely, clinicId: string, hashes: string[]): Promise<UploadState[]> {
  if (hashes.length === 0) return [];
  const present = new Set((await db.selectFrom('images').select('sha256').where('clinic_id', '=', clinicId).where('sha256', 'in', hashes).execute()).map((r) => r.sha256));
  const missing = [...new Set(hashes)].filter((h) => !present.has(h));
  if (missing.length === 0) return [];
  const uploads = new Map((await db.selectFrom('uploads').selectAll().where('clinic_id', '=', clinicId).where('sha256', 'in', missing).execute()).map((u) => [u.sha256, u]));
  const out: UploadState[] = [];
  for (const sha256 of missing) {
    const u = uploads.get(sha256);
    if (!u) out.push({ sha256, received: 0, encoding: null, total: null });
    else out.push({ sha256, received: contiguous(await partsOf(db, clinicId, sha256)), encoding: u.encoding as Encoding, total: Number(u.total) });
  }
  return out;
}

/** Bytes a device holds at the hub: the images it completed and the parts of its unfinished uploads. */
export async function deviceUsage(db: HubKysely, deviceId: string): Promise<number> {
  const images = await db
    .selectFrom('images')
    .select((eb) => eb.fn.sum<string | number | null>('bytes').as('n'))
    .where('device_id', '=', deviceId)
    .executeTakeFirst();
  const parts = await db
    .selectFrom('upload_parts')
    .select((eb) => eb.fn.sum<string | number | null>('length').as('n'))
    .where('device_id', '=', deviceId)
    .executeTakeFirst();
  return Number(images?.n ?? 0) + Number(parts?.n ?? 0);
}

/** Removes uploads started before `cutoff` (ISO time) and their parts; returns how many. */
export async function expireUploads(db: HubKysely, cutoff: string): Promise<number> {
  const stale = await db.selectFrom('uploads').select(['clinic_id', 'sha256']).where('started_at', '<', cutoff).execute();
  for (const u of stale) await dropUpload(db, u.clinic_id, u.sha256);
  return stale.length;
}

export interface Limits {
  maxImageBytes: number;
  quotaBytes: number;
}

export async function putPart(db: HubKysely, clinicId: string, sha256: string, part: Part, limits: Limits, now: string): Promise<PartOutcome> {
  const { maxImageBytes } = limits;
  if (await hasImage(db, clinicId, sha256)) return { kind: 'complete' };
  if (part.start + part.data.length > part.total) return { kind: 'bad_range' };
  // A gzip stream longer than the largest image accepted would not be worth sending either.
  if (part.total > maxImageBytes) return { kind: 'too_large' };

  const upload = await db.selectFrom('uploads').selectAll().where('clinic_id', '=', clinicId).where('sha256', '=', sha256).executeTakeFirst();
  if (!upload || upload.encoding !== part.encoding || Number(upload.total) !== part.total) {
    // Another encoding or length: the box prepared the image again. Only a first part restarts.
    if (part.start !== 0) return { kind: 'offset', received: 0 };
    // Refused before anything is stored when the whole image would not fit the device's quota.
    const used = await deviceUsage(db, part.deviceId);
    if (used + part.total > limits.quotaBytes) return { kind: 'quota_exceeded', used, quota: limits.quotaBytes };
    await db.transaction().execute(async (trx) => {
      await trx.deleteFrom('upload_parts').where('clinic_id', '=', clinicId).where('sha256', '=', sha256).execute();
      await trx
        .insertInto('uploads')
        .values({ clinic_id: clinicId, sha256, encoding: part.encoding, total: part.total, started_at: now, device_id: part.deviceId })
        .onConflict((oc) => oc.columns(['clinic_id', 'sha256']).doUpdateSet({ encoding: part.encoding, total: part.total, started_at: now, device_id: part.deviceId }))
        .execute();
    });
  }

  let received = contiguous(await partsOf(db, clinicId, sha256));
  const end = part.start + part.data.length;
  if (part.start > received) return { kind: 'offset', received };
  if (part.start < received && end > received) return { kind: 'offset', received };
  if (part.start === received && part.data.length > 0) {
    const used = await deviceUsage(db, part.deviceId);
    if (used + part.data.length > limits.quotaBytes) return { kind: 'quota_exceeded', used, quota: limits.quotaBytes };
    try {
      await db.insertInto('upload_parts').values({ clinic_id: clinicId, sha256, start: part.start, length: part.data.length, data: part.data, device_id: part.deviceId }).execute();
    } catch (err) {
      // The same part arrived through another request at the same moment.
      if (!isDuplicate(err)) throw err;
    }
    received = contiguous(await partsOf(db, clinicId, sha256));
  }
  if (received < part.total) return { kind: 'partial', received };
  return assemble(db, clinicId, sha256, part.encoding, part.total, maxImageBytes, part.deviceId, now);
}

async function assemble(db: HubKysely, clinicId: string, sha256: string, encoding: Encoding, total: number, maxImageBytes: number, deviceId: string, now: string): Promise<PartOutcome> {
  const rows = await db.selectFrom('upload_parts').select(['start', 'length', 'data']).where('clinic_id', '=', clinicId).where('sha256', '=', sha256).orderBy('start').execute();
  const pieces: Buffer[] = [];
  let end = 0;
  for (const r of rows) {
    const start = Number(r.start);
    if (start !== end) break;
    pieces.push(Buffer.from(r.data));
    end = start + Number(r.length);
  }
  if (end !== total) return { kind: 'partial', received: end };
  const encoded = Buffer.concat(pieces);
  let bytes: Buffer;
  try {
    bytes = encoding === 'gzip' ? gunzipSync(encoded, { maxOutputLength: maxImageBytes }) : encoded;
  } catch (err) {
    await dropUpload(db, clinicId, sha256);
    return (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError ? { kind: 'too_large' } : { kind: 'bad_encoding' };
  }
  if (bytes.length > maxImageBytes) {
    await dropUpload(db, clinicId, sha256);
    return { kind: 'too_large' };
  }
  if (createHash('sha256').update(bytes).digest('hex') !== sha256) {
    await dropUpload(db, clinicId, sha256);
    return { kind: 'hash_mismatch' };
  }
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('images')
      .values({ clinic_id: clinicId, sha256, bytes: bytes.length, data: bytes, received_at: now, device_id: deviceId })
      .onConflict((oc) => oc.columns(['clinic_id', 'sha256']).doNothing())
      .execute();
    await trx.deleteFrom('upload_parts').where('clinic_id', '=', clinicId).where('sha256', '=', sha256).execute();
    await trx.deleteFrom('uploads').where('clinic_id', '=', clinicId).where('sha256', '=', sha256).execute();
  });
  return { kind: 'complete' };
}

export async function imageBytes(db: HubKysely, clinicId: string, sha256: string): Promise<Buffer | undefined> {
  const row = await db.selectFrom('images').select('data').where('clinic_id', '=', clinicId).where('sha256', '=', sha256).executeTakeFirst();
  return row && Buffer.from(row.data);
}

/** Images of any clinic, for a network-wide reviewer. */
export async function imageBytesAnyClinic(db: HubKysely, sha256: string, clinicIds: string[] | null): Promise<Buffer | undefined> {
  let q = db.selectFrom('images').select('data').where('sha256', '=', sha256);
  if (clinicIds) q = q.where('clinic_id', 'in', clinicIds);
  const row = await q.executeTakeFirst();
  return row && Buffer.from(row.data);
}
