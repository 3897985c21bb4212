import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { applyBundle, currentRelease, type ApplyHooks } from '../../../src/box/deploy/bundle/apply.ts';
import { BundleError, isContainedLinkTarget, isSafeRelativePath, MAGIC } from '../../../src/box/deploy/bundle/format.ts';
import { generateSigningKeys, keyId, loadPrivateKey, loadPublicKey, signManifest } from '../../../src/box/deploy/bundle/keys.ts';
import { makeBundle } from '../../../src/box/deploy/bundle/make.ts';
import { verifyBundle } from '../../../src/box/deploy/bundle/verify.ts';
import { DB_FILE } from '../../../src/box/deploy/backup.ts';

let tmp: string;
let src: string;
let root: string;
let data: string;
const keys = generateSigningKeys();
const priv = loadPrivateKey(keys.privatePem);
const pub = loadPublicKey(keys.publicPem);

/** An ELF header for the given e_machine (62 x86-64, 183 aarch64). */
const elf = (machine: number) => {
  const b = Buffer.alloc(64);
  b.writeUInt32BE(0x7f454c46, 0);
  b.writeUInt16LE(machine, 18);
  return b;
};

function write(rel: string, content: string | Buffer, mode = 0o644): void {
  const p = path.join(src, rel);
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, content);
  chmodSync(p, mode);
}

function setVersion(v: string): void {
  write('package.json', JSON.stringify({ name: 'leukodiff', version: v }));
  write('src/version.txt', v);
}

async function bundle(v: string, name = `b-${v}.ldb`): Promise<string> {
  setVersion(v);
  const out = path.join(tmp, name);
  await makeBundle({ sourceDir: src, arch: 'x64', privateKey: priv, out, include: ['package.json', 'bin', 'src', 'models'] });
  return out;
}

/** The pieces of a bundle file, to reassemble altered. */
function split(file: string) {
  const b = readFileSync(file);
  let pos = MAGIC.length;
  const mLen = b.readUInt32BE(pos);
  const manifest = b.subarray(pos + 4, pos + 4 + mLen);
  pos += 4 + mLen;
  const sLen = b.readUInt32BE(pos);
  const signature = b.subarray(pos + 4, pos + 4 + sLen);
  return { manifest, signature, payload: b.subarray(pos + 4 + sLen) };
}
function join(p: { manifest: Buffer; signature: Buffer; payload: Buffer }, magic = MAGIC): Buffer {
  const u32 = (n: number) => {
    const x = Buffer.alloc(4);
    x.writeUInt32BE(n);
    return x;
  };
  return Buffer.concat([magic, u32(p.manifest.length), p.manifest, u32(p.signature.length), p.signature, p.payload]);
}

/** Every path under a folder with its kind, size and link target: to prove nothing changed. */
function tree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d).sort()) {
      const p = path.join(d, n);
      const st = lstatSync(p);
      out.push(`${path.relative(dir, p)} ${st.isSymbolicLink() ? '-> ' + readlinkSync(p) : st.isDirectory() ? 'dir' : st.size}`);
      if (st.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

interface FakeBox extends ApplyHooks {
  calls: string[];
  running: string | null;
}

/** A pretend daemon: "runs" the version `current` points at; healthy unless told which versions are broken. */
function fakeBox(broken: string[] = []): FakeBox {
  const box: FakeBox = {
    calls: [],
    running: null,
    async stopDaemon() {
      box.calls.push('stop');
      box.running = null;
    },
    async startDaemon() {
      box.running = currentRelease(root);
      box.calls.push(`start ${box.running}`);
    },
    async migrate(releaseDir) {
      const v = path.basename(releaseDir);
      box.calls.push(`migrate ${v}`);
      const db = new Database(path.join(data, DB_FILE));
      db.exec(`CREATE TABLE IF NOT EXISTS migrated_by (v TEXT); INSERT INTO migrated_by VALUES ('${v}')`);
      db.close();
    },
    async healthy(version) {
      return box.running === version && !broken.includes(version);
    },
  };
  return box;
}

function setup(): void {
  tmp = mkdtempSync(path.join(tmpdir(), 'ld-bundle-'));
  src = path.join(tmp, 'src');
  root = path.join(tmp, 'opt', 'leukodiff');
  data = path.join(tmp, 'data');
  mkdirSync(data, { recursive: true });
  const db = new Database(path.join(data, DB_FILE));
  db.exec("CREATE TABLE samples (id TEXT); INSERT INTO samples VALUES ('s1')");
  db.close();
  write('bin/leukodiff.mjs', '#!/usr/bin/env node\nconsole.log("hi")\n', 0o755);
  write('src/main.ts', 'export const x = 1;\n');
  write('src/empty.ts', '');
  write('models/manifest.json', '{}');
  write('models/engines/stale.engine', 'not packed');
  write('node_modules/better-sqlite3/build/Release/better_sqlite3.node', elf(62));
  write('node_modules/better-sqlite3/package.json', '{}');
  write('node_modules/tsx/dist/cli.mjs', 'cli', 0o755);
  mkdirSync(path.join(src, 'node_modules/.bin'), { recursive: true });
  symlinkSync('../tsx/dist/cli.mjs', path.join(src, 'node_modules/.bin/tsx'));
  for (const p of ['linux/x64', 'linux/arm64', 'darwin/arm64', 'win32/x64']) write(`node_modules/onnxruntime-node/bin/napi-v6/${p}/onnxruntime_binding.node`, p);
  for (let i = 0; i < 10; i++) write(`node_modules/big/f${i}.js`, `module.exports = ${i};\n`.repeat(200));
}

const teardown = () => rmSync(tmp, { recursive: true, force: true });

describe('bundle paths', () => {
  it('only accepts relative paths and symlinks that stay inside the release', () => {
    expect(isSafeRelativePath('src/a.ts')).toBe(true);
    for (const bad of ['', '/etc/passwd', '../x', 'a/../../x', 'a//b', './a', 'a/.', 'a\\b', 'a\0b']) expect(isSafeRelativePath(bad)).toBe(false);
    expect(isContainedLinkTarget('node_modules/.bin/tsx', '../tsx/dist/cli.mjs')).toBe(true);
    expect(isContainedLinkTarget('node_modules/.bin/tsx', '../../../../etc/passwd')).toBe(false);
    expect(isContainedLinkTarget('a', '/etc/passwd')).toBe(false);
  });
});

describe('make and verify', () => {
  beforeEach(setup);
  afterEach(teardown);
  it('packs the app, node_modules and models with hashes, modes and links; verifies with the network key', async () => {
    const file = await bundle('1.0.0');
    const { manifest } = await verifyBundle(file, pub, { arch: 'x64' });
    expect(manifest).toMatchObject({ version: '1.0.0', arch: 'x64', keyId: keyId(pub) });
    const paths = manifest.files.map((f) => f.path);
    expect(paths).toContain('bin/leukodiff.mjs');
    expect(paths).toContain('node_modules/better-sqlite3/build/Release/better_sqlite3.node');
    expect(paths).not.toContain('models/engines/stale.engine');
    expect(manifest.files.find((f) => f.path === 'bin/leukodiff.mjs')!.mode).toBe(0o755);
    expect(manifest.files.find((f) => f.path === 'src/main.ts')!.mode).toBe(0o644);
    expect(manifest.symlinks).toEqual([{ path: 'node_modules/.bin/tsx', target: '../tsx/dist/cli.mjs' }]);
    // Only this box's onnxruntime library is packed.
    expect(paths).toContain('node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node');
    expect(paths.filter((p) => p.includes('/bin/napi-v6/') && !p.includes('/linux/x64/'))).toEqual([]);
    // Compressed: the repetitive files shrink.
    expect(manifest.payload.bytes).toBeLessThan(manifest.files.reduce((n, f) => n + f.size, 0) / 5);
  });

  it('refuses node_modules built for another architecture and links leaving the tree', async () => {
    write('node_modules/better-sqlite3/build/Release/better_sqlite3.node', elf(183));
    await expect(bundle('1.0.0')).rejects.toThrow(/built for arm64, not x64/);
    write('node_modules/better-sqlite3/build/Release/better_sqlite3.node', elf(62));
    symlinkSync('/etc/passwd', path.join(src, 'node_modules/.bin/evil'));
    await expect(bundle('1.0.0')).rejects.toThrow(/outside the release/);
  });

  // Found by scripts/verify-systemd: node_modules where node-gyp compiled an addon could not be packed.
  it("leaves out node-gyp's node_gyp_bins (a link to the build machine's python3)", async () => {
    mkdirSync(path.join(src, 'node_modules/better-sqlite3/build/node_gyp_bins'), { recursive: true });
    symlinkSync('/usr/bin/python3', path.join(src, 'node_modules/better-sqlite3/build/node_gyp_bins/python3'));
    const { manifest } = await verifyBundle(await bundle('1.0.0'), pub, { arch: 'x64' });
    expect([...manifest.files, ...manifest.symlinks].map((f) => f.path).filter((p) => p.includes('node_gyp_bins'))).toEqual([]);
    expect(manifest.files.map((f) => f.path)).toContain('node_modules/better-sqlite3/build/Release/better_sqlite3.node');
  });
});

// One installed box for all refusals: each must leave it exactly as it was.
describe('refused bundles change nothing', () => {
  let good: string;
  let next: ReturnType<typeof split>;
  let before: string[];
  const other = loadPrivateKey(generateSigningKeys().privatePem);

  beforeAll(async () => {
    setup();
    good = await bundle('1.0.0');
    await applyBundle({ bundle: good, root, dataDir: data, publicKey: pub, hooks: fakeBox(), pollMs: 1 });
    before = [...tree(root), ...tree(data)];
    // The next version, to be altered: had it been accepted, a new release would appear.
    next = split(await bundle('2.0.0'));
  });
  afterAll(teardown);

  const cases: [string, (p: ReturnType<typeof split>) => Buffer, RegExp][] = [
    ['unsigned', (p) => join({ ...p, signature: Buffer.alloc(0) }), /not signed/],
    [
      'signed with another key',
      (p) => {
        const m = Buffer.from(JSON.stringify({ ...JSON.parse(p.manifest.toString()), keyId: keyId(other) }));
        return join({ ...p, manifest: m, signature: signManifest(m, other) });
      },
      /does not verify.*signed with key/,
    ],
    [
      'a tampered manifest',
      (p) => {
        const m = Buffer.from(p.manifest.toString().replace('"version":"2.0.0"', '"version":"2.0.9"'));
        return join({ ...p, manifest: m });
      },
      /does not verify.*altered/,
    ],
    [
      'a tampered payload',
      (p) => {
        const payload = Buffer.from(p.payload);
        payload[payload.length >> 1] ^= 1;
        return join({ ...p, payload });
      },
      /payload does not match/,
    ],
    ['truncated', (p) => join(p).subarray(0, -10), /truncated/],
    ['truncated in its header', (p) => join(p).subarray(0, 40), /truncated/],
    ['with bytes appended', (p) => Buffer.concat([join(p), Buffer.from('x')]), /unexpected bytes/],
    ['not a bundle', (p) => join(p, Buffer.from('PK\x03\x04 zip archive\n')), /not a leukodiff update bundle/],
    [
      'a file escaping the release, validly signed',
      (p) => {
        const m = JSON.parse(p.manifest.toString());
        m.version = '6.6.6';
        m.files[0].path = '../../../etc/cron.d/x';
        const mb = Buffer.from(JSON.stringify(m));
        return join({ ...p, manifest: mb, signature: signManifest(mb, priv) });
      },
      /unsafe file path/,
    ],
  ];

  it.each(cases)('refuses a bundle %s', async (_name, alter, message) => {
    const bad = path.join(tmp, 'bad.ldb');
    writeFileSync(bad, alter(next));
    const box = fakeBox();
    const err = await applyBundle({ bundle: bad, root, dataDir: data, publicKey: pub, hooks: box, pollMs: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BundleError);
    expect((err as Error).message).toMatch(message);
    expect(box.calls).toEqual([]);
    expect([...tree(root), ...tree(data)]).toEqual(before);
  });

  it('refuses a bundle for another architecture', async () => {
    await expect(verifyBundle(good, pub, { arch: 'arm64' })).rejects.toThrow('the bundle is for x64; this box is arm64');
  });

  it('refuses a payload whose files do not match their manifest hashes, leaving no release behind', async () => {
    // Signed by the right key, payload hash right, but a file hash wrong: caught while unpacking.
    const p = next;
    const m = JSON.parse(p.manifest.toString());
    const f = m.files.find((x: { path: string }) => x.path === 'src/main.ts');
    f.sha256 = '0'.repeat(64);
    const mb = Buffer.from(JSON.stringify(m));
    const bad = path.join(tmp, 'bad.ldb');
    writeFileSync(bad, join({ ...p, manifest: mb, signature: signManifest(mb, priv) }));
    const box = fakeBox();
    await expect(applyBundle({ bundle: bad, root, dataDir: data, publicKey: pub, hooks: box, pollMs: 1 })).rejects.toThrow(/src\/main.ts does not match its hash/);
    expect(box.calls).toEqual([]);
    expect([...tree(root), ...tree(data)]).toEqual(before);
  });
});

describe('apply and roll back', () => {
  beforeEach(setup);
  afterEach(teardown);
  it('installs side by side, switches current, migrates, starts; then rolls back an unhealthy version', async () => {
    const box = fakeBox(['3.0.0']);
    const r1 = await applyBundle({ bundle: await bundle('1.0.0'), root, dataDir: data, publicKey: pub, hooks: box, pollMs: 1 });
    expect(r1).toEqual({ status: 'applied', version: '1.0.0', previous: null });
    expect(readlinkSync(path.join(root, 'current'))).toBe('releases/1.0.0');
    const rel1 = path.join(root, 'releases', '1.0.0');
    expect(readFileSync(path.join(rel1, 'src/version.txt'), 'utf8')).toBe('1.0.0');
    expect(statSync(path.join(rel1, 'bin/leukodiff.mjs')).mode & 0o777).toBe(0o755);
    expect(statSync(path.join(rel1, 'src/main.ts')).mode & 0o777).toBe(0o644);
    expect(readFileSync(path.join(rel1, 'src/empty.ts'), 'utf8')).toBe('');
    expect(readFileSync(path.join(rel1, 'node_modules/big/f7.js'), 'utf8')).toBe('module.exports = 7;\n'.repeat(200));
    expect(readFileSync(path.join(rel1, 'node_modules/.bin/tsx'), 'utf8')).toBe('cli');
    expect(JSON.parse(readFileSync(path.join(rel1, '.leukodiff-release.json'), 'utf8'))).toMatchObject({ version: '1.0.0', arch: 'x64' });

    box.calls.length = 0;
    const r2 = await applyBundle({ bundle: await bundle('2.0.0'), root, dataDir: data, publicKey: pub, hooks: box, pollMs: 1 });
    expect(r2).toEqual({ status: 'applied', version: '2.0.0', previous: '1.0.0' });
    expect(box.calls).toEqual(['stop', 'migrate 2.0.0', 'start 2.0.0']);
    expect(readdirSync(path.join(root, 'releases')).sort()).toEqual(['1.0.0', '2.0.0']);

    // 3.0.0 never becomes healthy: back to 2.0.0 with the database as it was before 3.0.0 migrated it.
    box.calls.length = 0;
    const r3 = await applyBundle({ bundle: await bundle('3.0.0'), root, dataDir: data, publicKey: pub, hooks: box, deadlineMs: 50, pollMs: 5 });
    expect(r3.status).toBe('rolled-back');
    expect(r3.previous).toBe('2.0.0');
    expect(r3.reason).toMatch(/3.0.0 did not become healthy/);
    expect(box.calls).toEqual(['stop', 'migrate 3.0.0', 'start 3.0.0', 'stop', 'start 2.0.0']);
    expect(readlinkSync(path.join(root, 'current'))).toBe('releases/2.0.0');
    expect(existsSync(path.join(root, 'releases', '3.0.0'))).toBe(false);
    const db = new Database(path.join(data, DB_FILE), { readonly: true });
    expect((db.prepare('SELECT v FROM migrated_by ORDER BY rowid').all() as { v: string }[]).map((r) => r.v)).toEqual(['1.0.0', '2.0.0']);
    expect(db.prepare('SELECT id FROM samples').all()).toEqual([{ id: 's1' }]);
    db.close();
    // The database the failed version had migrated is kept for support.
    expect(existsSync(path.join(data, 'pre-update', 'failed-2.0.0-to-3.0.0', DB_FILE))).toBe(true);

    // The same version again is a no-op; a fourth version prunes the oldest release.
    expect((await applyBundle({ bundle: await bundle('2.0.0'), root, dataDir: data, publicKey: pub, hooks: box, pollMs: 1 })).status).toBe('unchanged');
    await applyBundle({ bundle: await bundle('4.0.0'), root, dataDir: data, publicKey: pub, hooks: box, pollMs: 1 });
    expect(readdirSync(path.join(root, 'releases')).sort()).toEqual(['2.0.0', '4.0.0']);
  });

  it('rolls back when the migration fails', async () => {
    const box = fakeBox();
    await applyBundle({ bundle: await bundle('1.0.0'), root, dataDir: data, publicKey: pub, hooks: box, pollMs: 1 });
    box.migrate = async () => {
      throw new Error('migration 7 failed');
    };
    box.calls.length = 0;
    const r = await applyBundle({ bundle: await bundle('2.0.0'), root, dataDir: data, publicKey: pub, hooks: box, pollMs: 1 });
    expect(r).toMatchObject({ status: 'rolled-back', previous: '1.0.0' });
    expect(r.reason).toMatch(/migration 7 failed/);
    expect(box.calls).toEqual(['stop', 'stop', 'start 1.0.0']);
    expect(readlinkSync(path.join(root, 'current'))).toBe('releases/1.0.0');
  });
});
