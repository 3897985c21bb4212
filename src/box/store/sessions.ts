/** SQL for kiosk sessions: keyed by the sha256 of the session token (the token itself is never stored). */
import type { Db } from './db.ts';

export interface SessionRow {
  tokenHash: string;
  userId: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
}

interface Row {
  token_hash: string;
  user_id: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
}

export class SessionRepo {
  constructor(private readonly db: Db) {}

  insert(s: SessionRow): void {
    this.db.prepare('INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?)').run(s.tokenHash, s.userId, s.createdAt, s.lastSeenAt, s.expiresAt);
  }

  get(tokenHash: string): SessionRow | undefined {
    const r = this.db.prepare<[string], Row>('SELECT * FROM sessions WHERE token_hash = ?').get(tokenHash);
    return r && { tokenHash: r.token_hash, userId: r.user_id, createdAt: r.created_at, lastSeenAt: r.last_seen_at, expiresAt: r.expires_at };
  }

  touch(tokenHash: string, at: number): void {
    this.db.prepare('UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?').run(at, tokenHash);
  }

  delete(tokenHash: string): void {
    this.db.prepare('DELETE FROM sessions WHERE token_hash = ?').run(tokenHash);
  }

  deleteForUser(userId: string): void {
    this.db.prepare('DELETE FROM sessions WHERE user_id = ?').run(userId);
  }

  /** Removes sessions past their absolute expiry or idle longer than idleMs. */
  prune(now: number, idleMs: number): void {
    this.db.prepare('DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?').run(now, now - idleMs);
  }
}
