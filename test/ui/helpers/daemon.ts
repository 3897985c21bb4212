/** The real daemon (`node bin/leukodiff.mjs serve`) on a free port with its own data folder. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../../helpers/paths.ts';
import { freePort } from '../../../scripts/lib/daemon.ts';

export class Daemon {
  private proc: ChildProcess | null = null;
  /** The daemon's stdout and stderr, for a failure message. */
  log = '';

  private constructor(
    readonly port: number,
    readonly dataDir: string,
    private readonly modelsDir: string,
  ) {}

  static async start(modelsDir: string): Promise<Daemon> {
    const d = new Daemon(await freePort(), mkdtempSync(path.join(os.tmpdir(), 'leukodiff-ui-')), modelsDir);
    await d.spawn();
    return d;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private async spawn(): Promise<void> {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: String(this.port),
      LEUKODIFF_HOST: '127.0.0.1',
      LEUKODIFF_DATA: this.dataDir,
      LEUKODIFF_MODELS: this.modelsDir,
      LEUKODIFF_BACKEND: 'onnxruntime',
      LEUKODIFF_LOG_LEVEL: 'warn',
    };
    // No hub: nothing may leave the machine, and sync must not wait on one.
    for (const key of ['LEUKODIFF_HUB_URL', 'LEUKODIFF_CONFIG', 'LEUKODIFF_PORT']) delete env[key];
    const proc = spawn(process.execPath, [path.join(ROOT, 'bin', 'leukodiff.mjs'), 'serve'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout!.on('data', (b) => (this.log += b));
    proc.stderr!.on('data', (b) => (this.log += b));
    this.proc = proc;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) throw new Error(`the daemon exited (${proc.exitCode}):\n${this.log}`);
      try {
        if ((await fetch(`${this.url}/api/health`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the daemon did not answer within 60 s:\n${this.log}`);
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    this.proc = null;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (proc.exitCode === null) proc.kill('SIGKILL');
  }

  /** Stops and starts again on the same port and data: what a power cut or an update does. */
  async restart(): Promise<void> {
    await this.stop();
    await this.spawn();
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
