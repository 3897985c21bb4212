/**
 * Sync with the hub: how each image is sent and whether the hub acknowledged it, outbox rows set
 * aside with their reason, reviews pulled from the hub, and small state (the review cursor).
 */
export default `
CREATE TABLE sync_state (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

-- An image's encoded form (chosen once: identity or gzip) and when the hub confirmed holding it.
CREATE TABLE sync_images (
  sha256 TEXT PRIMARY KEY REFERENCES images (sha256),
  encoding TEXT NOT NULL CHECK (encoding IN ('identity', 'gzip')),
  encoded_bytes INTEGER NOT NULL CHECK (encoded_bytes > 0),
  acknowledged_at TEXT
);

-- Outbox rows that keep failing (too large, refused by the hub): skipped until someone retries them.
CREATE TABLE sync_set_aside (
  outbox_id INTEGER PRIMARY KEY REFERENCES outbox (id),
  code TEXT NOT NULL,
  reason TEXT NOT NULL,
  at TEXT NOT NULL
);

-- Reviews pulled from the hub, once each; applied_revision is the sample revision they made.
CREATE TABLE sync_reviews (
  review_id TEXT PRIMARY KEY,
  hub_seq INTEGER NOT NULL,
  sample_id TEXT,
  applied_revision INTEGER,
  outcome TEXT NOT NULL CHECK (outcome IN ('applied', 'unknown_sample')),
  detail TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE INDEX sync_reviews_sample ON sync_reviews (sample_id);
`;
