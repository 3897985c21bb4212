/**
 * Opens the box's SQLite database: WAL, synchronous=FULL (a committed result survives a power cut),
 * foreign keys on, then applies the numbered migrations. The folder is made 0700 and the file 0600. A database written by a newer leukodiff
 * is refused rather than silently used with a schema this code does not know.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS, type Migration } from './migrations/index.ts';
import { ensurePrivateDir, ensurePrivateFile, restrictIfPresent } from './private-files.ts';

export type Db = Database.Database;

export class SchemaError extends Error {}

export function openDatabase(file: string, migrations: Migration[] = MIGRATIONS): Db {
  // Patient data: the folder and the database are the daemon user's alone (SQLite gives its -wal
  // and -shm files the database file's mode).
  ensurePrivateDir(path.dirname(file));
  ensurePrivateFile(file);
  restrictIfPresent(`${file}-wal`, `${file}-shm`, `${file}-journal`);
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db, migrations);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

export function migrate(db: Db, migrations: Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new SchemaError(`migration ${m.name} is numbered ${m.version}, expected ${i + 1}`);
  });
  const known = migrations.length;
  const current = schemaVersion(db);
  if (current > known) {
    throw new SchemaError(`database schema version ${current} is newer than this leukodiff knows (${known}): it was written by a newer version; install that version again rather than downgrading`);
  }
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
}

/**
 * Checkpoints the WAL into the main file and closes: a clean shutdown leaves one file. On a full
 * disk the checkpoint fails; the WAL then stays and is replayed at the next open, so close anyway.
 */
export function closeDatabase(db: Db): void {
  if (!db.open) return;
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } catch {
    // Nothing is lost: committed transactions are in the WAL.
  }
  db.close();
}
