/**
 * A review from the hub that the box could not apply whole (the box signed a newer revision since
 * its base, or a cell it changes was changed here) is recorded as a conflict: nothing of it is
 * applied and the sample goes back to review. SQLite cannot widen a CHECK, so the table is copied.
 */
export default `
CREATE TABLE sync_reviews_new (
  review_id TEXT PRIMARY KEY,
  hub_seq INTEGER NOT NULL,
  sample_id TEXT,
  applied_revision INTEGER,
  outcome TEXT NOT NULL CHECK (outcome IN ('applied', 'unknown_sample', 'conflict')),
  detail TEXT NOT NULL,
  at TEXT NOT NULL
);
INSERT INTO sync_reviews_new SELECT review_id, hub_seq, sample_id, applied_revision, outcome, detail, at FROM sync_reviews;
DROP TABLE sync_reviews;
ALTER TABLE sync_reviews_new RENAME TO sync_reviews;
CREATE INDEX sync_reviews_sample ON sync_reviews (sample_id);
`;
