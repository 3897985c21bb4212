/** Real hub and box processes (fault tests, the clinic simulation): started, waited for, killed with any signal. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT as ROOT } from '../../src/project-root.ts';

export interface Proc {
  name: string;
  port: number;
  child: ChildProcess;
  /** Everything it printed (stdout and stderr). */
  output(): string;
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** The parent's environment without anything that would configure a hub or a box. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k === 'DATABASE_URL' || k === 'PORT' || k.startsWith('LEUKODIFF_') || k.startsWith('VITEST') || k === 'NODE_OPTIONS') continue;
    env[k] = v;
  }
  return env;
}

function launch(name: string, args: string[], env: Record<string, string>, port: number, healthPath: string, timeoutMs: number): Promise<Proc> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...baseEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: string[] = [];
  let size = 0;
  const keep = (b: Buffer) => {
    if (size > 8 * 1024 * 1024) return;
    size += b.length;
    chunks.push(b.toString('utf8'));
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let gone = false;
  void exited.then(() => (gone = true));
  const proc: Proc = {
    name,
    port,
    child,
    output: () => chunks.join(''),
    exited,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (gone) return;
      child.kill(signal);
      await exited;
    },
  };
  return (async () => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      if (gone) throw new Error(`${name} exited while starting:\n${proc.output().slice(-3000)}`);
      try {
        const res = await fetch(`http://127.0.0.1:${port}${healthPath}`, { signal: AbortSignal.timeout(1000) });
        if (res.ok) return proc;
      } catch {
        // not listening yet
      }
      if (Date.now() > end) {
        await proc.kill();
        throw new Error(`${name} did not answer ${healthPath} within ${timeoutMs} ms:\n${proc.output().slice(-3000)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
}

export function startHub(env: Record<string, string>, port: number): Promise<Proc> {
  return launch('hub', [path.join('bin', 'run-ts.mjs'), path.join('src', 'hub', 'main.ts'), 'serve'], { LEUKODIFF_HUB_LOG_LEVEL: 'info', ...env, PORT: String(port) }, port, '/health', 30_000);
}

export function startBox(env: Record<string, string>, port: number): Promise<Proc> {
  return launch('box', [path.join('bin', 'leukodiff.mjs'), 'serve'], { LEUKODIFF_LOG_LEVEL: 'info', ...env, PORT: String(port), LEUKODIFF_HOST: '127.0.0.1' }, port, '/api/health', 60_000);
}
