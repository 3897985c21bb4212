/** The first schema: samples, fields, cells, users, images, settings, the audit log and the outbox. */
export default `
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('nurse', 'supervisor')),
  pin_hash TEXT NOT NULL,
  active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  failed_pins INTEGER NOT NULL DEFAULT 0,
  locked_until INTEGER,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX users_name ON users (name COLLATE NOCASE);

CREATE TABLE samples (
  id TEXT PRIMARY KEY,
  reference TEXT NOT NULL,
  patient_id TEXT,
  collected_at TEXT,
  status TEXT NOT NULL CHECK (status IN ('draft', 'analysing', 'review', 'signed', 'synced')),
  revision INTEGER NOT NULL CHECK (revision >= 1),
  wbc_count REAL,
  created_by TEXT REFERENCES users (id),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  signed_by TEXT REFERENCES users (id),
  signed_at TEXT,
  signed_revision INTEGER,
  synced_revision INTEGER
);
CREATE INDEX samples_created ON samples (created_at);
CREATE INDEX samples_status ON samples (status, created_at);

CREATE TABLE images (
  sha256 TEXT PRIMARY KEY CHECK (length(sha256) = 64),
  format TEXT NOT NULL,
  width INTEGER NOT NULL,
  height INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  created_at TEXT NOT NULL
);

CREATE TABLE fields (
  id TEXT PRIMARY KEY,
  sample_id TEXT NOT NULL REFERENCES samples (id),
  seq INTEGER NOT NULL,
  image_sha256 TEXT NOT NULL REFERENCES images (sha256),
  status TEXT NOT NULL CHECK (status IN ('queued', 'analysing', 'analysed', 'failed')),
  -- Position in the analysis queue (global, increasing); kept after analysis for ordering.
  queue_seq INTEGER NOT NULL,
  -- Analysis starts, committed before each run: a field that keeps killing the daemon stops being retried.
  attempts INTEGER NOT NULL DEFAULT 0,
  error TEXT,
  quality TEXT,
  analysis TEXT,
  captured_at TEXT NOT NULL,
  uploaded_by TEXT REFERENCES users (id),
  analysed_at TEXT,
  deleted_at TEXT,
  deleted_by TEXT REFERENCES users (id),
  UNIQUE (sample_id, seq)
);
CREATE INDEX fields_sample ON fields (sample_id);
CREATE INDEX fields_queue ON fields (queue_seq) WHERE status IN ('queued', 'analysing') AND deleted_at IS NULL;
CREATE INDEX fields_image ON fields (image_sha256);

CREATE TABLE cells (
  id TEXT PRIMARY KEY,
  field_id TEXT NOT NULL REFERENCES fields (id),
  sample_id TEXT NOT NULL REFERENCES samples (id),
  x1 REAL NOT NULL,
  y1 REAL NOT NULL,
  x2 REAL NOT NULL,
  y2 REAL NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('neutrophil', 'eosinophil', 'basophil', 'lymphocyte', 'monocyte', 'not_leukocyte', 'unclassified')),
  -- What the ensemble said; NULL for a cell a person added.
  auto_type TEXT,
  confidence REAL,
  agreement REAL,
  support INTEGER,
  votes TEXT,
  flagged INTEGER NOT NULL DEFAULT 0 CHECK (flagged IN (0, 1)),
  source TEXT NOT NULL CHECK (source IN ('automatic', 'corrected', 'added')),
  changed_by TEXT REFERENCES users (id),
  changed_at TEXT,
  reviewed_by TEXT REFERENCES users (id),
  reviewed_at TEXT,
  deleted_at TEXT,
  deleted_by TEXT REFERENCES users (id),
  created_at TEXT NOT NULL
);
CREATE INDEX cells_field ON cells (field_id);
CREATE INDEX cells_sample ON cells (sample_id);

CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  sample_id TEXT REFERENCES samples (id),
  revision INTEGER,
  user_id TEXT REFERENCES users (id),
  action TEXT NOT NULL,
  target TEXT,
  detail TEXT NOT NULL DEFAULT '{}',
  reason TEXT
);
CREATE INDEX audit_sample ON audit_log (sample_id, seq);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  updated_by TEXT REFERENCES users (id)
);

-- One row per signed sample revision, written in the sign-off transaction; sync delivers them.
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  sample_id TEXT NOT NULL REFERENCES samples (id),
  revision INTEGER NOT NULL,
  payload TEXT NOT NULL,
  images TEXT NOT NULL,
  created_at TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT,
  last_error TEXT,
  delivered_at TEXT,
  UNIQUE (sample_id, revision)
);
CREATE INDEX outbox_pending ON outbox (id) WHERE delivered_at IS NULL;
`;
