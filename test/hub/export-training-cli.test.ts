/** `npm run hub -- training-consent` and `export-training` as the CLI runs them: exit codes and one-line refusals. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listTrainingConsent } from '../../src/hub/repo/training-consent.ts';
import { ROOT } from '../helpers/paths.ts';
import { hubStorage, type HubStorage } from './helpers.ts';

const run = promisify(execFile);

describe('hub CLI: training consent and export', () => {
  let storage: HubStorage;
  let tmp: string;
  const hub = (...args: string[]) => {
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', SOURCE_DATE_EPOCH: '1767225600', ...storage.env };
    return run(process.execPath, ['bin/run-ts.mjs', 'src/hub/main.ts', ...args], { cwd: ROOT, env });
  };
  /** A refusal: exit code 2 and exactly one line on stderr, which must match. */
  const refused = async (pattern: RegExp, ...args: string[]) => {
    const err = (await hub(...args).then(
      () => {
        throw new Error(`${args.join(' ')} succeeded`);
      },
      (e: unknown) => e,
    )) as { code: number; stderr: string };
    expect(err.code).toBe(2);
    expect(err.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(err.stderr).toMatch(pattern);
  };
  beforeAll(() => {
    storage = hubStorage('sqlite');
    tmp = mkdtempSync(path.join(os.tmpdir(), 'leukodiff-export-cli-'));
  });
  afterAll(async () => {
    await storage?.drop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('sets and clears a clinic consent; refuses an unknown clinic or a missing --on/--off', { timeout: 60_000 }, async () => {
    await hub('provision-device', '--clinic', 'north-1');
    expect((await hub('training-consent', '--clinic', 'north-1', '--on')).stdout).toContain('opted in');
    const db = await storage.open();
    try {
      expect((await listTrainingConsent(db.db)).find((c) => c.id === 'north-1')).toMatchObject({ optIn: true, by: expect.any(String), at: expect.any(String) });
      await hub('training-consent', '--clinic', 'north-1', '--off');
      expect((await listTrainingConsent(db.db)).find((c) => c.id === 'north-1')?.optIn).toBe(false);
    } finally {
      await db.close();
    }
    await refused(/no clinic nowhere/, 'training-consent', '--clinic', 'nowhere', '--on');
    await refused(/--on or --off/, 'training-consent', '--clinic', 'north-1');
    await refused(/--on or --off/, 'training-consent', '--clinic', 'north-1', '--on', '--off');
  });

  it('exports, and refuses a bad date, an unknown clinic and a folder it cannot write', { timeout: 90_000 }, async () => {
    await hub('training-consent', '--clinic', 'north-1', '--on');
    const out = path.join(tmp, 'export');
    const done = await hub('export-training', '--out', out, '--since', '2026-01-01');
    expect(done.stdout).toContain('clinic north-1: 0 cells');
    const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as { created: string; filters: unknown };
    expect(manifest).toMatchObject({ created: '2026-01-01T00:00:00.000Z', filters: { since: '2026-01-01T00:00:00.000Z', clinic: null } });

    await refused(/--since 2026-02-30: give a date as YYYY-MM-DD/, 'export-training', '--out', path.join(tmp, 'a'), '--since', '2026-02-30');
    await refused(/--since yesterday/, 'export-training', '--out', path.join(tmp, 'a'), '--since', 'yesterday');
    await refused(/no clinic south-9 at this hub/, 'export-training', '--out', path.join(tmp, 'b'), '--clinic', 'south-9');
    await refused(/needs --out DIR/, 'export-training');
    const file = path.join(tmp, 'a-file');
    writeFileSync(file, 'not a folder');
    await refused(/cannot write the export to .*a-file\/export/, 'export-training', '--out', path.join(file, 'export'));
  });
});
