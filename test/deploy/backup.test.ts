import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBackup, databaseInUse, DB_FILE, findUsbBackupDir, listBackups, restoreBackup } from '../../src/deploy/backup.ts';
import { run as backupCli } from '../../src/cli/commands/backup.ts';
import { run as restoreCli } from '../../src/cli/commands/restore.ts';

let root: string;
let data: string;
let dest: string;
let db: Database.Database;

function addImage(content: string): string {
  const sha = createHash('sha256').update(content).digest('hex');
  const dir = path.join(data, 'images', sha.slice(0, 2));
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, sha), content);
  return sha;
}

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 2, minute, 0));
const rows = (file: string) => {
  const d = new Database(file, { readonly: true });
  try {
    return (d.prepare('SELECT v FROM t ORDER BY v').all() as { v: string }[]).map((r) => r.v);
  } finally {
    d.close();
  }
};

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'ld-backup-'));
  data = path.join(root, 'data');
  dest = path.join(root, 'stick', 'leukodiff-backups');
  mkdirSync(data, { recursive: true });
  db = new Database(path.join(data, DB_FILE));
  db.pragma('journal_mode = WAL');
  db.pragma('user_version = 3');
  db.exec('CREATE TABLE t (v TEXT)');
});

afterEach(() => {
  if (db.open) db.close();
  rmSync(root, { recursive: true, force: true });
});

describe('backup', () => {
  it('copies the live database, committed rows still in the WAL included, and the images', async () => {
    db.prepare('INSERT INTO t VALUES (?)').run('a');
    db.prepare('INSERT INTO t VALUES (?)').run('b');
    // The rows live in the WAL only: a plain copy of leukodiff.db would not have them.
    expect(statSync(path.join(data, DB_FILE + '-wal')).size).toBeGreaterThan(0);
    const img = addImage('field one');
    const r = await createBackup({ dataDir: data, dest, keep: 3, now: at(0) });
    expect(path.basename(r.dir)).toBe('backup-20260101T020000Z');
    expect(rows(path.join(r.dir, DB_FILE))).toEqual(['a', 'b']);
    expect(r.manifest.database.schemaVersion).toBe(3);
    expect(r.manifest.images).toEqual({ count: 1, bytes: 9 });
    expect(readFileSync(path.join(dest, 'images', img.slice(0, 2), img), 'utf8')).toBe('field one');
    expect(readFileSync(path.join(r.dir, 'images.txt'), 'utf8')).toBe(img + '\n');
    expect(readdirSync(dest).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('copies only images the destination lacks, and keeps the newest N backups', async () => {
    const a = addImage('A');
    const r1 = await createBackup({ dataDir: data, dest, keep: 2, now: at(0) });
    expect(r1.imagesCopied).toBe(1);
    const pooledA = path.join(dest, 'images', a.slice(0, 2), a);
    const inode = statSync(pooledA).ino;

    const b = addImage('B');
    const r2 = await createBackup({ dataDir: data, dest, keep: 2, now: at(1) });
    expect(r2.imagesCopied).toBe(1);
    expect(statSync(pooledA).ino).toBe(inode);

    // A is deleted on the box (old sample removed): after two more backups no kept backup needs it.
    rmSync(path.join(data, 'images', a.slice(0, 2), a));
    await createBackup({ dataDir: data, dest, keep: 2, now: at(2) });
    expect(existsSync(pooledA)).toBe(true); // still listed by backup 2
    const r4 = await createBackup({ dataDir: data, dest, keep: 2, now: at(3) });
    expect(r4.pruned).toEqual(['backup-20260101T020100Z']);
    expect(await listBackups(dest)).toEqual(['backup-20260101T020200Z', 'backup-20260101T020300Z']);
    expect(existsSync(pooledA)).toBe(false);
    expect(existsSync(path.join(dest, 'images', b.slice(0, 2), b))).toBe(true);
  });

  it('ignores and cleans up a backup interrupted half-way', async () => {
    mkdirSync(path.join(dest, '.incomplete-backup-20260101T015900Z'), { recursive: true });
    mkdirSync(path.join(dest, 'backup-20260101T015800Z'), { recursive: true }); // no manifest: not complete
    expect(await listBackups(dest)).toEqual([]);
    await createBackup({ dataDir: data, dest, keep: 5, now: at(0) });
    expect(await listBackups(dest)).toEqual(['backup-20260101T020000Z']);
    expect(existsSync(path.join(dest, '.incomplete-backup-20260101T015900Z'))).toBe(false);
  });

  it('finds a prepared USB stick among the mounts', () => {
    const mounts = '/dev/mmcblk0p1 / ext4 rw 0 0\n/dev/sda1 /media/usb\\040stick vfat rw 0 0\n/dev/sdb1 /mnt/other vfat rw 0 0\n';
    expect(findUsbBackupDir(mounts, (p) => p === '/media/usb stick/leukodiff-backups')).toBe('/media/usb stick/leukodiff-backups');
    expect(findUsbBackupDir(mounts, () => false)).toBeNull();
    expect(findUsbBackupDir('/dev/sda1 /var/lib ext4 rw 0 0\n', () => true)).toBeNull();
  });
});

describe('restore', () => {
  it('refuses while the daemon holds the database, and changes nothing', async () => {
    db.prepare('INSERT INTO t VALUES (?)').run('backed-up');
    const r = await createBackup({ dataDir: data, dest, keep: 3, now: at(0) });
    db.prepare('INSERT INTO t VALUES (?)').run('after');
    expect(databaseInUse(path.join(data, DB_FILE))).toBe(true);
    await expect(restoreBackup({ backupDir: r.dir, dataDir: data })).rejects.toThrow(/daemon is running and holds the database/);
    expect((db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n).toBe(2);
  });

  it('stops the daemon, restores a checked database and the missing images, keeps the replaced one, starts it again', async () => {
    db.prepare('INSERT INTO t VALUES (?)').run('backed-up');
    const img = addImage('field');
    const r = await createBackup({ dataDir: data, dest, keep: 3, now: at(0) });
    db.prepare('INSERT INTO t VALUES (?)').run('lost');
    rmSync(path.join(data, 'images'), { recursive: true });

    const calls: string[] = [];
    const daemon = {
      stop: async () => {
        calls.push('stop');
        db.close(); // the daemon releases the database when it stops
      },
      start: async () => void calls.push('start'),
    };
    const res = await restoreBackup({ backupDir: r.dir, dataDir: data, daemon, now: at(30) });
    expect(calls).toEqual(['stop', 'start']);
    expect(rows(path.join(data, DB_FILE))).toEqual(['backed-up']);
    expect(readFileSync(path.join(data, 'images', img.slice(0, 2), img), 'utf8')).toBe('field');
    expect(res.imagesCopied).toBe(1);
    expect(res.previous).toBe(path.join(data, 'pre-restore-20260101T023000Z'));
    expect(rows(path.join(res.previous!, DB_FILE))).toEqual(['backed-up', 'lost']);
  });

  it('refuses a damaged backup before touching the data', async () => {
    db.prepare('INSERT INTO t VALUES (?)').run('x');
    const r = await createBackup({ dataDir: data, dest, keep: 3, now: at(0) });
    db.close();
    const copy = path.join(r.dir, DB_FILE);
    const bytes = readFileSync(copy);
    bytes[bytes.length - 100] ^= 0xff;
    writeFileSync(copy, bytes);
    const before = readFileSync(path.join(data, DB_FILE));
    await expect(restoreBackup({ backupDir: r.dir, dataDir: data })).rejects.toThrow(/does not match its manifest/);
    expect(readFileSync(path.join(data, DB_FILE))).toEqual(before);
    expect(readdirSync(data).sort()).toEqual([DB_FILE].sort());
  });

  it('refuses a backup whose database fails integrity_check even if its manifest agrees', async () => {
    db.close();
    const backupDir = path.join(dest, 'backup-20260101T020000Z');
    mkdirSync(backupDir, { recursive: true });
    const junk = Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(4096, 7)]);
    writeFileSync(path.join(backupDir, DB_FILE), junk);
    writeFileSync(path.join(backupDir, 'images.txt'), '');
    const sha = createHash('sha256').update(junk).digest('hex');
    writeFileSync(
      path.join(backupDir, 'manifest.json'),
      JSON.stringify({ format: 'leukodiff-backup', formatVersion: 1, createdAt: '', leukodiffVersion: '0', database: { file: DB_FILE, bytes: junk.length, sha256: sha, schemaVersion: 1 }, images: { count: 0, bytes: 0 } }),
    );
    await expect(restoreBackup({ backupDir, dataDir: data })).rejects.toThrow(/not a sound SQLite database|integrity_check/);
  });
});

describe.skipIf(process.getuid?.() !== 0)('run as root', () => {
  it('leaves every database file owned by the data folder\'s owner', async () => {
    db.prepare('INSERT INTO t VALUES (?)').run('x');
    db.close(); // the daemon is stopped: no -wal/-shm yet
    const uid = 54321;
    for (const f of [data, path.join(data, DB_FILE)]) chownSync(f, uid, uid);
    const owned = () => readdirSync(data).filter((n) => n.startsWith(DB_FILE)).map((n) => [n, statSync(path.join(data, n)).uid]);
    const r = await createBackup({ dataDir: data, dest, keep: 3, now: at(0) });
    for (const [, u] of owned()) expect(u).toBe(uid);
    await restoreBackup({ backupDir: r.dir, dataDir: data, now: at(1) });
    expect(owned().length).toBeGreaterThan(0);
    for (const [, u] of owned()) expect(u).toBe(uid);
  });
});

describe('backup and restore commands', () => {
  it('back up, list, refuse while held, restore; bad input exits 2', async () => {
    db.prepare('INSERT INTO t VALUES (?)').run('one');
    expect(await backupCli(['--data', data, '--dest', dest, '--keep', '2'])).toBe(0);
    const [name] = await listBackups(dest);
    expect(await restoreCli([path.join(dest, name), '--data', data])).toBe(1);
    db.close();
    expect(await restoreCli([path.join(dest, name), '--data', data])).toBe(0);
    expect(await backupCli(['--data', data, '--keep', 'zero'])).toBe(2);
    expect(await backupCli(['--data', path.join(root, 'nowhere'), '--dest', dest])).toBe(1);
    expect(await restoreCli([root, '--data', data])).toBe(2);
    expect(await restoreCli([])).toBe(2);
  });
});
