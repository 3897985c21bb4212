import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURE_MODELS, ROOT } from '../../helpers/paths.ts';

const hasPython = spawnSync('python3', ['--version']).status === 0;

async function until<T>(fn: () => T | undefined, ms: number): Promise<T | undefined> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

// The real daemon under a fake systemd: a unix datagram socket as NOTIFY_SOCKET and a 1 s watchdog.
describe.skipIf(!hasPython)('leukodiff serve under systemd', () => {
  it('says READY=1 once listening, feeds WATCHDOG=1 every half period, and STOPPING=1 on SIGTERM', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ld-serve-'));
    const sock = path.join(dir, 'notify.sock');
    const got = path.join(dir, 'got.txt');
    const receiver = spawn(
      'python3',
      [
        '-c',
        `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("ready", flush=True)
while True:
    m = s.recv(4096).decode().replace("\\n", "|")
    with open(sys.argv[2], "a") as f:
        f.write(m + "\\n")
`,
        sock,
        got,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise((r) => receiver.stdout!.once('data', r));
    const daemon = spawn(process.execPath, [path.join(ROOT, 'bin/leukodiff.mjs'), 'serve'], {
      env: {
        ...process.env,
        NOTIFY_SOCKET: sock,
        WATCHDOG_USEC: '1000000',
        LEUKODIFF_MODELS: FIXTURE_MODELS,
        LEUKODIFF_BACKEND: 'onnxruntime',
        LEUKODIFF_THREADS: '1',
        LEUKODIFF_DATA: path.join(dir, 'data'),
        LEUKODIFF_PORT: '0',
        LEUKODIFF_LOG_LEVEL: 'warn',
        LEUKODIFF_CONFIG: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    daemon.stdout!.on('data', (d) => (log += d));
    daemon.stderr!.on('data', (d) => (log += d));
    const lines = () => (existsSync(got) ? readFileSync(got, 'utf8').trim().split('\n') : []);
    try {
      const fed = await until(() => (lines().filter((l) => l === 'WATCHDOG=1').length >= 2 ? lines() : undefined), 15_000);
      expect(fed, log).toBeDefined();
      expect(lines()[0]).toBe('READY=1|STATUS=serving');
      const exited = new Promise<number | null>((r) => daemon.once('exit', (code) => r(code)));
      daemon.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(await until(() => (lines().includes('STOPPING=1') ? true : undefined), 2000)).toBe(true);
    } finally {
      daemon.kill('SIGKILL');
      receiver.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
