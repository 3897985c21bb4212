/** Idle memory of the real daemon with the shipped models loaded (budget: < 250 MB RSS). */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../src/project-root.ts';
import { freePort } from '../scripts/lib/daemon.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runDaemonBench(): Promise<{ startupMs: number; idleRssMB: number; afterAnalysisRssMB: number }> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'leukodiff.mjs'), 'serve'], {
    env: { ...process.env, PORT: String(port), LEUKODIFF_DATA: mkdtempSync(path.join(tmpdir(), 'ld-bench-')), LEUKODIFF_LOG_LEVEL: 'warn' },
    stdio: 'ignore',
  });
  const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) / 1024;
  try {
    let startupMs = -1;
    for (let i = 0; i < 600 && startupMs < 0; i++) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/api/health`)).ok) startupMs = performance.now() - t0;
      } catch {
        await sleep(100);
      }
    }
    if (startupMs < 0) throw new Error('the daemon did not answer /api/health within 60 s');
    await sleep(3000);
    const idleRssMB = rss();
    const demo = readFileSync(path.join(PROJECT_ROOT, 'demo', 'images', 'bccd-BloodImage_00001.jpg'));
    for (let i = 0; i < 5; i++) {
      await fetch(`http://127.0.0.1:${port}/api/analyze`, { method: 'POST', body: demo, headers: { 'content-type': 'image/jpeg' } });
    }
    await sleep(1000);
    return { startupMs, idleRssMB, afterAnalysisRssMB: rss() };
  } finally {
    child.kill('SIGTERM');
  }
}
