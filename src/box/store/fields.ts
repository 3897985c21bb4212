/** SQL for fields (one photographed microscope field of a sample) and their images. */
import type { Db } from './db.ts';
import type { AnalysisJson, Field, FieldStatus, QualityJson } from './types.ts';

interface FieldRow {
  id: string;
  sample_id: string;
  seq: number;
  image_sha256: string;
  width: number;
  height: number;
  format: string;
  bytes: number;
  status: FieldStatus;
  queue_seq: number;
  attempts: number;
  error: string | null;
  quality: string | null;
  analysis: string | null;
  captured_at: string;
  uploaded_by: string | null;
  analysed_at: string | null;
  deleted_at: string | null;
}

const toField = (r: FieldRow): Field => ({
  id: r.id,
  sampleId: r.sample_id,
  seq: r.seq,
  imageSha256: r.image_sha256,
  width: r.width,
  height: r.height,
  format: r.format,
  bytes: r.bytes,
  status: r.status,
  queueSeq: r.queue_seq,
  attempts: r.attempts,
  error: r.error,
  quality: r.quality ? (JSON.parse(r.quality) as QualityJson) : null,
  analysis: r.analysis ? (JSON.parse(r.analysis) as AnalysisJson) : null,
  capturedAt: r.captured_at,
  uploadedBy: r.uploaded_by,
  analysedAt: r.analysed_at,
  deletedAt: r.deleted_at,
});

const SELECT = `SELECT f.*, i.width, i.height, i.format, i.bytes FROM fields f JOIN images i ON i.sha256 = f.image_sha256`;
const PENDING = `f.status IN ('queued', 'analysing') AND f.deleted_at IS NULL`;

export interface ImageMeta {
  sha256: string;
  format: string;
  width: number;
  height: number;
  bytes: number;
}

export interface NewField {
  id: string;
  sampleId: string;
  imageSha256: string;
  capturedAt: string;
  uploadedBy: string | null;
}

export interface FieldResult {
  status: 'analysed' | 'failed';
  error: string | null;
  quality: QualityJson | null;
  analysis: AnalysisJson | null;
  analysedAt: string;
}

export class FieldRepo {
  private readonly getStmt;
  private readonly bySampleStmt;
  private readonly pendingStmt;
  private readonly nextStmt;

  constructor(private readonly db: Db) {
    this.getStmt = db.prepare<[string], FieldRow>(`${SELECT} WHERE f.id = ?`);
    this.bySampleStmt = db.prepare<[string], FieldRow>(`${SELECT} WHERE f.sample_id = ? AND f.deleted_at IS NULL ORDER BY f.seq`);
    this.pendingStmt = db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM fields f WHERE ${PENDING}`);
    this.nextStmt = db.prepare<[], FieldRow>(`${SELECT} WHERE f.status = 'queued' AND f.deleted_at IS NULL ORDER BY f.queue_seq LIMIT 1`);
  }

  addImage(meta: ImageMeta, createdAt: string): void {
    this.db
      .prepare('INSERT INTO images (sha256, format, width, height, bytes, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING')
      .run(meta.sha256, meta.format, meta.width, meta.height, meta.bytes, createdAt);
  }

  imageExists(sha256: string): boolean {
    return this.db.prepare('SELECT 1 FROM images WHERE sha256 = ?').get(sha256) !== undefined;
  }

  /** Every image hash the database references. */
  imageHashes(): Set<string> {
    return new Set(
      this.db
        .prepare<[], { sha256: string }>('SELECT sha256 FROM images')
        .all()
        .map((r) => r.sha256),
    );
  }

  /** Inserts a field queued for analysis, numbered after the sample's last field. */
  insertQueued(f: NewField): Field {
    this.db
      .prepare(
        `INSERT INTO fields (id, sample_id, seq, image_sha256, status, queue_seq, captured_at, uploaded_by)
         VALUES (@id, @sampleId,
           (SELECT coalesce(max(seq), 0) + 1 FROM fields WHERE sample_id = @sampleId),
           @imageSha256, 'queued',
           (SELECT coalesce(max(queue_seq), 0) + 1 FROM fields),
           @capturedAt, @uploadedBy)`,
      )
      .run(f);
    return this.get(f.id)!;
  }

  get(id: string): Field | undefined {
    const row = this.getStmt.get(id);
    return row && toField(row);
  }

  listBySample(sampleId: string): Field[] {
    return this.bySampleStmt.all(sampleId).map(toField);
  }

  /** A live field of the sample showing exactly this image (a repeated upload). */
  findByImage(sampleId: string, sha256: string): Field | undefined {
    const row = this.db.prepare<[string, string], FieldRow>(`${SELECT} WHERE f.sample_id = ? AND f.image_sha256 = ? AND f.deleted_at IS NULL`).get(sampleId, sha256);
    return row && toField(row);
  }

  /** Fields waiting for or in analysis, over all samples. */
  pendingCount(): number {
    return this.pendingStmt.get()!.n;
  }

  pendingCountForSample(sampleId: string): number {
    return this.db.prepare<[string], { n: number }>(`SELECT count(*) AS n FROM fields f WHERE f.sample_id = ? AND ${PENDING}`).get(sampleId)!.n;
  }

  liveCountForSample(sampleId: string): number {
    return this.db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM fields WHERE sample_id = ? AND deleted_at IS NULL').get(sampleId)!.n;
  }

  nextQueued(): Field | undefined {
    const row = this.nextStmt.get();
    return row && toField(row);
  }

  /** Marks the start of an analysis run; committed before the run so a crash is counted. */
  markAnalysing(id: string): void {
    this.db.prepare(`UPDATE fields SET status = 'analysing', attempts = attempts + 1, error = NULL WHERE id = ?`).run(id);
  }

  setResult(id: string, r: FieldResult): void {
    this.db.prepare(`UPDATE fields SET status = @status, error = @error, quality = @quality, analysis = @analysis, analysed_at = @analysedAt WHERE id = @id`).run({
      id,
      status: r.status,
      error: r.error,
      quality: r.quality && JSON.stringify(r.quality),
      analysis: r.analysis && JSON.stringify(r.analysis),
      analysedAt: r.analysedAt,
    });
  }

  /** Puts a field back at the end of the queue. */
  requeue(id: string, resetAttempts: boolean): void {
    this.db
      .prepare(
        `UPDATE fields SET status = 'queued', error = NULL, attempts = CASE WHEN @reset THEN 0 ELSE attempts END,
           queue_seq = (SELECT coalesce(max(queue_seq), 0) + 1 FROM fields)
         WHERE id = @id`,
      )
      .run({ id, reset: resetAttempts ? 1 : 0 });
  }

  /** Fields that were being analysed when the daemon stopped. */
  interrupted(): Field[] {
    return this.db.prepare<[], FieldRow>(`${SELECT} WHERE f.status = 'analysing' AND f.deleted_at IS NULL ORDER BY f.queue_seq`).all().map(toField);
  }

  /** Puts an interrupted field back into the queue at its old place. */
  resume(id: string): void {
    this.db.prepare(`UPDATE fields SET status = 'queued' WHERE id = ?`).run(id);
  }

  softDelete(id: string, by: string | null, at: string): void {
    this.db.prepare('UPDATE fields SET deleted_at = ?, deleted_by = ? WHERE id = ?').run(at, by, id);
  }
}
