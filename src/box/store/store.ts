/** The box's storage: the SQLite database with its repositories, and the image files. */
import path from 'node:path';
import { AuditLog } from './audit.ts';
import { CellRepo } from './cells.ts';
import { closeDatabase, openDatabase, type Db } from './db.ts';
import { FieldRepo } from './fields.ts';
import { ImageFiles } from './image-files.ts';
import { Outbox } from './outbox.ts';
import { SampleRepo } from './samples.ts';
import { SecurityRepo } from './security.ts';
import { SessionRepo } from './sessions.ts';
import { SettingsRepo } from './settings.ts';
import { UserRepo } from './users.ts';

export const DB_FILE = 'leukodiff.db';

export class Store {
  readonly samples: SampleRepo;
  readonly fields: FieldRepo;
  readonly cells: CellRepo;
  readonly users: UserRepo;
  readonly settings: SettingsRepo;
  readonly audit: AuditLog;
  readonly outbox: Outbox;
  readonly images: ImageFiles;
  readonly sessions: SessionRepo;
  readonly security: SecurityRepo;

  constructor(
    readonly db: Db,
    dataDir: string,
  ) {
    this.samples = new SampleRepo(db);
    this.fields = new FieldRepo(db);
    this.cells = new CellRepo(db);
    this.users = new UserRepo(db);
    this.settings = new SettingsRepo(db);
    this.audit = new AuditLog(db);
    this.outbox = new Outbox(db);
    this.images = new ImageFiles(dataDir);
    this.sessions = new SessionRepo(db);
    this.security = new SecurityRepo(db);
  }

  static open(dataDir: string): Store {
    return new Store(openDatabase(path.join(dataDir, DB_FILE)), dataDir);
  }

  /** Runs fn in one transaction (nested calls join the outer one). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** PRAGMA integrity_check: ['ok'] when the database is sound. */
  integrityCheck(): string[] {
    return (this.db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
  }

  /**
   * Startup housekeeping (before anything uploads): removes unacknowledged image files and temp
   * files; lists images the database references but the disk lacks.
   */
  async sweepImages(): Promise<{ orphans: string[]; temporary: number; missing: string[] }> {
    const referenced = this.fields.imageHashes();
    const swept = await this.images.sweep((sha) => referenced.has(sha));
    const onDisk = new Set(await this.images.list());
    return { ...swept, missing: [...referenced].filter((sha) => !onDisk.has(sha)) };
  }

  close(): void {
    closeDatabase(this.db);
  }
}
