import { existsSync, mkdirSync, mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boxHooks } from '../../../src/box/deploy/bundle/box-hooks.ts';
import { DB_FILE } from '../../../src/box/deploy/backup.ts';
import { ROOT } from '../../helpers/paths.ts';

let tmp: string;
let server: Server;
let port: number;
let answer = { status: 200, version: '2.0.0' };

beforeAll(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'ld-hooks-'));
  server = createServer((req, res) => {
    res.writeHead(req.url === '/api/health' ? answer.status : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'ok', version: answer.version }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => {
  server.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('the box side of an update', () => {
  it("runs the new release's own `leukodiff migrate` on the data folder", async () => {
    const data = path.join(tmp, 'data');
    mkdirSync(data);
    // This checkout stands in for an unpacked release.
    await boxHooks({ dataDir: data, host: '127.0.0.1', port, enginesDir: path.join(tmp, 'engines') }).migrate(ROOT);
    const db = new Database(path.join(data, DB_FILE), { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBeGreaterThan(0);
    db.close();
  });

  it('is healthy only when the daemon answers 200 as the expected version', async () => {
    const hooks = boxHooks({ dataDir: tmp, host: '127.0.0.1', port, enginesDir: tmp });
    expect(await hooks.healthy('2.0.0')).toBe(true);
    expect(await hooks.healthy('3.0.0')).toBe(false);
    answer = { status: 503, version: '2.0.0' };
    expect(await hooks.healthy('2.0.0')).toBe(false);
    await expect(boxHooks({ dataDir: tmp, host: '127.0.0.1', port: 1, enginesDir: tmp }).healthy('2.0.0')).rejects.toThrow();
  });

  it("points a release's engine folder at the shared engine cache", async () => {
    const release = path.join(tmp, 'release');
    mkdirSync(path.join(release, 'models', 'engines'), { recursive: true });
    const cache = path.join(tmp, 'cache', 'engines');
    await boxHooks({ dataDir: tmp, host: '127.0.0.1', port, enginesDir: cache }).prepare!(release);
    expect(readlinkSync(path.join(release, 'models', 'engines'))).toBe(cache);
    expect(existsSync(cache)).toBe(true);
  });
});
