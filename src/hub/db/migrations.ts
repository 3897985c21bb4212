/**
 * The hub's schema, as kysely migrations: one definition for both engines. Only the binary column
 * type differs (blob in SQLite, bytea in PostgreSQL).
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from './connect.ts';
import { samplePriority } from '../repo/sample-priority.ts';

export function hubMigrations(dialect: Dialect): Record<string, Migration> {
  const binary = dialect === 'postgres' ? 'bytea' : 'blob';
  return {
    '001-initial': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('clinics')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('review_seq', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('devices')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('clinic_id', 'text', (c) => c.notNull().references('clinics.id'))
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('token_hash', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('revoked_at', 'text')
          .addColumn('last_seen_at', 'text')
          .addColumn('review_cursor', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema
          .createTable('reviewers')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('login', 'text', (c) => c.notNull().unique())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('clinic_id', 'text', (c) => c.references('clinics.id'))
          .addColumn('secret_hash', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('revoked_at', 'text')
          .execute();
        await db.schema
          .createTable('samples')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('clinic_id', 'text', (c) => c.notNull().references('clinics.id'))
          .addColumn('device_id', 'text', (c) => c.notNull())
          .addColumn('revision', 'integer', (c) => c.notNull())
          .addColumn('reference', 'text', (c) => c.notNull())
          .addColumn('signed_at', 'text')
          .addColumn('counted', 'integer', (c) => c.notNull())
          .addColumn('received_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('samples_clinic').on('samples').columns(['clinic_id', 'updated_at']).execute();
        await db.schema
          .createTable('revisions')
          .addColumn('sample_id', 'text', (c) => c.notNull())
          .addColumn('revision', 'integer', (c) => c.notNull())
          .addColumn('clinic_id', 'text', (c) => c.notNull().references('clinics.id'))
          .addColumn('device_id', 'text', (c) => c.notNull())
          .addColumn('payload', 'text', (c) => c.notNull())
          .addColumn('payload_sha256', 'text', (c) => c.notNull())
          .addColumn('images', 'text', (c) => c.notNull())
          .addColumn('received_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('revisions_pk', ['sample_id', 'revision'])
          .execute();
        await db.schema
          .createTable('images')
          .addColumn('clinic_id', 'text', (c) => c.notNull().references('clinics.id'))
          .addColumn('sha256', 'text', (c) => c.notNull())
          .addColumn('bytes', 'integer', (c) => c.notNull())
          .addColumn('data', binary, (c) => c.notNull())
          .addColumn('received_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('images_pk', ['clinic_id', 'sha256'])
          .execute();
        await db.schema
          .createTable('uploads')
          .addColumn('clinic_id', 'text', (c) => c.notNull().references('clinics.id'))
          .addColumn('sha256', 'text', (c) => c.notNull())
          .addColumn('encoding', 'text', (c) => c.notNull())
          .addColumn('total', 'integer', (c) => c.notNull())
          .addColumn('started_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('uploads_pk', ['clinic_id', 'sha256'])
          .execute();
        await db.schema
          .createTable('upload_parts')
          .addColumn('clinic_id', 'text', (c) => c.notNull())
          .addColumn('sha256', 'text', (c) => c.notNull())
          .addColumn('start', 'integer', (c) => c.notNull())
          .addColumn('length', 'integer', (c) => c.notNull())
          .addColumn('data', binary, (c) => c.notNull())
          .addPrimaryKeyConstraint('upload_parts_pk', ['clinic_id', 'sha256', 'start'])
          .execute();
        await db.schema
          .createTable('reviews')
          .addColumn('clinic_id', 'text', (c) => c.notNull().references('clinics.id'))
          .addColumn('seq', 'integer', (c) => c.notNull())
          .addColumn('id', 'text', (c) => c.notNull().unique())
          .addColumn('sample_id', 'text', (c) => c.notNull())
          .addColumn('base_revision', 'integer', (c) => c.notNull())
          .addColumn('reviewer_id', 'text', (c) => c.notNull())
          .addColumn('reviewer_name', 'text', (c) => c.notNull())
          .addColumn('changes', 'text', (c) => c.notNull())
          .addColumn('comment', 'text')
          .addColumn('signed_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('reviews_pk', ['clinic_id', 'seq'])
          .execute();
        await db.schema.createIndex('reviews_sample').on('reviews').columns(['sample_id', 'seq']).execute();
      },
    },
    // Which device sent each image and upload part, so each device's storage can be capped.
    '002-device-storage': {
      async up(db: Kysely<unknown>) {
        for (const table of ['images', 'uploads', 'upload_parts']) await db.schema.alterTable(table).addColumn('device_id', 'text').execute();
        await db.schema.createIndex('images_device').on('images').column('device_id').execute();
        await db.schema.createIndex('upload_parts_device').on('upload_parts').column('device_id').execute();
        await db.schema.createIndex('uploads_started').on('uploads').column('started_at').execute();
      },
    },
    // Reviewers sign in once per session (a cookie), not with HTTP Basic on every request: sign-out, idle time-out.
    '003-reviewer-sessions': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('reviewer_sessions')
          .addColumn('token_hash', 'text', (c) => c.primaryKey())
          .addColumn('reviewer_id', 'text', (c) => c.notNull().references('reviewers.id'))
          .addColumn('credential', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('reviewer_sessions_reviewer').on('reviewer_sessions').column('reviewer_id').execute();
      },
    },
    // What became of each review at the box (applied, conflict, unknown sample), as the box reports it.
    '004-review-outcomes': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('review_outcomes')
          .addColumn('review_id', 'text', (c) => c.primaryKey())
          .addColumn('clinic_id', 'text', (c) => c.notNull().references('clinics.id'))
          .addColumn('device_id', 'text', (c) => c.notNull())
          .addColumn('outcome', 'text', (c) => c.notNull())
          .addColumn('reason', 'text')
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('received_at', 'text', (c) => c.notNull())
          .execute();
      },
    },
    // The reviewers' worklist: each sample's priority from its newest revision (sample-priority.ts),
    // filled in for the samples already here, and who has a sample open (advisory, lapses by itself).
    '005-review-locks': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .alterTable('samples')
          .addColumn('priority', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema.alterTable('samples').addColumn('urgent_reason', 'text').execute();
        const k = db as unknown as Kysely<{
          samples: { id: string; revision: number; priority: number; urgent_reason: string | null };
          revisions: { sample_id: string; revision: number; payload: string };
        }>;
        for (let after = ''; ;) {
          const rows = await k
            .selectFrom('samples')
            .innerJoin('revisions', (j) => j.onRef('revisions.sample_id', '=', 'samples.id').onRef('revisions.revision', '=', 'samples.revision'))
            .select(['samples.id', 'revisions.payload'])
            .where('samples.id', '>', after)
            .orderBy('samples.id')
            .limit(500)
            .execute();
          for (const row of rows) {
            const p = samplePriority(JSON.parse(row.payload));
            if (p.priority) await k.updateTable('samples').set({ priority: p.priority, urgent_reason: p.reason }).where('id', '=', row.id).execute();
          }
          if (rows.length < 500) break;
          after = rows[rows.length - 1].id;
        }
        await db.schema.createIndex('samples_priority').on('samples').columns(['priority', 'received_at']).execute();
        await db.schema
          .createTable('review_locks')
          .addColumn('sample_id', 'text', (c) => c.notNull())
          .addColumn('reviewer_id', 'text', (c) => c.notNull())
          .addColumn('reviewer_name', 'text', (c) => c.notNull())
          .addColumn('opened_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('review_locks_pk', ['sample_id', 'reviewer_id'])
          .execute();
        await db.schema.createIndex('review_locks_opened').on('review_locks').column('opened_at').execute();
      },
    },
    // The patient id as a column, so that a sample page lists the patient's other samples of its clinic; filled from the stored reports.
    '006-sample-patient': {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('samples').addColumn('patient_id', 'text').execute();
        await db.schema.createIndex('samples_patient').on('samples').columns(['clinic_id', 'patient_id']).execute();
        // The newest revision's sample.patientId, an empty one as none (as repo/samples.ts stores it).
        const patientId = dialect === 'postgres' ? sql`NULLIF(revisions.payload::json #>> '{sample,patientId}', '')` : sql`NULLIF(json_extract(revisions.payload, '$.sample.patientId'), '')`;
        await sql`UPDATE samples SET patient_id = (SELECT ${patientId} FROM revisions WHERE revisions.sample_id = samples.id AND revisions.revision = samples.revision)`.execute(db);
      },
    },
    // A clinic opts in before its verified cells leave the hub as training data (npm run hub -- training-consent); off by default.
    '007-training-consent': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .alterTable('clinics')
          .addColumn('training_opt_in', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema.alterTable('clinics').addColumn('training_opt_in_at', 'text').execute();
        await db.schema.alterTable('clinics').addColumn('training_opt_in_by', 'text').execute();
      },
    },
    // A review may amend an earlier one of its sample (its seq), its comment being the reason.
    '008-review-amends': {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('reviews').addColumn('amends', 'integer').execute();
      },
    },
  };
}
