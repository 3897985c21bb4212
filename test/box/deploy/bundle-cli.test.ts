import { chmodSync, existsSync, readdirSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as keygen } from '../../../src/cli/commands/bundle-keygen.ts';
import { run as make } from '../../../src/cli/commands/bundle-make.ts';
import { run as verify } from '../../../src/cli/commands/bundle-verify.ts';
import { run as apply } from '../../../src/cli/commands/bundle-apply.ts';
import { run as migrate } from '../../../src/cli/commands/migrate.ts';
import { currentRelease, type ApplyHooks } from '../../../src/box/deploy/bundle/apply.ts';
import { DB_FILE } from '../../../src/box/deploy/backup.ts';

let tmp: string;
let src: string;
let root: string;
let data: string;
const arch = process.arch === 'arm64' ? 'arm64' : 'x64';

function write(rel: string, content: string, mode = 0o644): void {
  const p = path.join(src, rel);
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, content);
  chmodSync(p, mode);
}

const hooks = (): ApplyHooks & { running: string | null } => {
  const h = {
    running: null as string | null,
    stopDaemon: async () => void (h.running = null),
    startDaemon: async () => void (h.running = currentRelease(root)),
    migrate: async () => {},
    healthy: async (v: string) => h.running === v,
  };
  return h;
};

beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'ld-bundle-cli-'));
  src = path.join(tmp, 'src');
  root = path.join(tmp, 'opt');
  data = path.join(tmp, 'data');
  write('package.json', JSON.stringify({ name: 'leukodiff', version: '1.2.3' }));
  write('bin/leukodiff.mjs', '#!/usr/bin/env node\n', 0o755);
  write('src/a.ts', 'export {};\n');
  write('node_modules/x/index.js', 'module.exports = 1;\n');
  mkdirSync(data, { recursive: true });
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('bundle commands', () => {
  it('keygen → make → verify → apply from a drop folder; refusals exit 2 and are reported', async () => {
    const keys = path.join(tmp, 'keys');
    expect(await keygen(['--out', keys])).toBe(0);
    expect(statSync(path.join(keys, 'bundle-signing.key')).mode & 0o777).toBe(0o600);
    expect(await keygen(['--out', keys])).toBe(2); // never overwrites a key
    const pub = path.join(keys, 'bundle-signing.pub');

    const out = path.join(tmp, 'drop', 'leukodiff-1.2.3.ldb');
    mkdirSync(path.dirname(out), { recursive: true });
    expect(await make(['--key', path.join(keys, 'bundle-signing.key'), '--source', src, '--out', out, '--arch', arch])).toBe(0);
    expect(await make(['--source', src])).toBe(2);
    expect(await make(['--key', pub, '--source', src, '--out', out])).toBe(2); // a public key cannot sign

    expect(await verify([out, '--pubkey', pub])).toBe(0);
    expect(await verify([out, '--pubkey', pub, '--arch', arch === 'x64' ? 'arm64' : 'x64'])).toBe(2);
    expect(await verify([out, '--pubkey', path.join(tmp, 'missing.pub')])).toBe(2);

    // A truncated copy of it is refused, reported in the status file, and changes nothing.
    const status = path.join(tmp, 'status.json');
    const cut = path.join(tmp, 'cut.ldb');
    writeFileSync(cut, readFileSync(out).subarray(0, 300));
    expect(await apply([cut, '--pubkey', pub, '--root', root, '--data', data, '--status-file', status], hooks())).toBe(2);
    expect(JSON.parse(readFileSync(status, 'utf8'))).toMatchObject({ status: 'refused', bundle: 'cut.ldb' });
    expect(existsSync(path.join(root, 'current'))).toBe(false);

    writeFileSync(path.join(path.dirname(out), 'upload.part'), 'half an upload');
    expect(await apply(['--from-dir', path.dirname(out), '--pubkey', pub, '--root', root, '--data', data, '--status-file', status], hooks())).toBe(0);
    expect(readlinkSync(path.join(root, 'current'))).toBe('releases/1.2.3');
    expect(JSON.parse(readFileSync(status, 'utf8'))).toMatchObject({ status: 'applied', version: '1.2.3' });
    expect(readdirSync(path.dirname(out))).toEqual([]); // consumed, leftovers too
    expect(await apply(['--from-dir', path.dirname(out), '--pubkey', pub, '--root', root, '--data', data], hooks())).toBe(0);
  });

  it('migrate creates or upgrades the database in the data folder', async () => {
    const dir = path.join(tmp, 'mig');
    expect(await migrate(['--data', dir])).toBe(0);
    const db = new Database(path.join(dir, DB_FILE), { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBeGreaterThan(0);
    db.close();
    expect(await migrate(['--data', dir, 'extra'])).toBe(2);
  });
});
