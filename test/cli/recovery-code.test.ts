import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { testApp } from '../helpers/app.ts';
import { ROOT } from '../helpers/paths.ts';
import { signIn } from '../helpers/session.ts';
import { createUsers, SUPERVISOR_PIN } from '../helpers/workflow.ts';

const exec = promisify(execFile);

async function cli(args: string[]) {
  try {
    const r = await exec(process.execPath, [path.join(ROOT, 'bin', 'leukodiff.mjs'), ...args], { cwd: ROOT });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('leukodiff recovery-code', () => {
  const dirs: string[] = [];
  const dataDir = () => {
    const d = mkdtempSync(path.join(tmpdir(), 'leukodiff-recovery-'));
    dirs.push(d);
    return d;
  };
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('makes a new code that the daemon takes, and the old one stops working', async () => {
    const dir = dataDir();
    let app = await testApp({ dataDir: dir });
    const users = await createUsers(app);
    await app.close();

    const res = await cli(['recovery-code', '--data', dir]);
    expect(res.code).toBe(0);
    const code = /^([0-9A-Z]{4}(?:-[0-9A-Z]{4}){4})$/m.exec(res.stdout)?.[1];
    expect(code).toBeDefined();

    app = await testApp({ dataDir: dir });
    try {
      const recover = (recoveryCode: string) => app.inject({ method: 'POST', url: '/api/setup/recover', payload: { recoveryCode }, headers: { cookie: '' } });
      expect((await recover(users.recoveryCode)).statusCode).toBe(403);
      expect((await recover(code!)).statusCode).toBe(200);
      await signIn(app, users.supervisor, SUPERVISOR_PIN);
      const entries = (await app.inject({ url: '/api/audit?limit=3' })).json() as { action: string }[];
      expect(entries.map((e) => e.action)).toEqual(['session.started', 'setup.recovered', 'setup.recovery_code_renewed']);
    } finally {
      await app.close();
    }
  });

  it('refuses a box that has not been set up, in one line', async () => {
    const res = await cli(['recovery-code', '--data', dataDir()]);
    expect(res.code).toBe(1);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(/first-boot setup/);
  });
});
