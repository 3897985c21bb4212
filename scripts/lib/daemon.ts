/** The real daemon as a child process (node bin/leukodiff.mjs serve), for fault tests, benches and scripts. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { PROJECT_ROOT as ROOT } from '../../src/project-root.ts';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export class Daemon {
  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
    readonly exited: Promise<number | null>,
  ) {}

  /** Starts it on a free port with the data folder and extra environment; resolves once /api/health answers. */
  static async start(dataDir: string, env: Record<string, string> = {}): Promise<Daemon> {
    const port = await freePort();
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'leukodiff.mjs'), 'serve'], {
      cwd: ROOT,
      env: { ...process.env, LEUKODIFF_DATA: dataDir, PORT: String(port), LEUKODIFF_PORT: String(port), LEUKODIFF_HOST: '127.0.0.1', LEUKODIFF_LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const d = new Daemon(child, `http://127.0.0.1:${port}`, exited);
    const until = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`daemon exited ${child.exitCode}: ${stderr.slice(-2000)}`);
      try {
        if ((await fetch(`${d.url}/api/health`)).ok) return d;
      } catch {
        // not listening yet
      }
      if (Date.now() > until) {
        child.kill('SIGKILL');
        throw new Error(`daemon did not answer /api/health within 60 s: ${stderr.slice(-2000)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** [current, peak] resident memory in MB. */
  rss(): [number, number] {
    const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)![1]);
    return [kb('VmRSS') / 1024, kb('VmHWM') / 1024];
  }

  async kill9(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }

  async stop(): Promise<void> {
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 20_000);
    await this.exited;
    clearTimeout(timer);
  }
}
