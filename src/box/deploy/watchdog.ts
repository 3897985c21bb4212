/**
 * systemd notify protocol for `Type=notify` + `WatchdogSec=`: READY=1 once the daemon listens,
 * then WATCHDOG=1 every half watchdog period while the health check passes, so that a hung or
 * unhealthy daemon is killed and restarted by systemd. Does nothing outside systemd.
 *
 * Node cannot send unix datagrams. A short-lived sender (systemd-notify per message) races: systemd
 * may read the datagram after the sender exited and then cannot tell which unit it came from, and
 * drops it even with NotifyAccess=all. So one long-lived python3 child, in the daemon's cgroup,
 * forwards the messages; systemd-notify is the fallback where python3 is missing.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

export interface Notifier {
  send(state: Record<string, string>): void;
  close(): void;
}

export interface WatchdogLog {
  info(msg: string): void;
  warn(msg: string): void;
}

// Reads one JSON object per line ({"READY": "1", ...}) and sends it as one datagram.
const PY_SENDER = `
import json, os, socket, sys
addr = os.environ["NOTIFY_SOCKET"]
if addr.startswith("@"):
    addr = "\\0" + addr[1:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
for line in sys.stdin:
    msg = "\\n".join(k + "=" + v for k, v in json.loads(line).items())
    try:
        s.sendto(msg.encode(), addr)
    except OSError as e:
        print("notify: " + str(e), file=sys.stderr, flush=True)
`;

function onPath(cmd: string, env: NodeJS.ProcessEnv): boolean {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', cmd], { env, stdio: 'ignore' }).status === 0;
}

export function pythonNotifier(env: NodeJS.ProcessEnv, log?: WatchdogLog): Notifier {
  let child: ChildProcess | null = spawn('python3', ['-c', PY_SENDER], { env, stdio: ['pipe', 'ignore', 'inherit'] });
  child.on('exit', (code) => {
    if (child) log?.warn(`systemd notify helper exited (${code}); watchdog messages stop`);
    child = null;
  });
  child.stdin?.on('error', () => {});
  // The helper must not keep a stopping daemon alive.
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return {
    send(state) {
      child?.stdin?.write(JSON.stringify(state) + '\n');
    },
    close() {
      const c = child;
      child = null;
      c?.stdin?.end();
    },
  };
}

export function systemdNotifyNotifier(env: NodeJS.ProcessEnv): Notifier {
  return {
    send(state) {
      const args = Object.entries(state).map(([k, v]) => `${k}=${v}`);
      spawn('systemd-notify', args, { env, stdio: 'ignore' }).on('error', () => {});
    },
    close() {},
  };
}

/** The notifier for this process, or null when not started by systemd with a notify socket. */
export function createNotifier(env: NodeJS.ProcessEnv = process.env, log?: WatchdogLog): Notifier | null {
  if (!env.NOTIFY_SOCKET) return null;
  if (onPath('python3', env)) return pythonNotifier(env, log);
  log?.warn('python3 not found: falling back to systemd-notify, whose messages systemd may drop');
  return systemdNotifyNotifier(env);
}

/** Half of WATCHDOG_USEC in ms, or null when the watchdog is off or meant for another process. */
export function watchdogInterval(env: NodeJS.ProcessEnv, pid = process.pid): number | null {
  const usec = Number(env.WATCHDOG_USEC);
  if (!Number.isFinite(usec) || usec <= 0) return null;
  if (env.WATCHDOG_PID && Number(env.WATCHDOG_PID) !== pid) return null;
  return Math.max(1, Math.floor(usec / 2000));
}

/** The /api/health-level check the watchdog runs: the HTTP stack answers, from inside. */
export function httpHealthCheck(app: { inject(req: { method: 'GET'; url: string }): PromiseLike<{ statusCode: number }> }): () => Promise<boolean> {
  return async () => (await app.inject({ method: 'GET', url: '/api/health' })).statusCode === 200;
}

export interface WatchdogOptions {
  /** Resolves true while the daemon is healthy; a rejection or a timeout counts as unhealthy. */
  check: () => Promise<boolean>;
  env?: NodeJS.ProcessEnv;
  notifier?: Notifier | null;
  log?: WatchdogLog;
  pid?: number;
}

export interface Watchdog {
  /** Tells systemd the daemon is stopping and stops feeding. */
  stop(): void;
}

async function healthy(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([check().catch(() => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Call once the daemon listens: sends READY=1, then feeds the watchdog while `check` passes. */
export function startWatchdog(opts: WatchdogOptions): Watchdog {
  const env = opts.env ?? process.env;
  const notifier = opts.notifier !== undefined ? opts.notifier : createNotifier(env, opts.log);
  if (!notifier) return { stop() {} };
  notifier.send({ READY: '1', STATUS: 'serving' });
  const interval = watchdogInterval(env, opts.pid);
  let timer: NodeJS.Timeout | undefined;
  let wasHealthy = true;
  let running = false;
  if (interval !== null) {
    opts.log?.info(`systemd watchdog: fed every ${interval} ms while healthy`);
    const feed = async () => {
      if (running) return; // a check still pending counts as a missed feed
      running = true;
      const ok = await healthy(opts.check, interval);
      running = false;
      if (!timer) return;
      if (ok) {
        notifier.send(wasHealthy ? { WATCHDOG: '1' } : { WATCHDOG: '1', STATUS: 'serving' });
        if (!wasHealthy) opts.log?.info('health check passes again; feeding the watchdog');
      } else {
        if (wasHealthy) opts.log?.warn('health check failed: not feeding the systemd watchdog');
        notifier.send({ STATUS: 'unhealthy: health check failing' });
      }
      wasHealthy = ok;
    };
    timer = setInterval(() => void feed(), interval);
    timer.unref();
  }
  return {
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      notifier.send({ STOPPING: '1' });
      notifier.close();
    },
  };
}
