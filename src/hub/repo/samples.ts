/**
 * Sample revisions from the boxes. Idempotent on (sample id, revision): the same revision sent
 * again is a duplicate, acknowledged without a change; a revision older than the newest one is
 * kept in the history but never replaces it. A revision is accepted only when every image it names
 * is stored, so a sample at the hub is never missing a picture.
 */
import { createHash } from 'node:crypto';
import { sql, type ExpressionBuilder } from 'kysely';
import type { HubKysely } from '../db/connect.ts';
import type { HubDatabase } from '../db/schema.ts';
import { samplePriority } from './sample-priority.ts';

export interface IncomingRevision {
  sampleId: string;
  revision: number;
  images: string[];
  /** The sample report JSON, as the box signed it. */
  payload: string;
  reference: string;
  signedAt: string | null;
  counted: number;
}

/** The columns the worklist reads from a revision's report: the patient id (an empty one is none) and its priority (sample-priority.ts). */
function listedColumns(payload: string): { patient_id: string | null; priority: number; urgent_reason: string | null } {
  const report = JSON.parse(payload) as { sample?: { patientId?: unknown } };
  const id = report.sample?.patientId;
  const p = samplePriority(report);
  return { patient_id: typeof id === 'string' && id !== '' ? id : null, priority: p.priority, urgent_reason: p.reason };
}

export type UpsertOutcome =
  | { kind: 'created'; latest: number }
  | { kind: 'superseded'; latest: number }
  | { kind: 'duplicate'; latest: number }
  | { kind: 'images_missing'; missing: string[] }
  | { kind: 'payload_conflict' }
  | { kind: 'not_your_sample' };

const isDuplicate = (err: unknown) => {
  const code = (err as { code?: string }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
};

export async function upsertRevision(db: HubKysely, clinicId: string, deviceId: string, r: IncomingRevision, now: string): Promise<UpsertOutcome> {
  const payloadSha = createHash('sha256').update(r.payload).digest('hex');
  const owner = await db.selectFrom('samples').select(['clinic_id', 'revision']).where('id', '=', r.sampleId).executeTakeFirst();
  if (owner && owner.clinic_id !== clinicId) return { kind: 'not_your_sample' };

  const known = await db.selectFrom('revisions').select(['payload_sha256', 'clinic_id']).where('sample_id', '=', r.sampleId).where('revision', '=', r.revision).executeTakeFirst();
  if (known) return sameRevision(known, clinicId, payloadSha, Number(owner?.revision ?? r.revision));

  const wanted = [...new Set(r.images)];
  if (wanted.length) {
    const have = new Set((await db.selectFrom('images').select('sha256').where('clinic_id', '=', clinicId).where('sha256', 'in', wanted).execute()).map((x) => x.sha256));
    const missing = wanted.filter((h) => !have.has(h));
    if (missing.length) return { kind: 'images_missing', missing };
  }

  try {
    return await db.transaction().execute(async (trx) => {
      await trx
        .insertInto('revisions')
        .values({
          sample_id: r.sampleId,
          revision: r.revision,
          clinic_id: clinicId,
          device_id: deviceId,
          payload: r.payload,
          payload_sha256: payloadSha,
          images: JSON.stringify(wanted),
          received_at: now,
        })
        .execute();
      // Only a newer revision replaces the sample's current one, and only within its own clinic.
      await trx
        .insertInto('samples')
        .values({
          id: r.sampleId,
          clinic_id: clinicId,
          device_id: deviceId,
          revision: r.revision,
          reference: r.reference,
          signed_at: r.signedAt,
          counted: r.counted,
          ...listedColumns(r.payload),
          received_at: now,
          updated_at: now,
        })
        .onConflict((oc) =>
          oc
            .column('id')
            .doUpdateSet((eb) => ({
              revision: eb.ref('excluded.revision'),
              device_id: eb.ref('excluded.device_id'),
              reference: eb.ref('excluded.reference'),
              signed_at: eb.ref('excluded.signed_at'),
              counted: eb.ref('excluded.counted'),
              patient_id: eb.ref('excluded.patient_id'),
              priority: eb.ref('excluded.priority'),
              urgent_reason: eb.ref('excluded.urgent_reason'),
              updated_at: eb.ref('excluded.updated_at'),
            }))
            .where((eb) => eb.and([eb('samples.revision', '<', eb.ref('excluded.revision')), eb('samples.clinic_id', '=', eb.ref('excluded.clinic_id'))])),
        )
        .execute();
      const now2 = await trx.selectFrom('samples').select(['clinic_id', 'revision']).where('id', '=', r.sampleId).executeTakeFirstOrThrow();
      // A sample of another clinic created at this very moment: undo our revision.
      if (now2.clinic_id !== clinicId) throw new NotYours();
      const latest = Number(now2.revision);
      return latest === r.revision ? { kind: 'created' as const, latest } : { kind: 'superseded' as const, latest };
    });
  } catch (err) {
    if (err instanceof NotYours) return { kind: 'not_your_sample' };
    if (!isDuplicate(err)) throw err;
    // The same revision committed through another request meanwhile (a retry racing the original).
    const again = await db.selectFrom('revisions').select(['payload_sha256', 'clinic_id']).where('sample_id', '=', r.sampleId).where('revision', '=', r.revision).executeTakeFirstOrThrow();
    const latest = await db.selectFrom('samples').select('revision').where('id', '=', r.sampleId).executeTakeFirst();
    return sameRevision(again, clinicId, payloadSha, Number(latest?.revision ?? r.revision));
  }
}

class NotYours extends Error {}

function sameRevision(known: { payload_sha256: string; clinic_id: string }, clinicId: string, payloadSha: string, latest: number): UpsertOutcome {
  if (known.clinic_id !== clinicId) return { kind: 'not_your_sample' };
  return known.payload_sha256 === payloadSha ? { kind: 'duplicate', latest } : { kind: 'payload_conflict' };
}

export interface SampleRow {
  id: string;
  clinicId: string;
  deviceId: string;
  revision: number;
  reference: string;
  signedAt: string | null;
  counted: number;
  receivedAt: string;
  updatedAt: string;
  reviews: number;
  /** See SamplesTable.priority. */
  priority: number;
  urgentReason: string | null;
}

/** to_review: no review yet, or reviews only of an earlier revision than the newest. */
export type WorklistStatus = 'to_review' | 'reviewed' | 'all';

export interface WorklistFilter {
  status: WorklistStatus;
  /** null: every clinic. */
  clinicId: string | null;
}

/**
 * The samples the filter keeps, and how many there are. Samples to review come first, the most
 * urgent first and then the longest waiting (since their newest revision arrived: a sample the box
 * signed again waits from then); reviewed ones after them, the newest first.
 */
export async function listSamples(db: HubKysely, filter: WorklistFilter, limit: number, offset: number): Promise<{ items: SampleRow[]; total: number }> {
  // A review is always of the revision that was newest when it was signed, so none on the newest means it is to review.
  const toReview = (eb: ExpressionBuilder<HubDatabase, 'samples'>) =>
    eb.not(eb.exists(eb.selectFrom('reviews').select('reviews.seq').whereRef('reviews.sample_id', '=', 'samples.id').whereRef('reviews.base_revision', '>=', 'samples.revision')));
  let q = db.selectFrom('samples');
  if (filter.clinicId) q = q.where('clinic_id', '=', filter.clinicId);
  if (filter.status === 'to_review') q = q.where(toReview);
  if (filter.status === 'reviewed') q = q.where((eb) => eb.not(toReview(eb)));
  let listed = q.select((eb) => [
    'id',
    'clinic_id',
    'device_id',
    'revision',
    'reference',
    'signed_at',
    'counted',
    'received_at',
    'updated_at',
    'priority',
    'urgent_reason',
    eb
      .selectFrom('reviews')
      .select((e) => e.fn.countAll().as('n'))
      .whereRef('reviews.sample_id', '=', 'samples.id')
      .as('reviews'),
  ]);
  if (filter.status === 'reviewed') listed = listed.orderBy('updated_at', 'desc');
  else if (filter.status === 'to_review') listed = listed.orderBy('priority', 'desc').orderBy('updated_at', 'asc');
  else
    listed = listed
      .orderBy(
        (eb) =>
          eb
            .case()
            .when(toReview(eb))
            .then(eb.ref('priority'))
            .else(sql<number>`-1`)
            .end(),
        'desc',
      )
      // The waiting ones oldest first; the reviewed ones (all null here) then by the next key, newest first.
      .orderBy(
        (eb) =>
          eb
            .case()
            .when(toReview(eb))
            .then(eb.ref('updated_at'))
            .else(sql<string>`''`)
            .end(),
        'asc',
      )
      .orderBy('updated_at', 'desc');
  const rows = await listed.orderBy('id').limit(limit).offset(offset).execute();
  const total = await q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  return {
    items: rows.map((r) => ({
      id: r.id,
      clinicId: r.clinic_id,
      deviceId: r.device_id,
      revision: Number(r.revision),
      reference: r.reference,
      signedAt: r.signed_at,
      counted: Number(r.counted),
      receivedAt: r.received_at,
      updatedAt: r.updated_at,
      reviews: Number(r.reviews ?? 0),
      priority: Number(r.priority),
      urgentReason: r.urgent_reason,
    })),
    total: Number(total.n),
  };
}

export interface SampleRecord {
  id: string;
  clinicId: string;
  clinicName: string;
  /** The newest revision's patient id (null: it names none). */
  patientId: string | null;
  deviceId: string;
  revision: number;
  payload: unknown;
  images: string[];
  receivedAt: string;
}

/** The sample's newest revision with its payload; clinicId null: any clinic. */
export async function getSample(db: HubKysely, id: string, clinicId: string | null): Promise<SampleRecord | undefined> {
  let q = db
    .selectFrom('samples')
    .innerJoin('revisions', (j) => j.onRef('revisions.sample_id', '=', 'samples.id').onRef('revisions.revision', '=', 'samples.revision'))
    .innerJoin('clinics', 'clinics.id', 'samples.clinic_id')
    .select([
      'samples.id',
      'samples.clinic_id',
      'clinics.name as clinic_name',
      'samples.patient_id',
      'samples.device_id',
      'samples.revision',
      'revisions.payload',
      'revisions.images',
      'revisions.received_at',
    ])
    .where('samples.id', '=', id);
  if (clinicId) q = q.where('samples.clinic_id', '=', clinicId);
  const row = await q.executeTakeFirst();
  return (
    row && {
      id: row.id,
      clinicId: row.clinic_id,
      clinicName: row.clinic_name,
      patientId: row.patient_id,
      deviceId: row.device_id,
      revision: Number(row.revision),
      payload: JSON.parse(row.payload),
      images: JSON.parse(row.images) as string[],
      receivedAt: row.received_at,
    }
  );
}

/** The payload of one revision the hub holds of a sample (a reviewer's base may be older than the newest). */
export async function revisionPayload(db: HubKysely, sampleId: string, revision: number): Promise<unknown> {
  const row = await db.selectFrom('revisions').select('payload').where('sample_id', '=', sampleId).where('revision', '=', revision).executeTakeFirst();
  return row ? JSON.parse(row.payload) : undefined;
}

export interface PatientSample {
  id: string;
  reference: string;
  revision: number;
  signedAt: string | null;
  /** The revision's report JSON, parsed. */
  payload: unknown;
}

/**
 * The other samples of one patient at one clinic, newest first (by signing time, else receipt): the
 * clinic is always the sample's own, so no list ever reaches into another clinic.
 */
export async function otherSamplesOfPatient(db: HubKysely, clinicId: string, patientId: string, exceptSampleId: string, limit: number): Promise<PatientSample[]> {
  const rows = await db
    .selectFrom('samples')
    .innerJoin('revisions', (j) => j.onRef('revisions.sample_id', '=', 'samples.id').onRef('revisions.revision', '=', 'samples.revision'))
    .select(['samples.id', 'samples.reference', 'samples.revision', 'samples.signed_at', 'revisions.payload'])
    .where('samples.clinic_id', '=', clinicId)
    .where('samples.patient_id', '=', patientId)
    .where('samples.id', '!=', exceptSampleId)
    .orderBy(sql`coalesce(samples.signed_at, samples.received_at)`, 'desc')
    .orderBy('samples.id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ id: r.id, reference: r.reference, revision: Number(r.revision), signedAt: r.signed_at, payload: JSON.parse(r.payload) as unknown }));
}
