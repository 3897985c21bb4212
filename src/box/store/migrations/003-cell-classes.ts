/**
 * The classes only a person gives (band, immature granulocyte, blast, reactive lymphocyte, NRBC,
 * smudge) join the cells' CHECK constraint. SQLite cannot alter a CHECK, so the table is rebuilt:
 * same columns in the same order, every row copied, indexes recreated. Foreign keys are deferred to
 * the commit so that a table referring to cells (none today) stays valid across the swap.
 */
export default `
PRAGMA defer_foreign_keys = ON;

CREATE TABLE cells_003 (
  id TEXT PRIMARY KEY,
  field_id TEXT NOT NULL REFERENCES fields (id),
  sample_id TEXT NOT NULL REFERENCES samples (id),
  x1 REAL NOT NULL,
  y1 REAL NOT NULL,
  x2 REAL NOT NULL,
  y2 REAL NOT NULL,
  type TEXT NOT NULL CHECK (type IN (
    'neutrophil', 'eosinophil', 'basophil', 'lymphocyte', 'monocyte',
    'band', 'immature_granulocyte', 'blast', 'reactive_lymphocyte', 'nrbc', 'smudge',
    'unclassified', 'not_leukocyte'
  )),
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

INSERT INTO cells_003 (id, field_id, sample_id, x1, y1, x2, y2, type, auto_type, confidence, agreement, support, votes, flagged, source,
                       changed_by, changed_at, reviewed_by, reviewed_at, deleted_at, deleted_by, created_at)
SELECT id, field_id, sample_id, x1, y1, x2, y2, type, auto_type, confidence, agreement, support, votes, flagged, source,
       changed_by, changed_at, reviewed_by, reviewed_at, deleted_at, deleted_by, created_at
FROM cells ORDER BY rowid;

DROP TABLE cells;
ALTER TABLE cells_003 RENAME TO cells;
CREATE INDEX cells_field ON cells (field_id);
CREATE INDEX cells_sample ON cells (sample_id);
`;
