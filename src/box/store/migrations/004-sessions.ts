/**
 * Sessions and PIN-guessing defences: who is signed in at the kiosk (only a hash of each session
 * token is kept), the box-wide log of wrong PINs (the global guess budget), and box secrets such as
 * the technician's recovery code (its hash only).
 */
export default `
CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id),
  created_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE wrong_pins (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  user_id TEXT
);
CREATE INDEX wrong_pins_at ON wrong_pins (at);

CREATE TABLE box_secrets (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
`;
