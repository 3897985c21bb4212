import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURE_MODELS, ROOT } from '../../helpers/paths.ts';
import { freePort } from '../../../scripts/lib/daemon.ts';

function serve(env: Record<string, string>) {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'leukodiff.mjs'), 'serve'], {
    env: { ...process.env, LEUKODIFF_MODELS: FIXTURE_MODELS, LEUKODIFF_DATA: mkdtempSync(path.join(tmpdir(), 'ld-daemon-')), LEUKODIFF_CONFIG: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, output: () => out, exited };
}

describe('leukodiff serve (the real process)', () => {
  it('listens on PORT, answers /api/health and logs which backend it uses and why', async () => {
    const port = await freePort();
    const d = serve({ PORT: String(port), LEUKODIFF_BACKEND: 'auto' });
    try {
      let health: Record<string, unknown> | undefined;
      for (let i = 0; i < 200 && !health; i++) {
        try {
          health = (await (await fetch(`http://127.0.0.1:${port}/api/health`)).json()) as Record<string, unknown>;
        } catch {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      expect(health, d.output()).toBeDefined();
      expect(health!.backend).toMatchObject({ name: 'onnxruntime' });
      expect(d.output()).toMatch(/inference backend: onnxruntime \(TensorRT unavailable/);
    } finally {
      d.child.kill('SIGTERM');
      await d.exited;
    }
  });

  it.each([
    [{ LEUKODIFF_PORT: 'http' }, /^leukodiff: config port: expected an integer/],
    [{ LEUKODIFF_BACKEND: 'tensorrt' }, /^leukodiff: backend=tensorrt was asked for but TensorRT is unavailable/],
    [{ LEUKODIFF_MODELS: '/nonexistent' }, /^leukodiff: no model manifest at \/nonexistent\/manifest\.json/],
  ])('refuses to start with one line and exit code 2 (%o)', async (env, message) => {
    const d = serve(env);
    expect(await d.exited).toBe(2);
    expect(d.output().trim().split('\n')).toHaveLength(1);
    expect(d.output()).toMatch(message);
  });
});
