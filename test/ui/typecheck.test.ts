/** The UI has its own TypeScript settings (DOM, Lit's decorators): check it with them, strictly. */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/paths.ts';

describe('ui/ sources', () => {
  it('type-check under ui/tsconfig.json', () => {
    const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    let output = '';
    try {
      execFileSync(process.execPath, [tsc, '-p', path.join(ROOT, 'ui', 'tsconfig.json'), '--noEmit'], { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' });
    } catch (err) {
      output = String((err as { stdout?: string }).stdout ?? err);
    }
    expect(output).toBe('');
  }, 60_000);
});
