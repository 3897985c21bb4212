/**
 * Backups of the box's data: the SQLite database through the online backup API (consistent while
 * the daemon writes) and the content-addressed images, into a destination folder (a USB stick when
 * one is prepared) laid out as
 *   <dest>/images-enc/<aa>/<name>      one pool shared by every backup: only missing files are copied
 *   <dest>/backup-<UTC stamp>/         one folder per backup, renamed into place once complete
 *        leukodiff.db.enc, images.txt (the pool names it needs), manifest.json
 * Backups are encrypted with the box's backup key (see backup-crypto.ts; manifest format 2).
 * Format 1 (before encryption: leukodiff.db and images/<aa>/<sha256> in the clear) is still restored.
 * Retention keeps the newest N backups; pool files no kept backup lists are then removed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { chown, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DB_FILE } from '../store/store.ts';
import { VERSION } from '../../version.ts';
import { backupKey, BackupKeyError, decryptFile, encryptFile, ENCRYPTION_OVERHEAD, KEY_FILE, loadOrCreateBoxKey, parseKey, poolName, readBoxKey, saveBoxKey, type BackupKey } from './backup-crypto.ts';
import { diskSpace } from './disk-guard.ts';
import { copyFileDurable, fsyncPath, hashedPath, listHashedFiles, sha256File, SHA256_NAME } from './files.ts';

export { DB_FILE };

const BACKUP_NAME = /^backup-\d{8}T\d{6}Z$/;
const INCOMPLETE_PREFIX = '.incomplete-';
const PLAIN_POOL = 'images';
const ENCRYPTED_POOL = 'images-enc';
/** A prepared USB stick has a folder of this name at its root. */
export const USB_BACKUP_FOLDER = 'leukodiff-backups';

export class BackupError extends Error {}

export interface BackupManifest {
  format: 'leukodiff-backup';
  /** 1: in the clear (before encryption); 2: encrypted. */
  formatVersion: 1 | 2;
  createdAt: string;
  leukodiffVersion: string;
  /** sha256 and bytes are the plaintext database's. */
  database: { file: string; bytes: number; sha256: string; schemaVersion: number };
  images: { count: number; bytes: number };
  encryption?: { algorithm: 'aes-256-gcm'; keyId: string };
}

export interface BackupResult {
  dir: string;
  manifest: BackupManifest;
  imagesCopied: number;
  pruned: string[];
  /** True when this backup made the box's backup key (it should be written down now). */
  keyCreated: boolean;
}

export function backupName(date: Date): string {
  return `backup-${date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z')}`;
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
  /** False writes the old format 1, in the clear (only to test that it is still restored). */
  encrypt?: boolean;
}

export async function createBackup(opts: BackupOptions): Promise<BackupResult> {
  if (!Number.isInteger(opts.keep) || opts.keep < 1) throw new BackupError(`keep must be a positive integer, got ${opts.keep}`);
  const dbPath = path.join(opts.dataDir, DB_FILE);
  if (!existsSync(dbPath)) throw new BackupError(`no database at ${dbPath}: is ${opts.dataDir} the data folder?`);
  const encrypt = opts.encrypt !== false;
  const boxKey = encrypt ? await loadOrCreateBoxKey(opts.dataDir).catch(keyFailure) : null;
  const key = boxKey?.key ?? null;
  await mkdir(opts.dest, { recursive: true });
  const poolDir = path.join(opts.dest, encrypt ? ENCRYPTED_POOL : PLAIN_POOL);
  await mkdir(poolDir, { recursive: true });
  await removeIncomplete(opts.dest);

  const images = await listHashedFiles(path.join(opts.dataDir, 'images'));
  const pool = await listHashedFiles(poolDir);
  // [pool name, image file, plaintext size]
  const missing: [string, string, number][] = [];
  const names: string[] = [];
  let imageBytes = 0;
  for (const [sha, file] of images) {
    const size = (await stat(file)).size;
    imageBytes += size;
    const name = key ? poolName(key, sha) : sha;
    names.push(name);
    const pooled = pool.get(name);
    if (!pooled || (await stat(pooled)).size !== size + (key ? ENCRYPTION_OVERHEAD : 0)) missing.push([name, file, size]);
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
  // Encrypted, the database is copied inside the data folder first: the stick never holds it in the clear.
  const dbCopy = key ? path.join(opts.dataDir, `.backup-${DB_FILE}`) : path.join(work, DB_FILE);
  try {
    await removeDbFiles(dbCopy);
    const src = new Database(dbPath, { readonly: true, fileMustExist: true });
    try {
      await src.backup(dbCopy);
    } finally {
      src.close();
      await giveBackToOwner(opts.dataDir);
    }
    const schemaVersion = checkDatabase(dbCopy);
    const database = { file: DB_FILE, bytes: (await stat(dbCopy)).size, sha256: await sha256File(dbCopy), schemaVersion };
    if (key) {
      database.file = `${DB_FILE}.enc`;
      await encryptFile(dbCopy, path.join(work, database.file), key);
      await removeDbFiles(dbCopy);
    } else {
      await fsyncPath(dbCopy);
    }

    for (const [name, file] of missing) {
      const target = hashedPath(poolDir, name);
      await mkdir(path.dirname(target), { recursive: true });
      if (key) await encryptFile(file, target, key);
      else await copyFileDurable(file, target);
    }
    await writeFile(
      path.join(work, 'images.txt'),
      names
        .sort()
        .map((s) => s + '\n')
        .join(''),
    );
    const manifest: BackupManifest = {
      format: 'leukodiff-backup',
      formatVersion: key ? 2 : 1,
      createdAt: (opts.now ?? new Date()).toISOString(),
      leukodiffVersion: VERSION,
      database,
      images: { count: images.size, bytes: imageBytes },
      ...(key ? { encryption: { algorithm: 'aes-256-gcm' as const, keyId: key.id } } : {}),
    };
    await writeFile(path.join(work, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
    await fsyncPath(path.join(work, 'images.txt'));
    await fsyncPath(path.join(work, 'manifest.json'));
    await rename(work, finalDir);
    await fsyncPath(opts.dest);
    const pruned = await pruneBackups(opts.dest, opts.keep);
    return { dir: finalDir, manifest, imagesCopied: missing.length, pruned, keyCreated: boxKey?.created ?? false };
  } catch (err) {
    await rm(work, { recursive: true, force: true });
    if (key) await removeDbFiles(dbCopy);
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
  for (const pool of [PLAIN_POOL, ENCRYPTED_POOL]) {
    for (const [name, file] of await listHashedFiles(path.join(dest, pool))) if (!needed.has(name)) await rm(file, { force: true });
  }
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
  /** The backup key as written down; without it the box's own key is used. */
  key?: string;
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
    m = JSON.parse(await readFile(path.join(backupDir, 'manifest.json'), 'utf8')) as BackupManifest;
  } catch (err) {
    throw new BackupError(`${backupDir} is not a leukodiff backup (manifest.json: ${(err as Error).message})`);
  }
  if (m?.format !== 'leukodiff-backup' || typeof m.database?.sha256 !== 'string' || typeof m.database.file !== 'string' || path.basename(m.database.file) !== m.database.file) {
    throw new BackupError(`${backupDir}/manifest.json is not a leukodiff backup manifest`);
  }
  if (m.formatVersion !== 1 && m.formatVersion !== 2) throw new BackupError(`${backupDir} is a backup of format ${m.formatVersion}, which this leukodiff does not know: restore with a newer version`);
  if (m.formatVersion === 2 && (m.encryption?.algorithm !== 'aes-256-gcm' || !/^[0-9a-f]{16}$/.test(m.encryption.keyId ?? ''))) {
    throw new BackupError(`${backupDir}/manifest.json: format 2 without a known encryption`);
  }
  return m;
}

/** Brings the data folder back to a backup. Checks the backup fully before changing anything. */
export async function restoreBackup(opts: RestoreOptions): Promise<RestoreResult> {
  const manifest = await readBackupManifest(opts.backupDir);
  const backupDb = path.join(opts.backupDir, manifest.database.file);
  if (!existsSync(backupDb)) throw new BackupError(`${backupDb} is missing`);
  const key = manifest.encryption ? await restoreKey(opts, manifest.encryption.keyId) : null;
  const poolDir = path.join(path.dirname(path.resolve(opts.backupDir)), key ? ENCRYPTED_POOL : PLAIN_POOL);
  const wanted = await readImageList(opts.backupDir);

  // Everything is checked (decrypted, authenticated, hashed) into the data folder under temporary
  // names before the daemon is stopped or the current database touched.
  await mkdir(opts.dataDir, { recursive: true });
  const owner = await stat(opts.dataDir);
  const restoredTmp = path.join(opts.dataDir, `.restore-${DB_FILE}`);
  const staged = path.join(opts.dataDir, '.restore-images');
  const imagesDir = path.join(opts.dataDir, 'images');
  const cleanUp = () => Promise.all([removeDbFiles(restoredTmp), rm(staged, { recursive: true, force: true })]);
  await cleanUp();
  let stopped = false;
  try {
    if (key) await decryptFile(backupDb, restoredTmp, key).catch(keyFailure);
    else await copyFileDurable(backupDb, restoredTmp);
    if ((await sha256File(restoredTmp)) !== manifest.database.sha256) {
      throw new BackupError(`${backupDb} does not match its manifest (damaged copy); try an older backup`);
    }
    checkDatabase(restoredTmp);

    const have = await listHashedFiles(imagesDir);
    const toCopy: [string, string][] = []; // [source, sha256]
    let imagesMissing = 0;
    if (key) {
      const haveNames = new Set([...have.keys()].map((sha) => poolName(key, sha)));
      await mkdir(staged, { recursive: true, mode: 0o700 });
      for (const name of wanted) {
        if (haveNames.has(name)) continue;
        const src = hashedPath(poolDir, name);
        if (!existsSync(src)) {
          imagesMissing++;
          continue;
        }
        const plain = path.join(staged, name);
        await decryptFile(src, plain, key).catch(keyFailure);
        const sha = await sha256File(plain);
        if (poolName(key, sha) !== name) throw new BackupError(`${src} does not hold the image its name says; try an older backup`);
        toCopy.push([plain, sha]);
      }
    } else {
      for (const sha of wanted) {
        if (have.has(sha)) continue;
        const src = hashedPath(poolDir, sha);
        if (existsSync(src)) toCopy.push([src, sha]);
        else imagesMissing++;
      }
    }

    const dbPath = path.join(opts.dataDir, DB_FILE);
    const inUse = databaseInUse(dbPath);
    await giveBackToOwner(opts.dataDir);
    if (inUse) {
      if (!opts.daemon) throw new BackupError('the daemon is running and holds the database: stop it first (systemctl stop leukodiff) or pass --stop-daemon');
      await opts.daemon.stop();
      stopped = true;
      if (databaseInUse(dbPath)) throw new BackupError('the database is still in use after stopping the daemon; is another leukodiff process running?');
    }

    let previous: string | null = null;
    if (existsSync(dbPath)) {
      previous = path.join(opts.dataDir, `pre-restore-${backupName(opts.now ?? new Date()).slice('backup-'.length)}`);
      await mkdir(previous, { recursive: true });
      for (const suffix of ['', '-wal', '-shm']) {
        if (existsSync(dbPath + suffix)) await rename(dbPath + suffix, path.join(previous, DB_FILE + suffix));
      }
      await matchOwner(previous, owner);
    }
    await matchOwner(restoredTmp, owner);
    await rename(restoredTmp, dbPath);
    await fsyncPath(opts.dataDir);

    for (const [src, sha] of toCopy) {
      const target = hashedPath(imagesDir, sha);
      await mkdir(path.dirname(target), { recursive: true });
      if (key) {
        await rename(src, target);
        await fsyncPath(path.dirname(target));
      } else {
        await copyFileDurable(src, target);
      }
      await matchOwner(target, owner);
      await matchOwner(path.dirname(target), owner);
    }
    await giveBackToOwner(opts.dataDir);
    // A replacement box adopts the key it was restored with, so its next backups can use the same stick.
    if (key && opts.key && !existsSync(path.join(opts.dataDir, KEY_FILE))) {
      await saveBoxKey(opts.dataDir, key.raw);
    }
    return { manifest, imagesCopied: toCopy.length, imagesMissing, previous };
  } finally {
    await cleanUp();
    if (stopped) await opts.daemon!.start();
  }
}

/** The key a backup needs: the one given (--key), else the box's; refused with a message if it is not that backup's. */
async function restoreKey(opts: RestoreOptions, keyId: string): Promise<BackupKey> {
  const given = opts.key !== undefined;
  let key: BackupKey | null;
  try {
    key = given ? backupKey(parseKey(opts.key!)) : await readBoxKey(opts.dataDir);
  } catch (err) {
    return keyFailure(err);
  }
  const writtenDown = "the key written down from 'leukodiff backup-key export' on the box that made it";
  if (!key) throw new BackupError(`this backup is encrypted (key ${keyId}) and this box has no backup key: pass --key with ${writtenDown}`);
  if (key.id !== keyId) {
    throw new BackupError(
      given
        ? `wrong key: this backup was encrypted with key ${keyId}, the key given is ${key.id}; pass ${writtenDown}`
        : `this backup was encrypted with key ${keyId}, not with this box's key (${key.id}): pass --key with ${writtenDown}`,
    );
  }
  return key;
}

/** A temporary database copy and the -wal/-shm files a read-only check leaves beside it. */
async function removeDbFiles(file: string): Promise<void> {
  for (const suffix of ['', '-wal', '-shm']) await rm(file + suffix, { force: true });
}

function keyFailure(err: unknown): never {
  if (err instanceof BackupKeyError) throw new BackupError(err.message);
  throw err;
}

// Run as root by a technician, restored files must still belong to the daemon's user.
async function matchOwner(file: string, owner: { uid: number; gid: number }): Promise<void> {
  if (process.getuid?.() === 0) await chown(file, owner.uid, owner.gid);
}

function mb(bytes: number): number {
  return Math.round(bytes / (1024 * 1024));
}
