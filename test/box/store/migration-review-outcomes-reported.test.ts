/** Migration 7: sync_reviews records whether the hub was told each review's outcome; rows from before are still to tell. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { closeDatabase, openDatabase, migrate, schemaVersion } from '../../../src/box/store/db.ts';
import { MIGRATIONS } from '../../../src/box/store/migrations/index.ts';
import { SyncRepo } from '../../../src/box/sync/repo.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'leukodiff-migration-7-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const ROWS = [
  ['r1', 1, 's1', 4, 'applied', '{"reviewer":"Dr A","applied":1}', '2026-01-01T00:00:00.000Z'],
  ['r2', 2, null, null, 'unknown_sample', '{"sampleId":"s9"}', '2026-01-02T00:00:00.000Z'],
  ['r3', 3, 's1', 5, 'conflict', '{"reviewer":"Dr A","baseRevision":4,"conflict":{"why":"signed_since","signedRevision":5}}', '2026-01-03T00:00:00.000Z'],
];

it('keeps the reviews of a schema-6 box, each still to be reported to the hub', () => {
  const file = path.join(dir, 'leukodiff.db');
  const old = new Database(file);
  migrate(
    old,
    MIGRATIONS.filter((m) => m.version <= 6),
  );
  expect(schemaVersion(old)).toBe(6);
  const insert = old.prepare('INSERT INTO sync_reviews (review_id, hub_seq, sample_id, applied_revision, outcome, detail, at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  for (const r of ROWS) insert.run(...r);
  old.close();

  const db = openDatabase(file);
  try {
    expect(schemaVersion(db)).toBeGreaterThanOrEqual(7);
    const rows = db.prepare('SELECT review_id, hub_seq, sample_id, applied_revision, outcome, detail, at, reported_at FROM sync_reviews ORDER BY hub_seq').raw().all();
    expect(rows).toEqual(ROWS.map((r) => [...r, null]));
    const repo = new SyncRepo(db);
    expect(repo.unreportedReviews(2).map((r) => [r.reviewId, r.outcome])).toEqual([
      ['r1', 'applied'],
      ['r2', 'unknown_sample'],
    ]);
    expect(repo.unreportedReviews(10)[2].detail).toMatchObject({ conflict: { why: 'signed_since' } });
    repo.markReported(['r1', 'r3'], '2026-01-04T00:00:00.000Z');
    expect(repo.unreportedReviews(10).map((r) => r.reviewId)).toEqual(['r2']);
    const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'sync_reviews'").all();
    expect(indexes).toEqual(expect.arrayContaining([{ name: 'sync_reviews_sample' }, { name: 'sync_reviews_unreported' }]));
  } finally {
    closeDatabase(db);
  }
});
