/**
 * Issue 21, low finding on files: outside systemd the database and images were world-readable
 * (0644) and a hub token file at 0644 was used without a word. The data folder is now 0700 and the
 * database (with its WAL) and every image file 0600 whatever the umask; a token file that others
 * can read is refused with a message naming the fix.
 */
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/box/config.ts';
import { Store, DB_FILE } from '../../src/box/store/store.ts';
import { SyncService, SyncSetupError } from '../../src/box/sync/service.ts';
import { DerivedImages } from '../../src/box/workflow/derived-images.ts';
import { Daemon } from '../../scripts/lib/daemon.ts';
import { tempContext } from '../helpers/store.ts';
import { fieldJpeg } from '../helpers/workflow.ts';
import { silentLogger } from '../../src/server-common/logging.ts';

const mode = (p: string) => statSync(p).mode & 0o777;
const log = silentLogger();
const TOKEN = 'ld1.00000000-0000-4000-8000-000000000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n';

let root: string;
beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'leukodiff-modes-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('data folder and files', () => {
  it('creates the data folder 0700 and the database, its WAL, images and derived images 0600 even under umask 000', async () => {
    const old = process.umask(0o000);
    try {
      const dir = path.join(root, 'fresh', 'data');
      const store = Store.open(dir);
      try {
        const jpeg = await fieldJpeg(5);
        const sha = createHash('sha256').update(jpeg).digest('hex');
        await store.images.put(sha, jpeg);
        await new DerivedImages(store.images).thumbnail(sha);
        expect(mode(dir)).toBe(0o700);
        for (const sub of ['images', 'derived', 'tmp', path.join('images', sha.slice(0, 2))]) expect(mode(path.join(dir, sub)), sub).toBe(0o700);
        for (const f of readdirSync(dir).filter((f) => f.startsWith(DB_FILE))) expect(mode(path.join(dir, f)), f).toBe(0o600);
        expect(readdirSync(dir)).toContain(`${DB_FILE}-wal`);
        expect(mode(store.images.pathOf(sha))).toBe(0o600);
        const thumbs = readdirSync(path.join(dir, 'derived'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
        expect(thumbs.length).toBeGreaterThan(0);
        for (const t of thumbs) expect(mode(path.join(t.parentPath, t.name)), t.name).toBe(0o600);
      } finally {
        store.close();
      }
    } finally {
      process.umask(old);
    }
  });

  it('makes an existing world-readable data folder and database private when it opens them', () => {
    const dir = path.join(root, 'old');
    const first = Store.open(dir);
    first.close();
    chmodSync(dir, 0o755);
    chmodSync(path.join(dir, DB_FILE), 0o644);
    Store.open(dir).close();
    expect(mode(dir)).toBe(0o700);
    expect(mode(path.join(dir, DB_FILE))).toBe(0o600);
  });
});

describe('hub token file', () => {
  const tokenFile = (name: string, fileMode: number) => {
    const file = path.join(root, name);
    writeFileSync(file, TOKEN);
    chmodSync(file, fileMode);
    return file;
  };
  const t = tempContext();
  afterAll(() => t.close());
  const service = (file: string) => new SyncService(t.ctx, loadConfig({ LEUKODIFF_HUB_URL: 'http://127.0.0.1:1', LEUKODIFF_HUB_TOKEN_FILE: file }), log);

  it('refuses a token file readable or writable by group or others, saying how to fix it, and never showing the token', () => {
    for (const m of [0o644, 0o640, 0o604, 0o620]) {
      const file = tokenFile(`token-${m.toString(8)}`, m);
      let err: unknown;
      try {
        service(file);
      } catch (e) {
        err = e;
      }
      expect(err, m.toString(8)).toBeInstanceOf(SyncSetupError);
      expect((err as Error).message).toContain(`chmod 600 ${file}`);
      expect((err as Error).message).toContain(`mode 0${m.toString(8)}`);
      expect((err as Error).message).not.toContain('AAAAAAAA');
    }
  });

  it('uses a token file that is the owner alone (0600 or 0400)', async () => {
    for (const m of [0o600, 0o400]) {
      const s = service(tokenFile(`token-ok-${m.toString(8)}`, m));
      expect(s.status().enabled).toBe(true);
      await s.stop();
    }
  });

  it('the daemon refuses to start with such a file: one line, exit 2', async () => {
    const data = path.join(root, 'daemon-data');
    mkdirSync(data);
    const file = tokenFile('token-daemon', 0o644);
    const err = await Daemon.start(data, { LEUKODIFF_HUB_URL: 'http://127.0.0.1:1', LEUKODIFF_HUB_TOKEN_FILE: file, LEUKODIFF_BACKEND: 'onnxruntime' }).then(
      async (d) => {
        await d.stop();
        return null;
      },
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/daemon exited 2: leukodiff: config hubTokenFile: .*\(chmod 600 /);
    expect(err?.message).not.toMatch(/\n\s+at /);
  });
});
