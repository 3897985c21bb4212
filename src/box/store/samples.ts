/** SQL for the samples table. */
import type { Db } from './db.ts';
import type { Sample, SampleStatus } from './types.ts';

interface SampleRow {
  id: string;
  reference: string;
  patient_id: string | null;
  collected_at: string | null;
  status: SampleStatus;
  revision: number;
  wbc_count: number | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
  signed_by: string | null;
  signed_at: string | null;
  signed_revision: number | null;
  synced_revision: number | null;
}

const toSample = (r: SampleRow): Sample => ({
  id: r.id,
  reference: r.reference,
  patientId: r.patient_id,
  collectedAt: r.collected_at,
  status: r.status,
  revision: r.revision,
  wbcCount: r.wbc_count,
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  signedBy: r.signed_by,
  signedAt: r.signed_at,
  signedRevision: r.signed_revision,
  syncedRevision: r.synced_revision,
});

export interface SampleListQuery {
  status?: SampleStatus;
  /** Prefix of the sample reference. */
  reference?: string;
  limit: number;
  offset: number;
}

export type SampleEdit = Partial<Pick<Sample, 'reference' | 'patientId' | 'collectedAt' | 'wbcCount'>>;

const EDIT_COLUMNS: Record<keyof SampleEdit, string> = {
  reference: 'reference',
  patientId: 'patient_id',
  collectedAt: 'collected_at',
  wbcCount: 'wbc_count',
};

export class SampleRepo {
  private readonly getStmt;
  private readonly insertStmt;
  private readonly stateStmt;

  constructor(private readonly db: Db) {
    this.getStmt = db.prepare<[string], SampleRow>('SELECT * FROM samples WHERE id = ?');
    this.insertStmt = db.prepare(
      `INSERT INTO samples (id, reference, patient_id, collected_at, status, revision, wbc_count, created_by, created_at, updated_at)
       VALUES (@id, @reference, @patientId, @collectedAt, @status, @revision, @wbcCount, @createdBy, @createdAt, @updatedAt)`,
    );
    this.stateStmt = db.prepare(
      `UPDATE samples SET status = @status, revision = @revision, updated_at = @updatedAt,
         signed_by = @signedBy, signed_at = @signedAt, signed_revision = @signedRevision, synced_revision = @syncedRevision
       WHERE id = @id`,
    );
  }

  get(id: string): Sample | undefined {
    const row = this.getStmt.get(id);
    return row && toSample(row);
  }

  /**
   * The oldest other sample whose reference is `reference`, ignoring case (ASCII, as SQLite's NOCASE)
   * and white space around it; `reference` must be normalised already.
   */
  findByReference(reference: string, exceptId: string | null): string | undefined {
    const row = this.db
      .prepare<{ reference: string; exceptId: string }, { id: string }>('SELECT id FROM samples WHERE trim(reference) = @reference COLLATE NOCASE AND id != @exceptId ORDER BY created_at, id LIMIT 1')
      .get({ reference, exceptId: exceptId ?? '' });
    return row?.id;
  }

  insert(s: Sample): void {
    this.insertStmt.run(s);
  }

  edit(id: string, edit: SampleEdit): void {
    const keys = Object.keys(edit) as (keyof SampleEdit)[];
    if (keys.length === 0) return;
    const sets = keys.map((k) => `${EDIT_COLUMNS[k]} = @${k}`).join(', ');
    this.db.prepare(`UPDATE samples SET ${sets} WHERE id = @id`).run({ ...edit, id });
  }

  /** Writes the workflow state: status, revision, signature and sync marks. */
  setState(s: Pick<Sample, 'id' | 'status' | 'revision' | 'updatedAt' | 'signedBy' | 'signedAt' | 'signedRevision' | 'syncedRevision'>): void {
    this.stateStmt.run({
      id: s.id,
      status: s.status,
      revision: s.revision,
      updatedAt: s.updatedAt,
      signedBy: s.signedBy,
      signedAt: s.signedAt,
      signedRevision: s.signedRevision,
      syncedRevision: s.syncedRevision,
    });
  }

  /** Newest first. */
  list(q: SampleListQuery): { items: Sample[]; total: number } {
    const where: string[] = [];
    const args: Record<string, unknown> = {};
    if (q.status) {
      where.push('status = @status');
      args.status = q.status;
    }
    if (q.reference) {
      where.push("reference LIKE @ref ESCAPE '\\'");
      args.ref = q.reference.replace(/[\\%_]/g, (c) => `\\${c}`) + '%';
    }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const rows = this.db
      .prepare<Record<string, unknown>, SampleRow>(`SELECT * FROM samples ${clause} ORDER BY created_at DESC, id LIMIT @limit OFFSET @offset`)
      .all({ ...args, limit: q.limit, offset: q.offset });
    const { n } = this.db.prepare<Record<string, unknown>, { n: number }>(`SELECT count(*) AS n FROM samples ${clause}`).get(args)!;
    return { items: rows.map(toSample), total: n };
  }
}
