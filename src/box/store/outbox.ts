/**
 * The outbox: one row per signed sample revision, written in the sign-off transaction. Sync reads
 * pending rows in order, delivers them (the hub upserts by sample id + revision), and marks them.
 */
import type { Db } from './db.ts';
import type { OutboxEntry } from './types.ts';

interface OutboxRow {
  id: number;
  sample_id: string;
  revision: number;
  payload: string;
  images: string;
  created_at: string;
  attempts: number;
  next_attempt_at: string | null;
  last_error: string | null;
  delivered_at: string | null;
}

/**
 * next_attempt_at of a row the sync set aside (the sync's own table keeps why): due() never
 * returns it, and it waits for a person to put it back.
 */
export const SET_ASIDE_UNTIL = '9999-12-31T23:59:59.999Z';

/** Whether the row waits, set aside, for a person (undelivered, marked by markSetAside). */
export const isSetAside = (e: Pick<OutboxEntry, 'deliveredAt' | 'nextAttemptAt'>): boolean => !e.deliveredAt && e.nextAttemptAt === SET_ASIDE_UNTIL;

const toEntry = (r: OutboxRow): OutboxEntry => ({
  id: r.id,
  sampleId: r.sample_id,
  revision: r.revision,
  payload: JSON.parse(r.payload),
  images: JSON.parse(r.images) as string[],
  createdAt: r.created_at,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  lastError: r.last_error,
  deliveredAt: r.delivered_at,
});

export class Outbox {
  constructor(private readonly db: Db) {}

  add(e: { sampleId: string; revision: number; payload: unknown; images: string[]; createdAt: string }): void {
    this.db
      .prepare('INSERT INTO outbox (sample_id, revision, payload, images, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(e.sampleId, e.revision, JSON.stringify(e.payload), JSON.stringify(e.images), e.createdAt);
  }

  /** Undelivered rows due at `now` (ISO time), oldest first. */
  due(now: string, limit = 10): OutboxEntry[] {
    return this.db
      .prepare<[string, number], OutboxRow>('SELECT * FROM outbox WHERE delivered_at IS NULL AND (next_attempt_at IS NULL OR next_attempt_at <= ?) ORDER BY id LIMIT ?')
      .all(now, limit)
      .map(toEntry);
  }

  pendingCount(): number {
    return this.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM outbox WHERE delivered_at IS NULL').get()!.n;
  }

  latestForSample(sampleId: string): OutboxEntry | undefined {
    const row = this.db.prepare<[string], OutboxRow>('SELECT * FROM outbox WHERE sample_id = ? ORDER BY revision DESC LIMIT 1').get(sampleId);
    return row && toEntry(row);
  }

  forRevision(sampleId: string, revision: number): OutboxEntry | undefined {
    const row = this.db.prepare<[string, number], OutboxRow>('SELECT * FROM outbox WHERE sample_id = ? AND revision = ?').get(sampleId, revision);
    return row && toEntry(row);
  }

  get(id: number): OutboxEntry | undefined {
    const row = this.db.prepare<[number], OutboxRow>('SELECT * FROM outbox WHERE id = ?').get(id);
    return row && toEntry(row);
  }

  markDelivered(id: number, at: string): void {
    this.db.prepare('UPDATE outbox SET delivered_at = ?, last_error = NULL WHERE id = ?').run(at, id);
  }

  markFailed(id: number, error: string, nextAttemptAt: string): void {
    this.db.prepare('UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?').run(error, nextAttemptAt, id);
  }

  /** A failure after which the row is never due again until a person puts it back (markFailed with a new time). */
  markSetAside(id: number, reason: string): void {
    this.markFailed(id, reason, SET_ASIDE_UNTIL);
  }
}
