/**
 * Backups of the box's data: the SQLite database through the online backup API (consistent while
 * the daemon writes) and the content-addressed images, into a destination folder (a USB stick when
 * one is prepared) laid out as
 *   <dest>/images/<aa>/<sha256>        one pool shared by every backup: only missing files are copied
 *   <dest>/backup-<UTC stamp>/         one folder per backup, renamed into place once complete
 *        leukodiff.db, images.txt (the hashes it needs), manifest.json
 * Retention keeps the newest N backups; pool files no kept backup lists are then removed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { chown, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DB_FILE } from '../store/store.ts';
import { VERSION } from '../version.ts';
import { diskSpace } from './disk-guard.ts';
import { copyFileDurable, fsyncPath, hashedPath, listHashedFiles, sha256File, SHA256_NAME } from './files.ts';

export { DB_FILE };

const BACKUP_NAME = /^backup-\d{8}T\d{6}Z$/;
const INCOMPLETE_PREFIX = '.incomplete-';
/** A prepared USB stick has a folder of this name at its root. */
export const USB_BACKUP_FOLDER = 'leukodiff-backups';

export class BackupError extends Error {}

export interface BackupManifest {
  format: 'leukodiff-backup';
  formatVersion: 1;
  createdAt: string;
  leukodiffVersion: string;
  database: { file: string; bytes: number; sha256: string; schemaVersion: number };
  images: { count: number; bytes: number };
}

export interface BackupResult {
  dir: string;
  manifest: BackupManifest;
  imagesCopied: number;
  pruned: string[];
}

export function backupName(date: Date): string {
  return `backup-${date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z')}`;
}

/** Complete backups in `dest`, oldest first. */
export async function listBackups(dest: string): Promise<string[]> {
  const names = await readdir(dest).catch(() => [] as string[]);
  return names.filter((n) => BACKUP_NAME.test(n) && existsSync(path.join(dest, n, 'manifest.json'))).sort();
}

/**
 * The first mounted file system under /media or /mnt with a `leukodiff-backups` folder at its root,
 * else null. `mounts` is /proc/self/mounts' text.
 */
export function findUsbBackupDir(mounts: string, exists: (p: string) => boolean = existsSync): string | null {
  for (const line of mounts.split('\n')) {
    const mountPoint = line.split(' ')[1]?.replace(/\\040/g, ' ');
    if (!mountPoint || !/^\/(media|mnt)(\/|$)/.test(mountPoint)) continue;
    const candidate = path.join(mountPoint, USB_BACKUP_FOLDER);
    if (exists(candidate)) return candidate;
  }
  return null;
}

export function resolveDestination(dest: string, fallback: string): string {
  if (dest !== 'auto') return path.resolve(dest);
  let mounts = '';
  try {
    mounts = readFileSync('/proc/self/mounts', 'utf8');
  } catch {
    // Not Linux: no removable media detection.
  }
  return findUsbBackupDir(mounts) ?? path.resolve(fallback);
}

export interface BackupOptions {
  dataDir: string;
  dest: string;
  /** Complete backups to keep, this one included. */
  keep: number;
  now?: Date;
}

export async function createBackup(opts: BackupOptions): Promise<BackupResult> {
  if (!Number.isInteger(opts.keep) || opts.keep < 1) throw new BackupError(`keep must be a positive integer, got ${opts.keep}`);
  const dbPath = path.join(opts.dataDir, DB_FILE);
  if (!existsSync(dbPath)) throw new BackupError(`no database at ${dbPath}: is ${opts.dataDir} the data folder?`);
  await mkdir(opts.dest, { recursive: true });
  const poolDir = path.join(opts.dest, 'images');
  await mkdir(poolDir, { recursive: true });
  await removeIncomplete(opts.dest);

  const images = await listHashedFiles(path.join(opts.dataDir, 'images'));
  const pool = await listHashedFiles(poolDir);
  const missing: [string, string, number][] = [];
  let imageBytes = 0;
  for (const [sha, file] of images) {
    const size = (await stat(file)).size;
    imageBytes += size;
    const pooled = pool.get(sha);
    if (!pooled || (await stat(pooled)).size !== size) missing.push([sha, file, size]);
  }
  const dbBytes = (await stat(dbPath)).size;
  const need = dbBytes + missing.reduce((n, [, , size]) => n + size, 0);
  const { freeBytes } = await diskSpace(opts.dest);
  if (freeBytes < need * 1.1 + 16 * 1024 * 1024) {
    throw new BackupError(`not enough space in ${opts.dest}: ${mb(freeBytes)} MB free, about ${mb(need)} MB needed; use a larger stick or keep fewer backups`);
  }

  const name = backupName(opts.now ?? new Date());
  const finalDir = path.join(opts.dest, name);
  if (existsSync(finalDir)) throw new BackupError(`${finalDir} already exists`);
  const work = path.join(opts.dest, INCOMPLETE_PREFIX + name);
  await mkdir(work, { recursive: true });
  try {
    const dbCopy = path.join(work, DB_FILE);
    const src = new Database(dbPath, { readonly: true, fileMustExist: true });
    try {
      await src.backup(dbCopy);
    } finally {
      src.close();
      await giveBackToOwner(opts.dataDir);
    }
    const schemaVersion = checkDatabase(dbCopy);
    await fsyncPath(dbCopy);

    for (const [sha, file] of missing) {
      const target = hashedPath(poolDir, sha);
      await mkdir(path.dirname(target), { recursive: true });
      await copyFileDurable(file, target);
    }
    await writeFile(path.join(work, 'images.txt'), [...images.keys()].sort().map((s) => s + '\n').join(''));
    const manifest: BackupManifest = {
      format: 'leukodiff-backup',
      formatVersion: 1,
      createdAt: (opts.now ?? new Date()).toISOString(),
      leukodiffVersion: VERSION,
      database: { file: DB_FILE, bytes: (await stat(dbCopy)).size, sha256: await sha256File(dbCopy), schemaVersion },
      images: { count: images.size, bytes: imageBytes },
    };
    await writeFile(path.join(work, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
    await fsyncPath(path.join(work, 'images.txt'));
    await fsyncPath(path.join(work, 'manifest.json'));
    await rename(work, finalDir);
    await fsyncPath(opts.dest);
    const pruned = await pruneBackups(opts.dest, opts.keep);
    return { dir: finalDir, manifest, imagesCopied: missing.length, pruned };
  } catch (err) {
    await rm(work, { recursive: true, force: true });
    throw err;
  }
}

/** Keeps the newest `keep` backups, then drops pool images that no kept backup lists. */
export async function pruneBackups(dest: string, keep: number): Promise<string[]> {
  const all = await listBackups(dest);
  const drop = all.slice(0, Math.max(0, all.length - keep));
  for (const name of drop) await rm(path.join(dest, name), { recursive: true, force: true });
  const needed = new Set<string>();
  for (const name of all.slice(drop.length)) for (const sha of await readImageList(path.join(dest, name))) needed.add(sha);
  for (const [sha, file] of await listHashedFiles(path.join(dest, 'images'))) if (!needed.has(sha)) await rm(file, { force: true });
  return drop;
}

async function removeIncomplete(dest: string): Promise<void> {
  for (const n of await readdir(dest)) if (n.startsWith(INCOMPLETE_PREFIX)) await rm(path.join(dest, n), { recursive: true, force: true });
}

async function readImageList(backupDir: string): Promise<string[]> {
  const text = await readFile(path.join(backupDir, 'images.txt'), 'utf8');
  const list = text.split('\n').filter(Boolean);
  const bad = list.find((l) => !SHA256_NAME.test(l));
  if (bad) throw new BackupError(`${backupDir}/images.txt: not a sha256: ${JSON.stringify(bad.slice(0, 80))}`);
  return list;
}

/** PRAGMA integrity_check on a database file; returns its schema version or throws. */
export function checkDatabase(file: string): number {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
    if (rows.length !== 1 || rows[0] !== 'ok') throw new BackupError(`${file} fails PRAGMA integrity_check: ${rows.slice(0, 5).join('; ')}`);
    return db.pragma('user_version', { simple: true }) as number;
  } catch (err) {
    if (err instanceof BackupError) throw err;
    throw new BackupError(`${file} is not a sound SQLite database: ${(err as Error).message}`);
  } finally {
    db.close();
  }
}

/**
 * Run as root (a technician, the update service), SQLite may leave root-owned -wal/-shm files
 * next to the database, which would lock the daemon's user out: give them back to the data
 * folder's owner.
 */
export async function giveBackToOwner(dataDir: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const owner = await stat(dataDir);
  const db = path.join(dataDir, DB_FILE);
  for (const f of [db, `${db}-wal`, `${db}-shm`]) if (existsSync(f)) await chown(f, owner.uid, owner.gid);
}

/**
 * True while another connection (the daemon) has the database open. In WAL mode every open
 * connection holds a shared lock, so an exclusive lock attempt fails at once.
 */
export function databaseInUse(file: string): boolean {
  if (!existsSync(file)) return false;
  const db = new Database(file, { fileMustExist: true, timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('COMMIT');
    return false;
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_BUSY') return true;
    throw err;
  } finally {
    db.close();
  }
}

export interface DaemonControl {
  stop(): Promise<void>;
  start(): Promise<void>;
}

export interface RestoreOptions {
  backupDir: string;
  dataDir: string;
  /** When given, a daemon holding the database is stopped first and started again at the end. */
  daemon?: DaemonControl;
  now?: Date;
}

export interface RestoreResult {
  manifest: BackupManifest;
  imagesCopied: number;
  imagesMissing: number;
  /** Where the replaced database was moved, if there was one. */
  previous: string | null;
}

export async function readBackupManifest(backupDir: string): Promise<BackupManifest> {
  let m: BackupManifest;
  try {
    m = JSON.parse(await readFile(path.join(backupDir, 'manifest.json'), 'utf8'));
  } catch (err) {
    throw new BackupError(`${backupDir} is not a leukodiff backup (manifest.json: ${(err as Error).message})`);
  }
  if (m?.format !== 'leukodiff-backup' || m.formatVersion !== 1 || typeof m.database?.sha256 !== 'string') {
    throw new BackupError(`${backupDir}/manifest.json is not a leukodiff backup manifest of format 1`);
  }
  return m;
}

/** Brings the data folder back to a backup. Checks the backup fully before changing anything. */
export async function restoreBackup(opts: RestoreOptions): Promise<RestoreResult> {
  const manifest = await readBackupManifest(opts.backupDir);
  const backupDb = path.join(opts.backupDir, manifest.database.file);
  if (!existsSync(backupDb)) throw new BackupError(`${backupDb} is missing`);
  if ((await sha256File(backupDb)) !== manifest.database.sha256) {
    throw new BackupError(`${backupDb} does not match its manifest (damaged copy); try an older backup`);
  }
  checkDatabase(backupDb);
  const poolDir = path.join(path.dirname(path.resolve(opts.backupDir)), 'images');
  const wanted = await readImageList(opts.backupDir);

  const dbPath = path.join(opts.dataDir, DB_FILE);
  let stopped = false;
  const inUse = databaseInUse(dbPath);
  await giveBackToOwner(opts.dataDir);
  if (inUse) {
    if (!opts.daemon) throw new BackupError('the daemon is running and holds the database: stop it first (systemctl stop leukodiff) or pass --stop-daemon');
    await opts.daemon.stop();
    stopped = true;
    if (databaseInUse(dbPath)) throw new BackupError('the database is still in use after stopping the daemon; is another leukodiff process running?');
  }
  try {
    await mkdir(opts.dataDir, { recursive: true });
    const owner = await stat(opts.dataDir);
    const restoredTmp = path.join(opts.dataDir, `.restore-${DB_FILE}`);
    await rm(restoredTmp, { force: true });
    await copyFileDurable(backupDb, restoredTmp);
    checkDatabase(restoredTmp);

    let previous: string | null = null;
    if (existsSync(dbPath)) {
      previous = path.join(opts.dataDir, `pre-restore-${backupName(opts.now ?? new Date()).slice('backup-'.length)}`);
      await mkdir(previous, { recursive: true });
      for (const suffix of ['', '-wal', '-shm']) {
        if (existsSync(dbPath + suffix)) await rename(dbPath + suffix, path.join(previous, DB_FILE + suffix));
      }
      await matchOwner(previous, owner);
    }
    await rename(restoredTmp, dbPath);
    await fsyncPath(opts.dataDir);

    const imagesDir = path.join(opts.dataDir, 'images');
    const have = await listHashedFiles(imagesDir);
    let imagesCopied = 0;
    let imagesMissing = 0;
    for (const sha of wanted) {
      if (have.has(sha)) continue;
      const src = hashedPath(poolDir, sha);
      if (!existsSync(src)) {
        imagesMissing++;
        continue;
      }
      const target = hashedPath(imagesDir, sha);
      await mkdir(path.dirname(target), { recursive: true });
      await copyFileDurable(src, target);
      await matchOwner(target, owner);
      await matchOwner(path.dirname(target), owner);
      imagesCopied++;
    }
    await giveBackToOwner(opts.dataDir);
    return { manifest, imagesCopied, imagesMissing, previous };
  } finally {
    if (stopped) await opts.daemon!.start();
  }
}

// Run as root by a technician, restored files must still belong to the daemon's user.
async function matchOwner(file: string, owner: { uid: number; gid: number }): Promise<void> {
  if (process.getuid?.() === 0) await chown(file, owner.uid, owner.gid);
}

function mb(bytes: number): number {
  return Math.round(bytes / (1024 * 1024));
}
