import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeDatabase, migrate, openDatabase, SchemaError, schemaVersion } from '../../../src/box/store/db.ts';
import { MIGRATIONS } from '../../../src/box/store/migrations/index.ts';

describe('openDatabase', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'leukodiff-db-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('opens in WAL mode with synchronous=FULL and foreign keys, at the newest schema', () => {
    const db = openDatabase(path.join(dir, 'a.db'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(schemaVersion(db)).toBe(MIGRATIONS.length);
    const tables = db
      .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all()
      .map((r) => r.name);
    expect(tables).toEqual(expect.arrayContaining(['audit_log', 'cells', 'fields', 'images', 'outbox', 'samples', 'settings', 'users']));
    closeDatabase(db);
    // Reopening applies nothing again.
    const again = openDatabase(path.join(dir, 'a.db'));
    expect(schemaVersion(again)).toBe(MIGRATIONS.length);
    closeDatabase(again);
  });

  it('refuses a database written by a newer version, and leaves it untouched', () => {
    const file = path.join(dir, 'new.db');
    const raw = new Database(file);
    raw.pragma('user_version = 99');
    raw.close();
    expect(() => openDatabase(file)).toThrow(SchemaError);
    expect(() => openDatabase(file)).toThrow(/schema version 99 is newer/);
    const check = new Database(file);
    expect(check.pragma('user_version', { simple: true })).toBe(99);
    check.close();
  });

  it('applies migrations in order, each in its own transaction, and refuses gaps in the numbering', () => {
    const db = new Database(':memory:');
    migrate(db, [
      { version: 1, name: 'a', sql: 'CREATE TABLE a (x)' },
      { version: 2, name: 'b', sql: 'CREATE TABLE b (y)' },
    ]);
    expect(schemaVersion(db)).toBe(2);
    expect(() =>
      migrate(db, [
        { version: 1, name: 'a', sql: '' },
        { version: 3, name: 'c', sql: '' },
      ]),
    ).toThrow(/numbered 3, expected 2/);
    // A failing migration leaves the previous version in place.
    expect(() =>
      migrate(db, [
        { version: 1, name: 'a', sql: '' },
        { version: 2, name: 'b', sql: '' },
        { version: 3, name: 'bad', sql: 'CREATE TABLE c (z); SELECT * FROM missing_table' },
      ]),
    ).toThrow();
    expect(schemaVersion(db)).toBe(2);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'c'").get()).toEqual({ n: 0 });
    db.close();
  });

  it('keeps the audit log append-only', () => {
    const db = openDatabase(path.join(dir, 'audit.db'));
    db.prepare("INSERT INTO audit_log (at, action) VALUES ('2026-01-01T00:00:00Z', 'x')").run();
    expect(() => db.prepare("UPDATE audit_log SET action = 'y'").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
    expect(db.prepare('SELECT action FROM audit_log').all()).toEqual([{ action: 'x' }]);
    closeDatabase(db);
  });

  it('enforces the schema: foreign keys, cell classes, sample statuses', () => {
    const db = openDatabase(path.join(dir, 'fk.db'));
    expect(() => db.prepare("INSERT INTO fields (id, sample_id, seq, image_sha256, status, queue_seq, captured_at) VALUES ('f', 'nope', 1, ?, 'queued', 1, 'x')").run('a'.repeat(64))).toThrow(
      /FOREIGN KEY/,
    );
    expect(() => db.prepare("INSERT INTO samples (id, reference, status, revision, created_at, updated_at) VALUES ('s', 'r', 'approved', 1, 'x', 'x')").run()).toThrow(/CHECK/);
    closeDatabase(db);
  });
});
