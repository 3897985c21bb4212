/**
 * The kiosk UI's budgets: its built JavaScript (< 300 kB gzipped) and the first screen interactive
 * (< 1 s after load): Debian's Chromium opens the home screen from the real daemon; "interactive"
 * is the UI's own `ld-interactive` mark, set once the sample list is on screen. Cold: a fresh
 * browser profile each time (nothing cached); warm: a reload with the bundle cached, as the kiosk does.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { PROJECT_ROOT } from '../src/project-root.ts';
import { summarize, type Timing } from './stats.ts';
import { freePort } from '../scripts/lib/daemon.ts';

const CHROMIUM = '/usr/bin/chromium';
const RUNS = 5;

export interface UiBench {
  buildMs: number;
  files: { name: string; bytes: number; gzipBytes: number }[];
  jsBytes: number;
  jsGzipBytes: number;
  cold: Timing | null;
  warm: Timing | null;
}

function build(): number {
  const t0 = performance.now();
  execFileSync(process.execPath, [path.join(PROJECT_ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', path.join(PROJECT_ROOT, 'ui', 'vite.config.ts')], {
    cwd: PROJECT_ROOT,
    stdio: 'pipe',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  return performance.now() - t0;
}

function sizes(): UiBench['files'] {
  const dir = path.join(PROJECT_ROOT, 'ui', 'dist', 'assets');
  return readdirSync(dir).map((name) => {
    const bytes = readFileSync(path.join(dir, name));
    return { name, bytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length };
  });
}

async function interactive(): Promise<{ cold: Timing; warm: Timing } | null> {
  if (!existsSync(CHROMIUM)) return null;
  const { chromium } = await import('playwright-core');
  const port = await freePort();
  const data = mkdtempSync(path.join(tmpdir(), 'ld-ui-bench-'));
  const daemon = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'leukodiff.mjs'), 'serve'], {
    env: { ...process.env, PORT: String(port), LEUKODIFF_DATA: data, LEUKODIFF_LOG_LEVEL: 'warn' },
    stdio: 'ignore',
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  try {
    const url = `http://127.0.0.1:${port}/`;
    for (let i = 0; ; i++) {
      if (i > 600) throw new Error('the daemon did not answer within 60 s');
      if (
        await fetch(`${url}api/health`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const mark = async (page: import('playwright-core').Page) => {
      await page.waitForFunction(() => performance.getEntriesByName('ld-interactive').length > 0, null, { timeout: 10_000 });
      return page.evaluate(() => performance.getEntriesByName('ld-interactive')[0]!.startTime);
    };
    const cold: number[] = [];
    const warm: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const context = await browser.newContext({ viewport: { width: 1024, height: 600 } });
      const page = await context.newPage();
      await page.goto(url);
      cold.push(await mark(page));
      await page.reload();
      warm.push(await mark(page));
      await context.close();
    }
    return { cold: summarize(cold), warm: summarize(warm) };
  } finally {
    await browser.close();
    daemon.kill('SIGTERM');
    rmSync(data, { recursive: true, force: true });
  }
}

export async function runUiBench(): Promise<UiBench> {
  const buildMs = build();
  const files = sizes();
  const js = files.filter((f) => f.name.endsWith('.js'));
  const times = await interactive();
  return {
    buildMs,
    files,
    jsBytes: js.reduce((n, f) => n + f.bytes, 0),
    jsGzipBytes: js.reduce((n, f) => n + f.gzipBytes, 0),
    cold: times?.cold ?? null,
    warm: times?.warm ?? null,
  };
}
