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
  if (schema) {
    try {
      await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(schema)}`.execute(db);
    } catch (err) {
      // Two hub processes creating it at once: the loser sees a duplicate.
      const code = (err as { code?: string }).code;
      if (code !== '23505' && code !== '42P06') {
        await db.destroy();
        throw err;
      }
    }
  }
  return { db, dialect: 'postgres', close: () => db.destroy() };
}

export async function migrateHubDb(hub: HubDb): Promise<void> {
  const migrations = hubMigrations(hub.dialect);
  const migrator = new Migrator({ db: hub.db, provider: { getMigrations: async () => migrations } });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`hub database migration ${failed?.migrationName ?? ''} failed: ${(error as Error).message ?? String(error)}`);
  }
}
