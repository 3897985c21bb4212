/** Looks at a data folder the way an auditor would after a crash: database soundness and image files. */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DB_FILE } from '../../src/box/store/store.ts';

export interface DataDirReport {
  integrity: string;
  foreignKeyErrors: number;
  fields: { id: string; sample_id: string; status: string; attempts: number; image_sha256: string; deleted_at: string | null }[];
  /** Automatic cells per field id. */
  cellsPerField: Map<string, number>;
  /** Referenced by the database, absent or damaged on disk. */
  missingOrDamaged: string[];
  /** On disk, referenced by nothing. */
  orphans: string[];
  tempFiles: number;
}

export function inspectDataDir(dir: string): DataDirReport {
  const db = new Database(path.join(dir, DB_FILE), { readonly: true });
  try {
    const integrity = (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('; ');
    const foreignKeyErrors = (db.pragma('foreign_key_check') as unknown[]).length;
    const fields = db.prepare('SELECT id, sample_id, status, attempts, image_sha256, deleted_at FROM fields ORDER BY queue_seq').all() as DataDirReport['fields'];
    const cellsPerField = new Map(
      (db.prepare("SELECT field_id, count(*) AS n FROM cells WHERE source = 'automatic' GROUP BY field_id").all() as { field_id: string; n: number }[]).map((r) => [r.field_id, r.n]),
    );
    const images = (db.prepare('SELECT sha256 FROM images').all() as { sha256: string }[]).map((r) => r.sha256);
    const missingOrDamaged = images.filter((sha) => {
      const file = path.join(dir, 'images', sha.slice(0, 2), sha);
      return !existsSync(file) || createHash('sha256').update(readFileSync(file)).digest('hex') !== sha;
    });
    const onDisk = existsSync(path.join(dir, 'images')) ? readdirSync(path.join(dir, 'images')).flatMap((shard) => readdirSync(path.join(dir, 'images', shard))) : [];
    const known = new Set(images);
    const tmp = path.join(dir, 'tmp');
    return {
      integrity,
      foreignKeyErrors,
      fields,
      cellsPerField,
      missingOrDamaged,
      orphans: onDisk.filter((f) => !known.has(f)),
      tempFiles: existsSync(tmp) ? readdirSync(tmp).length : 0,
    };
  } finally {
    db.close();
  }
}
