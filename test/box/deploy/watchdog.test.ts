import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createNotifier, pythonNotifier, startWatchdog, systemdNotifyNotifier, watchdogInterval, type Notifier } from '../../../src/box/deploy/watchdog.ts';

function recorder(): Notifier & { sent: Record<string, string>[]; closed: boolean } {
  const r = { sent: [] as Record<string, string>[], closed: false, send: (s: Record<string, string>) => void r.sent.push(s), close: () => void (r.closed = true) };
  return r;
}

const ENV = { NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '2000000', WATCHDOG_PID: '4242' };

describe('watchdog timing', () => {
  it('feeds at half of WATCHDOG_USEC, only for the process systemd named', () => {
    expect(watchdogInterval(ENV, 4242)).toBe(1000);
    expect(watchdogInterval(ENV, 1)).toBeNull();
    expect(watchdogInterval({ WATCHDOG_USEC: '30000000' }, 1)).toBe(15000);
    expect(watchdogInterval({}, 1)).toBeNull();
    expect(watchdogInterval({ WATCHDOG_USEC: 'x' }, 1)).toBeNull();
  });

  it('does nothing without NOTIFY_SOCKET', () => {
    expect(createNotifier({})).toBeNull();
    const w = startWatchdog({ env: {}, check: async () => true });
    expect(() => w.stop()).not.toThrow();
  });
});

describe('watchdog feeding', () => {
  afterEach(() => vi.useRealTimers());

  it('sends READY=1, feeds while healthy, starves while unhealthy, resumes, says STOPPING', async () => {
    vi.useFakeTimers();
    const n = recorder();
    let ok = true;
    const w = startWatchdog({ env: ENV, pid: 4242, notifier: n, check: async () => ok });
    expect(n.sent[0]).toMatchObject({ READY: '1' });
    await vi.advanceTimersByTimeAsync(3000);
    expect(n.sent.filter((s) => s.WATCHDOG === '1')).toHaveLength(3);

    ok = false;
    n.sent.length = 0;
    await vi.advanceTimersByTimeAsync(3000);
    expect(n.sent.some((s) => s.WATCHDOG)).toBe(false);
    expect(n.sent[0].STATUS).toMatch(/unhealthy/);

    ok = true;
    n.sent.length = 0;
    await vi.advanceTimersByTimeAsync(1000);
    expect(n.sent).toEqual([{ WATCHDOG: '1', STATUS: 'serving' }]);

    w.stop();
    expect(n.sent.at(-1)).toEqual({ STOPPING: '1' });
    expect(n.closed).toBe(true);
    n.sent.length = 0;
    await vi.advanceTimersByTimeAsync(5000);
    expect(n.sent).toEqual([]);
  });

  it('counts a hanging or throwing check as unhealthy', async () => {
    vi.useFakeTimers();
    const n = recorder();
    let mode: 'hang' | 'throw' = 'hang';
    const w = startWatchdog({
      env: ENV,
      pid: 4242,
      notifier: n,
      check: () => (mode === 'hang' ? new Promise<boolean>(() => {}) : Promise.reject(new Error('db gone'))),
    });
    await vi.advanceTimersByTimeAsync(4000);
    mode = 'throw';
    await vi.advanceTimersByTimeAsync(4000);
    expect(n.sent.some((s) => s.WATCHDOG)).toBe(false);
    w.stop();
  });

  it('sends READY=1 but never WATCHDOG=1 when systemd set no watchdog', async () => {
    vi.useFakeTimers();
    const n = recorder();
    const w = startWatchdog({ env: { NOTIFY_SOCKET: '/x' }, notifier: n, check: async () => true });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(n.sent).toEqual([{ READY: '1', STATUS: 'serving' }]);
    w.stop();
  });
});

const hasPython = spawnSync('python3', ['--version']).status === 0;

// A real notify socket: python3 binds a unix datagram socket and appends what it receives to a file.
function receiver(dir: string): { socket: string; out: string; proc: ChildProcess; ready: Promise<void> } {
  const socket = path.join(dir, 'notify.sock');
  const out = path.join(dir, 'received.txt');
  const code = `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("ready", flush=True)
while True:
    data = s.recv(4096)
    with open(sys.argv[2], "a") as f:
        f.write(data.decode().replace("\\n", "|") + "\\n")
`;
  const proc = spawn('python3', ['-c', code, socket, out], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ready = new Promise<void>((resolve) => proc.stdout!.once('data', () => resolve()));
  return { socket, out, proc, ready };
}

async function waitForLines(file: string, n: number): Promise<string[]> {
  for (let i = 0; i < 100; i++) {
    const lines = existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : [];
    if (lines.length >= n) return lines;
    await new Promise((r) => setTimeout(r, 50));
  }
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : [];
}

describe.skipIf(!hasPython)('notify socket, for real', () => {
  it('the python3 helper delivers READY=1, a multi-field message and WATCHDOG=1 as datagrams', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ld-notify-'));
    const r = receiver(dir);
    try {
      await r.ready;
      const env = { ...process.env, NOTIFY_SOCKET: r.socket };
      const n = createNotifier(env)!;
      n.send({ READY: '1', STATUS: 'serving' });
      n.send({ WATCHDOG: '1' });
      expect(await waitForLines(r.out, 2)).toEqual(['READY=1|STATUS=serving', 'WATCHDOG=1']);
      n.close();
    } finally {
      r.proc.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(spawnSync('systemd-notify', ['--version']).status !== 0)('the systemd-notify fallback delivers too', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ld-notify-'));
    const r = receiver(dir);
    try {
      await r.ready;
      const n = systemdNotifyNotifier({ ...process.env, NOTIFY_SOCKET: r.socket });
      n.send({ WATCHDOG: '1' });
      // systemd >= 246 follows with BARRIER=1 (waits until the manager has read the message).
      expect((await waitForLines(r.out, 1))[0]).toBe('WATCHDOG=1');
    } finally {
      r.proc.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a helper whose socket is gone does not throw in the daemon', async () => {
    const n = pythonNotifier({ ...process.env, NOTIFY_SOCKET: '/nonexistent/notify.sock' });
    expect(() => n.send({ WATCHDOG: '1' })).not.toThrow();
    n.close();
  });
});
