/** The append-only audit log (triggers in the schema refuse UPDATE and DELETE). */
import type { Db } from './db.ts';
import type { AuditEntry } from './types.ts';

interface AuditRow {
  seq: number;
  at: string;
  sample_id: string | null;
  revision: number | null;
  user_id: string | null;
  action: string;
  target: string | null;
  detail: string;
  reason: string | null;
}

const toEntry = (r: AuditRow): AuditEntry => ({
  seq: r.seq,
  at: r.at,
  sampleId: r.sample_id,
  revision: r.revision,
  userId: r.user_id,
  action: r.action,
  target: r.target,
  detail: JSON.parse(r.detail) as Record<string, unknown>,
  reason: r.reason,
});

export type NewAuditEntry = Omit<AuditEntry, 'seq'>;

export class AuditLog {
  private readonly insertStmt;

  constructor(private readonly db: Db) {
    this.insertStmt = db.prepare(
      `INSERT INTO audit_log (at, sample_id, revision, user_id, action, target, detail, reason)
       VALUES (@at, @sampleId, @revision, @userId, @action, @target, @detail, @reason)`,
    );
  }

  append(e: NewAuditEntry): void {
    this.insertStmt.run({ ...e, detail: JSON.stringify(e.detail) });
  }

  /** The sample's newest entry of one action, if any. */
  latestOf(sampleId: string, action: string): AuditEntry | undefined {
    const row = this.db.prepare<[string, string], AuditRow>('SELECT * FROM audit_log WHERE sample_id = ? AND action = ? ORDER BY seq DESC LIMIT 1').get(sampleId, action);
    return row && toEntry(row);
  }

  forSample(sampleId: string): AuditEntry[] {
    return this.db.prepare<[string], AuditRow>('SELECT * FROM audit_log WHERE sample_id = ? ORDER BY seq').all(sampleId).map(toEntry);
  }

  /** Newest first, optionally only entries before `beforeSeq`. */
  recent(limit: number, beforeSeq = Number.MAX_SAFE_INTEGER): AuditEntry[] {
    return this.db.prepare<[number, number], AuditRow>('SELECT * FROM audit_log WHERE seq < ? ORDER BY seq DESC LIMIT ?').all(beforeSeq, limit).map(toEntry);
  }
}
