import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBackup, databaseInUse, DB_FILE, findUsbBackupDir, listBackups, restoreBackup } from '../../../src/box/deploy/backup.ts';
import { run as backupCli } from '../../../src/cli/commands/backup.ts';
import { run as restoreCli } from '../../../src/cli/commands/restore.ts';
import { run as backupKeyCli } from '../../../src/cli/commands/backup-key.ts';
import { KEY_FILE } from '../../../src/box/deploy/backup-crypto.ts';
import { captureOutput as capture } from '../../helpers/capture.ts';

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
    const r = await createBackup({ dataDir: data, dest, keep: 3, now: at(0), encrypt: false });
    expect(path.basename(r.dir)).toBe('backup-20260101T020000Z');
    expect(rows(path.join(r.dir, DB_FILE))).toEqual(['a', 'b']);
    expect(r.manifest.database.schemaVersion).toBe(3);
    expect(r.manifest.images).toEqual({ count: 1, bytes: 9 });
    expect(readFileSync(path.join(dest, 'images', img.slice(0, 2), img), 'utf8')).toBe('field one');
    expect(readFileSync(path.join(r.dir, 'images.txt'), 'utf8')).toBe(img + '\n');
    expect(readdirSync(dest).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('copies only images the destination lacks, and keeps the newest N backups (format 1 layout)', async () => {
    const a = addImage('A');
    const r1 = await createBackup({ dataDir: data, dest, keep: 2, now: at(0), encrypt: false });
    expect(r1.imagesCopied).toBe(1);
    const pooledA = path.join(dest, 'images', a.slice(0, 2), a);
    const inode = statSync(pooledA).ino;

    const b = addImage('B');
    const r2 = await createBackup({ dataDir: data, dest, keep: 2, now: at(1), encrypt: false });
    expect(r2.imagesCopied).toBe(1);
    expect(statSync(pooledA).ino).toBe(inode);

    // A is deleted on the box (old sample removed): after two more backups no kept backup needs it.
    rmSync(path.join(data, 'images', a.slice(0, 2), a));
    await createBackup({ dataDir: data, dest, keep: 2, now: at(2), encrypt: false });
    expect(existsSync(pooledA)).toBe(true); // still listed by backup 2
    const r4 = await createBackup({ dataDir: data, dest, keep: 2, now: at(3), encrypt: false });
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
    const r = await createBackup({ dataDir: data, dest, keep: 3, now: at(0), encrypt: false });
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
      JSON.stringify({
        format: 'leukodiff-backup',
        formatVersion: 1,
        createdAt: '',
        leukodiffVersion: '0',
        database: { file: DB_FILE, bytes: junk.length, sha256: sha, schemaVersion: 1 },
        images: { count: 0, bytes: 0 },
      }),
    );
    await expect(restoreBackup({ backupDir, dataDir: data })).rejects.toThrow(/not a sound SQLite database|integrity_check/);
  });
});

describe.skipIf(process.getuid?.() !== 0)('run as root', () => {
  it("leaves every database file owned by the data folder's owner", async () => {
    db.prepare('INSERT INTO t VALUES (?)').run('x');
    db.close(); // the daemon is stopped: no -wal/-shm yet
    const uid = 54321;
    for (const f of [data, path.join(data, DB_FILE)]) chownSync(f, uid, uid);
    const owned = () =>
      readdirSync(data)
        .filter((n) => n.startsWith(DB_FILE))
        .map((n) => [n, statSync(path.join(data, n)).uid]);
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

describe('encrypted backups', () => {
  const secret = 'PATIENT-0042 pin-hash-scrypt';

  it('make a 0600 key on first backup; nothing on the stick is readable; restore brings it all back', async () => {
    db.prepare('INSERT INTO t VALUES (?)').run(secret);
    const img = addImage('field of view one');
    const r = await createBackup({ dataDir: data, dest, keep: 3, now: at(0) });
    expect(r.keyCreated).toBe(true);
    expect(r.manifest.formatVersion).toBe(2);
    expect(r.manifest.encryption).toEqual({ algorithm: 'aes-256-gcm', keyId: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(statSync(path.join(data, KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(path.join(data, KEY_FILE))).mode & 0o777).toBe(0o700);

    // Nothing on the stick holds the database, the row or the image in the clear, nor the image's sha256.
    const onStick = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? onStick(path.join(dir, d.name)) : [path.join(dir, d.name)]));
    const files = onStick(dest);
    expect(files.some((f) => f.endsWith(`${DB_FILE}.enc`))).toBe(true);
    for (const f of files) {
      const text = readFileSync(f).toString('latin1');
      expect(text).not.toContain('SQLite format 3');
      expect(text).not.toContain(secret);
      expect(text).not.toContain('field of view one');
      expect(f.includes(img) || text.includes(img)).toBe(false);
    }
    expect(readdirSync(data).filter((n) => n.startsWith('.'))).toEqual([]);

    // The second backup copies no image again; the key stays.
    const r2 = await createBackup({ dataDir: data, dest, keep: 3, now: at(1) });
    expect(r2.imagesCopied).toBe(0);
    expect(r2.keyCreated).toBe(false);
    expect(r2.manifest.encryption!.keyId).toBe(r.manifest.encryption!.keyId);

    db.prepare('INSERT INTO t VALUES (?)').run('lost');
    db.close();
    rmSync(path.join(data, 'images'), { recursive: true });
    const res = await restoreBackup({ backupDir: r.dir, dataDir: data, now: at(30) });
    expect(rows(path.join(data, DB_FILE))).toEqual([secret]);
    expect(readFileSync(path.join(data, 'images', img.slice(0, 2), img), 'utf8')).toBe('field of view one');
    expect(res.imagesCopied).toBe(1);
    expect(readdirSync(data).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('refuse a backup with one changed byte (database or image), before touching the data', async () => {
    db.prepare('INSERT INTO t VALUES (?)').run('x');
    const img = addImage('an image');
    const r = await createBackup({ dataDir: data, dest, keep: 3, now: at(0) });
    db.close();
    rmSync(path.join(data, 'images'), { recursive: true });
    const before = readFileSync(path.join(data, DB_FILE));
    const flip = (file: string, at: number) => {
      const bytes = readFileSync(file);
      bytes[at < 0 ? bytes.length + at : at] ^= 0x01;
      writeFileSync(file, bytes);
    };
    const enc = path.join(r.dir, `${DB_FILE}.enc`);
    for (const offset of [-100, -1, 20]) {
      // A body byte, a tag byte, a header byte (the IV).
      flip(enc, offset);
      await expect(restoreBackup({ backupDir: r.dir, dataDir: data })).rejects.toThrow(/has been altered or damaged \(authentication failed\): refusing it/);
      flip(enc, offset);
    }
    const pooled = readdirSync(path.join(dest, 'images-enc'), { recursive: true, withFileTypes: true }).find((d) => d.isFile())!;
    flip(path.join(pooled.parentPath, pooled.name), 40);
    await expect(restoreBackup({ backupDir: r.dir, dataDir: data })).rejects.toThrow(/altered or damaged/);
    expect(readFileSync(path.join(data, DB_FILE))).toEqual(before);
    expect(readdirSync(data).sort()).toEqual(['config', DB_FILE]);
    expect(existsSync(path.join(data, 'images', img.slice(0, 2), img))).toBe(false);

    const cli = await capture(() => restoreCli([r.dir, '--data', data]));
    expect(cli.code).toBe(1);
    expect(cli.err.trim().split('\n')).toHaveLength(1);
    expect(cli.err).toMatch(/^leukodiff restore: .*altered or damaged/);
  });

  it('restore on a fresh box needs the exported key; a wrong or mistyped key is refused with a message', async () => {
    db.prepare('INSERT INTO t VALUES (?)').run(secret);
    const img = addImage('photo');
    expect(await backupCli(['--data', data, '--dest', dest, '--keep', '2'])).toBe(0);
    const [name] = await listBackups(dest);
    const backupDir = path.join(dest, name);
    const exported = await capture(() => backupKeyCli(['export', '--data', data]));
    expect(exported.code).toBe(0);
    const keyText = exported.out.trim().split('\n')[1];
    expect(keyText).toMatch(/^([A-Z2-7]{5}-){10}[A-Z2-7]{5}$/);

    const fresh = path.join(root, 'replacement-box', 'data');
    const noKey = await capture(() => restoreCli([backupDir, '--data', fresh]));
    expect(noKey.code).toBe(1);
    expect(noKey.err).toMatch(/this box has no backup key: pass --key/);

    const otherData = path.join(root, 'other-box');
    mkdirSync(otherData);
    const other = (await capture(() => backupKeyCli(['export', '--data', otherData]))).out.trim().split('\n')[1];
    const wrong = await capture(() => restoreCli([backupDir, '--data', fresh, '--key', other]));
    expect(wrong.code).toBe(1);
    expect(wrong.err).toMatch(/wrong key: this backup was encrypted with key [0-9a-f]{16}, the key given is [0-9a-f]{16}/);

    const typo = keyText.slice(0, 6) + (keyText[6] === 'A' ? 'B' : 'A') + keyText.slice(7);
    const mistyped = await capture(() => restoreCli([backupDir, '--data', fresh, '--key', typo]));
    expect(mistyped.code).toBe(1);
    expect(mistyped.err).toMatch(/typo/);
    expect(existsSync(path.join(fresh, DB_FILE))).toBe(false);

    // Written down in lower case with spaces: still taken.
    const ok = await capture(() => restoreCli([backupDir, '--data', fresh, '--key', keyText.toLowerCase().replace(/-/g, ' ')]));
    expect(ok.err).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/encrypted with key [0-9a-f]{16}/);
    expect(rows(path.join(fresh, DB_FILE))).toEqual([secret]);
    expect(readFileSync(path.join(fresh, 'images', img.slice(0, 2), img), 'utf8')).toBe('photo');
    // The replacement box adopted the key: its next backup goes on the same stick with the same key.
    expect(readFileSync(path.join(fresh, KEY_FILE), 'utf8')).toBe(readFileSync(path.join(data, KEY_FILE), 'utf8'));
    expect(statSync(path.join(fresh, KEY_FILE)).mode & 0o777).toBe(0o600);
  });

  it('an old unencrypted backup is still restored, and restore says it was unencrypted', async () => {
    db.prepare('INSERT INTO t VALUES (?)').run('old');
    const img = addImage('old photo');
    const r = await createBackup({ dataDir: data, dest, keep: 3, now: at(0), encrypt: false });
    expect(r.manifest.formatVersion).toBe(1);
    expect(existsSync(path.join(data, KEY_FILE))).toBe(false);
    // A later encrypted backup on the same stick keeps the old one and its images.
    await createBackup({ dataDir: data, dest, keep: 3, now: at(1) });
    db.close();
    const fresh = path.join(root, 'fresh');
    const res = await capture(() => restoreCli([r.dir, '--data', fresh]));
    expect(res.code).toBe(0);
    expect(res.out).toMatch(/, unencrypted\)/);
    expect(res.err).toMatch(/this backup was not encrypted/);
    expect(rows(path.join(fresh, DB_FILE))).toEqual(['old']);
    expect(readFileSync(path.join(fresh, 'images', img.slice(0, 2), img), 'utf8')).toBe('old photo');
  });

  it('refuses a key file others can read', async () => {
    await createBackup({ dataDir: data, dest, keep: 3, now: at(0) });
    chmodSync(path.join(data, KEY_FILE), 0o644);
    await expect(createBackup({ dataDir: data, dest, keep: 3, now: at(1) })).rejects.toThrow(/readable by others.*chmod 600/);
  });
});
