import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../helpers/paths.ts';

const hasShellcheck = spawnSync('shellcheck', ['--version']).status === 0;

/** Tracked and new (not ignored) files that are shell scripts: by shebang or by .sh. */
function shellScripts(): string[] {
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
  return files.filter((f) => {
    if (f.startsWith('node_modules/')) return false;
    const abs = path.join(ROOT, f);
    try {
      if (!statSync(abs).isFile()) return false;
    } catch {
      return false;
    }
    if (f.endsWith('.sh')) return true;
    const head = readFileSync(abs).subarray(0, 80).toString('utf8').split('\n')[0];
    return /^#!.*\b(ba|da)?sh\b/.test(head);
  });
}

describe('shell scripts', () => {
  it('include the deployment scripts', () => {
    const scripts = shellScripts();
    for (const s of ['scripts/install', 'scripts/make-bundle', 'scripts/kiosk.sh', 'scripts/wait-health.sh', 'scripts/leukodiff.sh']) expect(scripts).toContain(s);
  });

  it.skipIf(!hasShellcheck)('pass shellcheck', () => {
    const r = spawnSync('shellcheck', ['--format=gcc', ...shellScripts()], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
