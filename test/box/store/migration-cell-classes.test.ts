import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CELL_CLASSES } from '../../../src/contracts/vocabulary.ts';
import { closeDatabase, migrate, openDatabase, schemaVersion } from '../../../src/box/store/db.ts';
import { MIGRATIONS } from '../../../src/box/store/migrations/index.ts';

const AT = '2026-01-01T00:00:00.000Z';
const OLD_CLASSES = ['neutrophil', 'eosinophil', 'basophil', 'lymphocyte', 'monocyte', 'not_leukocyte', 'unclassified'];

/** A database at schema 2 (before the new cell classes) holding one cell of every old class. */
function schema2(file: string): void {
  const db = new Database(file);
  db.pragma('foreign_keys = ON');
  migrate(db, MIGRATIONS.slice(0, 2));
  db.prepare("INSERT INTO users VALUES ('u1', 'Ana', 'nurse', 'x', 1, 0, NULL, ?, ?)").run(AT, AT);
  db.prepare("INSERT INTO samples (id, reference, status, revision, created_by, created_at, updated_at) VALUES ('s1', 'S-1', 'review', 1, 'u1', ?, ?)").run(AT, AT);
  db.prepare("INSERT INTO images VALUES (?, 'jpeg', 100, 80, 1234, ?)").run('a'.repeat(64), AT);
  db.prepare("INSERT INTO fields (id, sample_id, seq, image_sha256, status, queue_seq, captured_at) VALUES ('f1', 's1', 1, ?, 'analysed', 1, ?)").run('a'.repeat(64), AT);
  const insert = db.prepare(
    `INSERT INTO cells (id, field_id, sample_id, x1, y1, x2, y2, type, auto_type, confidence, agreement, support, votes, flagged, source, changed_by, changed_at, reviewed_by, reviewed_at, deleted_at, deleted_by, created_at)
     VALUES (?, 'f1', 's1', ?, 2, 30, 40, ?, ?, 0.8, 0.66, 3, '[1,2,0,0,0]', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  OLD_CLASSES.forEach((type, i) =>
    insert.run(
      `c${i}`,
      i,
      type,
      type === 'unclassified' ? 'immature_granulocyte' : type,
      i % 2,
      i === 3 ? 'corrected' : 'automatic',
      i === 3 ? 'u1' : null,
      i === 3 ? AT : null,
      i === 4 ? 'u1' : null,
      i === 4 ? AT : null,
      i === 5 ? AT : null,
      i === 5 ? 'u1' : null,
      AT,
    ),
  );
  db.pragma('user_version = 2');
  db.close();
}

describe('migration 3: cell classes only a person gives', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'leukodiff-mig3-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every cell of a schema-2 database, unchanged and in order, and then accepts the new classes', () => {
    const file = path.join(dir, 'box.db');
    schema2(file);
    const before = new Database(file);
    const rows = before.prepare('SELECT * FROM cells ORDER BY rowid').all();
    before.close();
    expect(rows).toHaveLength(OLD_CLASSES.length);

    const db = openDatabase(file);
    expect(schemaVersion(db)).toBe(MIGRATIONS.length);
    // Every value of every cell kept (later migrations may add columns, which start empty).
    const after = db.prepare<[], Record<string, unknown>>('SELECT * FROM cells ORDER BY rowid').all();
    expect(after.map((r) => Object.fromEntries(Object.keys(rows[0] as object).map((k) => [k, r[k]])))).toEqual(rows);
    expect(after.every((r) => r.changed_by_reviewer === null)).toBe(true);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const indexes = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'cells' AND name NOT LIKE 'sqlite_%' ORDER BY name").all();
    expect(indexes.map((r) => r.name)).toEqual(['cells_field', 'cells_sample']);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name LIKE 'cells_0%'").get()).toEqual({ n: 0 });

    const setType = db.prepare("UPDATE cells SET type = ? WHERE id = 'c0'");
    for (const type of CELL_CLASSES) expect(() => setType.run(type)).not.toThrow();
    expect(() => setType.run('promyelocyte')).toThrow(/CHECK constraint failed/);
    // Foreign keys still hold on the rebuilt table.
    expect(() => db.prepare("UPDATE cells SET field_id = 'nowhere' WHERE id = 'c1'").run()).toThrow(/FOREIGN KEY/);
    closeDatabase(db);
  });

  it('creates the same table on a new database as on a migrated one', () => {
    const migrated = path.join(dir, 'old.db');
    schema2(migrated);
    const a = openDatabase(migrated);
    const b = openDatabase(path.join(dir, 'new.db'));
    const sql = (db: Database.Database) => (db.prepare("SELECT sql FROM sqlite_master WHERE name = 'cells'").get() as { sql: string }).sql;
    expect(sql(a)).toBe(sql(b));
    expect(sql(b)).toContain("'reactive_lymphocyte'");
    closeDatabase(a);
    closeDatabase(b);
  });
});
