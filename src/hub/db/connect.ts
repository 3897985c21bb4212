/**
 * Opens the hub's database: PostgreSQL when a URL is configured (several hub processes may share
 * it), otherwise an embedded SQLite file (one hub process). Both behind the same kysely instance,
 * so every query is written once.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { HubConfig } from '../config.ts';
import { hubMigrations } from './migrations.ts';
import type { HubDatabase } from './schema.ts';

export type Dialect = 'sqlite' | 'postgres';
export type HubKysely = Kysely<HubDatabase>;

export interface HubDb {
  db: HubKysely;
  dialect: Dialect;
  close(): Promise<void>;
  /** The PostgreSQL schema in use, when one is configured. */
  schema?: string | null;
}

export const HUB_DB_FILE = 'hub.db';

export type DbOptions = Pick<HubConfig, 'dataDir' | 'databaseUrl' | 'dbSchema' | 'dbPoolSize'>;

export async function openHubDb(cfg: DbOptions): Promise<HubDb> {
  const hub = cfg.databaseUrl ? await openPostgres(cfg.databaseUrl, cfg.dbSchema, cfg.dbPoolSize) : openSqlite(path.join(cfg.dataDir, HUB_DB_FILE));
  try {
    await migrateHubDb(hub);
  } catch (err) {
    await hub.close();
    throw err;
  }
  return hub;
}

function openSqlite(file: string): HubDb {
  mkdirSync(path.dirname(file), { recursive: true });
  const database = new Database(file);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  const db = new Kysely<HubDatabase>({ dialect: new SqliteDialect({ database }) });
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}

async function openPostgres(url: string, schema: string | null, poolSize: number): Promise<HubDb> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, ...(schema ? { options: `-c search_path=${schema}` } : {}) });
  // A connection that the server drops while idle must not crash the process.
  pool.on('error', () => {});
  const db = new Kysely<HubDatabase>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'postgres', close: () => db.destroy(), schema };
}

/**
 * Creates or updates the schema. Hub processes starting together on one PostgreSQL database take
 * turns under an advisory lock held by one session (kysely's own lock table cannot be created
 * safely by several processes at once).
 */
export async function migrateHubDb(hub: HubDb): Promise<void> {
  if (hub.dialect === 'sqlite') return runMigrations(hub);
  await hub.db.connection().execute(async (conn) => {
    const key = `leukodiff-hub-migrate:${hub.schema ?? ''}`;
    await sql`SELECT pg_advisory_lock(hashtext(${key}))`.execute(conn);
    try {
      if (hub.schema) await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(hub.schema)}`.execute(conn);
      await runMigrations(hub);
    } finally {
      await sql`SELECT pg_advisory_unlock(hashtext(${key}))`.execute(conn);
    }
  });
}

async function runMigrations(hub: HubDb): Promise<void> {
  const migrations = hubMigrations(hub.dialect);
  // Named explicitly on PostgreSQL: kysely looks for its tables in every schema otherwise, and may
  // find another schema's.
  const migrationTableSchema = hub.dialect === 'postgres' ? (hub.schema ?? 'public') : undefined;
  const migrator = new Migrator({ db: hub.db, provider: { getMigrations: async () => migrations }, ...(migrationTableSchema ? { migrationTableSchema } : {}) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- whatever the migrator threw, in words
    throw new Error(`hub database migration ${failed?.migrationName ?? ''} failed: ${(error as Error).message ?? String(error)}`);
  }
}
