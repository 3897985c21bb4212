/** The hub's administration commands, run as `npm run hub -- ...` would run them. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { deviceForToken } from '../../src/hub/repo/devices.ts';
import { reviewerForLogin } from '../../src/hub/repo/reviewers.ts';
import { ROOT } from '../helpers/paths.ts';
import { hubStorage, type HubStorage } from './helpers.ts';

const run = promisify(execFile);

describe('hub CLI', () => {
  let storage: HubStorage;
  const hub = (...args: string[]) => {
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...storage.env };
    return run(process.execPath, ['bin/run-ts.mjs', 'src/hub/main.ts', ...args], { cwd: ROOT, env });
  };
  beforeAll(() => {
    storage = hubStorage('sqlite');
  });
  afterAll(async () => storage?.drop());

  it('provisions a device whose token is printed once and stored only as a hash; revokes it', { timeout: 60_000 }, async () => {
    const { stdout, stderr } = await hub('provision-device', '--clinic', 'north-1', '--name', 'kiosk 3');
    const token = stdout.trim();
    expect(token).toMatch(/^ld1\.[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/);
    expect(stderr).toContain('not shown again');
    const db = await storage.open();
    try {
      const device = await deviceForToken(db.db, token);
      expect(device).toMatchObject({ clinicId: 'north-1', name: 'kiosk 3' });
      const rows = await sql<{ token_hash: string }>`SELECT token_hash FROM devices`.execute(db.db);
      expect(JSON.stringify(rows.rows)).not.toContain(token.split('.')[2]);
      await hub('revoke-device', '--device', device!.id);
      expect(await deviceForToken(db.db, token)).toBeNull();
      const list = await hub('list-devices');
      expect(list.stdout).toContain('revoked');
    } finally {
      await db.close();
    }
  });

  it('provisions a reviewer with a generated password; refuses bad arguments', { timeout: 60_000 }, async () => {
    const { stdout } = await hub('provision-reviewer', '--login', 'ada', '--name', 'Dr Ada', '--clinic', 'north-1');
    const db = await storage.open();
    try {
      expect(await reviewerForLogin(db.db, 'ada', stdout.trim())).toMatchObject({ name: 'Dr Ada', clinicId: 'north-1' });
      expect(await reviewerForLogin(db.db, 'ada', 'guess')).toBeNull();
    } finally {
      await db.close();
    }
    await expect(hub('provision-device')).rejects.toMatchObject({ code: 2 });
    await expect(hub('provision-device', '--clinic', 'bad clinic!')).rejects.toMatchObject({ code: 2 });
    await expect(hub('frobnicate')).rejects.toMatchObject({ code: 2 });
  });

  it('resets a reviewer password and disables a reviewer; says so when there is no such reviewer', { timeout: 60_000 }, async () => {
    const first = (await hub('provision-reviewer', '--login', 'ben', '--name', 'Dr Ben')).stdout.trim();
    const reset = await hub('reset-reviewer-password', '--login', 'ben');
    const second = reset.stdout.trim();
    expect(reset.stderr).toContain('not shown again');
    expect(second).not.toBe(first);
    const db = await storage.open();
    try {
      expect(await reviewerForLogin(db.db, 'ben', first)).toBeNull();
      expect(await reviewerForLogin(db.db, 'ben', second)).toMatchObject({ name: 'Dr Ben', clinicId: null });
      await hub('disable-reviewer', '--login', 'ben');
      expect(await reviewerForLogin(db.db, 'ben', second)).toBeNull();
    } finally {
      await db.close();
    }
    expect((await hub('list-reviewers')).stdout).toMatch(/^ben {2}Dr Ben {2}every clinic {2}disabled /m);
    await expect(hub('disable-reviewer', '--login', 'ben')).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('no active reviewer ben') });
    await expect(hub('reset-reviewer-password', '--login', 'nobody')).rejects.toMatchObject({ code: 2 });
    await expect(hub('disable-reviewer')).rejects.toMatchObject({ code: 2 });
  });
});
