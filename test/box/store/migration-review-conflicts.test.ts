/** Migration 5: sync_reviews takes the conflict outcome, and keeps every row it held. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { closeDatabase, openDatabase, migrate, schemaVersion } from '../../../src/box/store/db.ts';
import { MIGRATIONS } from '../../../src/box/store/migrations/index.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'leukodiff-migration-5-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const ROWS = [
  ['r1', 1, 's1', 4, 'applied', '{"reviewer":"Dr A","applied":1}', '2026-01-01T00:00:00.000Z'],
  ['r2', 2, null, null, 'unknown_sample', '{"sampleId":"s9"}', '2026-01-02T00:00:00.000Z'],
];

it('keeps the reviews a box took in before, and records a conflict afterwards', () => {
  const file = path.join(dir, 'leukodiff.db');
  const old = new Database(file);
  migrate(old, MIGRATIONS.slice(0, 4));
  const insert = old.prepare('INSERT INTO sync_reviews (review_id, hub_seq, sample_id, applied_revision, outcome, detail, at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  for (const r of ROWS) insert.run(...r);
  expect(() => insert.run('r3', 3, 's1', 5, 'conflict', '{}', '2026-01-03T00:00:00.000Z')).toThrow(/CHECK/);
  old.close();

  const db = openDatabase(file);
  try {
    expect(schemaVersion(db)).toBe(MIGRATIONS.length);
    const rows = db.prepare('SELECT review_id, hub_seq, sample_id, applied_revision, outcome, detail, at FROM sync_reviews ORDER BY hub_seq').raw().all();
    expect(rows).toEqual(ROWS);
    db.prepare('INSERT INTO sync_reviews (review_id, hub_seq, sample_id, applied_revision, outcome, detail, at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
      'r3',
      3,
      's1',
      5,
      'conflict',
      '{}',
      '2026-01-03T00:00:00.000Z',
    );
    expect(() => db.prepare("INSERT INTO sync_reviews (review_id, hub_seq, sample_id, applied_revision, outcome, detail, at) VALUES ('r4', 4, 's1', 5, 'lost', '{}', 'x')").run()).toThrow(/CHECK/);
    const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'sync_reviews'").all();
    expect(indexes).toContainEqual({ name: 'sync_reviews_sample' });
  } finally {
    closeDatabase(db);
  }
});
