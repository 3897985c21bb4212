/** SQL for cells: what the ensemble found in a field, and what people changed. */
import { NOT_COUNTED_CLASSES, type CellClass } from '../../contracts/vocabulary.ts';
import type { Db } from './db.ts';
import type { Cell, CellSource } from './types.ts';

interface CellRow {
  id: string;
  field_id: string;
  sample_id: string;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  type: CellClass;
  auto_type: string | null;
  confidence: number | null;
  agreement: number | null;
  support: number | null;
  votes: string | null;
  flagged: number;
  source: CellSource;
  changed_by: string | null;
  changed_at: string | null;
  changed_by_reviewer: string | null;
  reviewed_by: string | null;
  reviewed_at: string | null;
  deleted_at: string | null;
  deleted_by: string | null;
  created_at: string;
}

const toCell = (r: CellRow): Cell => ({
  id: r.id,
  fieldId: r.field_id,
  sampleId: r.sample_id,
  box: [r.x1, r.y1, r.x2, r.y2],
  type: r.type,
  autoType: r.auto_type,
  confidence: r.confidence,
  agreement: r.agreement,
  support: r.support,
  votes: r.votes ? (JSON.parse(r.votes) as number[]) : null,
  flagged: r.flagged === 1,
  source: r.source,
  changedBy: r.changed_by,
  changedAt: r.changed_at,
  changedByReviewer: r.changed_by_reviewer,
  reviewedBy: r.reviewed_by,
  reviewedAt: r.reviewed_at,
  deletedAt: r.deleted_at,
  deletedBy: r.deleted_by,
  createdAt: r.created_at,
});

export type NewCell = Pick<
  Cell,
  'id' | 'fieldId' | 'sampleId' | 'box' | 'type' | 'autoType' | 'confidence' | 'agreement' | 'support' | 'votes' | 'flagged' | 'source' | 'changedBy' | 'changedAt' | 'createdAt'
>;

export interface CellTally {
  counted: number;
  reviewPending: number;
  unseen: number;
  unidentified: number;
}

export class CellRepo {
  private readonly getStmt;
  private readonly byFieldStmt;
  private readonly bySampleStmt;
  private readonly insertStmt;

  constructor(private readonly db: Db) {
    this.getStmt = db.prepare<[string], CellRow>('SELECT * FROM cells WHERE id = ?');
    this.byFieldStmt = db.prepare<[string], CellRow>('SELECT * FROM cells WHERE field_id = ? AND deleted_at IS NULL ORDER BY rowid');
    this.bySampleStmt = db.prepare<[string], CellRow>(
      'SELECT c.* FROM cells c JOIN fields f ON f.id = c.field_id WHERE c.sample_id = ? AND c.deleted_at IS NULL AND f.deleted_at IS NULL ORDER BY f.seq, c.rowid',
    );
    this.insertStmt = db.prepare(
      `INSERT INTO cells (id, field_id, sample_id, x1, y1, x2, y2, type, auto_type, confidence, agreement, support, votes, flagged, source, changed_by, changed_at, created_at)
       VALUES (@id, @fieldId, @sampleId, @x1, @y1, @x2, @y2, @type, @autoType, @confidence, @agreement, @support, @votes, @flagged, @source, @changedBy, @changedAt, @createdAt)`,
    );
  }

  insert(c: NewCell): void {
    const [x1, y1, x2, y2] = c.box;
    this.insertStmt.run({ ...c, box: undefined, x1, y1, x2, y2, votes: c.votes && JSON.stringify(c.votes), flagged: c.flagged ? 1 : 0 });
  }

  get(id: string): Cell | undefined {
    const row = this.getStmt.get(id);
    return row && toCell(row);
  }

  listByField(fieldId: string): Cell[] {
    return this.byFieldStmt.all(fieldId).map(toCell);
  }

  /** Live cells of the sample's live fields, by field. */
  listBySample(sampleId: string): Cell[] {
    return this.bySampleStmt.all(sampleId).map(toCell);
  }

  /**
   * Leukocytes counted (every class but NRBC, smudge and not_leukocyte: isCountedClass), flagged
   * cells nobody looked at yet, cells the analysis typed that no person has seen (a person's own
   * cells, added or corrected, count as seen), and counted cells left unidentified; the cells of
   * `leaveOutFields` (fields awaiting the quality question) left out.
   */
  tally(sampleId: string, leaveOutFields: readonly string[] = []): CellTally {
    return this.db
      .prepare<[string, string], CellTally>(
        `SELECT count(*) FILTER (WHERE c.type NOT IN (${NOT_COUNTED_CLASSES.map((t) => `'${t}'`).join(', ')})) AS counted,
                count(*) FILTER (WHERE c.flagged = 1 AND c.reviewed_at IS NULL) AS reviewPending,
                count(*) FILTER (WHERE c.type <> 'not_leukocyte' AND c.source = 'automatic' AND c.reviewed_at IS NULL) AS unseen,
                count(*) FILTER (WHERE c.type = 'unclassified') AS unidentified
         FROM cells c JOIN fields f ON f.id = c.field_id
         WHERE c.sample_id = ? AND c.deleted_at IS NULL AND f.deleted_at IS NULL
           AND c.field_id NOT IN (SELECT value FROM json_each(?))`,
      )
      .get(sampleId, JSON.stringify(leaveOutFields))!;
  }

  /** `reviewer`: the hub reviewer whose review set the type (null for a change made at the box). */
  setType(id: string, type: CellClass, source: CellSource, by: string | null, at: string, reviewer: string | null = null): void {
    this.db.prepare('UPDATE cells SET type = ?, source = ?, changed_by = ?, changed_at = ?, changed_by_reviewer = ? WHERE id = ?').run(type, source, by, at, reviewer, id);
  }

  markReviewed(id: string, by: string | null, at: string): void {
    this.db.prepare('UPDATE cells SET reviewed_by = ?, reviewed_at = ? WHERE id = ?').run(by, at, id);
  }

  softDelete(id: string, by: string | null, at: string): void {
    this.db.prepare('UPDATE cells SET deleted_at = ?, deleted_by = ? WHERE id = ?').run(at, by, id);
  }
}
