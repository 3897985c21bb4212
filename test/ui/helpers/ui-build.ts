/**
 * ui/dist as the sources are now, for the Chromium tests. Built only when older than them: several
 * test files need it, and a build empties the folder first, so two files building at once could
 * starve each other.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../../helpers/paths.ts';

/** Newest modification time under `dir`, in ms. */
function newest(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((t, e) => {
    const p = path.join(dir, e.name);
    return Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }, 0);
}

export function buildUiIfStale(): void {
  const index = path.join(ROOT, 'ui', 'dist', 'index.html');
  const sources = Math.max(newest(path.join(ROOT, 'ui', 'src')), statSync(path.join(ROOT, 'ui', 'index.html')).mtimeMs, statSync(path.join(ROOT, 'ui', 'vite.config.ts')).mtimeMs);
  if (existsSync(index) && statSync(index).mtimeMs > sources) return;
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', path.join(ROOT, 'ui', 'vite.config.ts')], { cwd: ROOT, stdio: 'pipe' });
}
