/** SQL for the PIN-guessing defences: the box-wide log of wrong PINs, and box secrets (hashes only). */
import type { Db } from './db.ts';

export class SecurityRepo {
  constructor(private readonly db: Db) {}

  recordWrongPin(at: number, userId: string | null): void {
    this.db.prepare('INSERT INTO wrong_pins (at, user_id) VALUES (?, ?)').run(at, userId);
  }

  /** Wrong PINs since `since` (ms), oldest first; older rows are dropped. */
  wrongPinsSince(since: number): number[] {
    this.db.prepare('DELETE FROM wrong_pins WHERE at < ?').run(since);
    return this.db
      .prepare<[number], { at: number }>('SELECT at FROM wrong_pins WHERE at >= ? ORDER BY at')
      .all(since)
      .map((r) => r.at);
  }

  clearWrongPins(): void {
    this.db.prepare('DELETE FROM wrong_pins').run();
  }

  getSecret(key: string): string | undefined {
    return this.db.prepare<[string], { value: string }>('SELECT value FROM box_secrets WHERE key = ?').get(key)?.value;
  }

  setSecret(key: string, value: string, at: string): void {
    this.db.prepare('INSERT INTO box_secrets (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at').run(key, value, at);
  }
}
