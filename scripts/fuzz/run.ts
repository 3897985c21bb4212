/**
 * The fuzz loop: requests spread over the targets until the time or the count runs out, a few at a
 * time; answers counted by status; every 5xx kept with the request that caused it; a target whose
 * process died is a crash, reported with the requests sent just before.
 */
import type { Target } from './processes.ts';
import { Random } from './random.ts';
import { makeRequest, type FuzzRequest } from './requests.ts';
import type { Route } from './routes.ts';
import { send } from './send.ts';

export interface FuzzOptions {
  seconds: number;
  requests: number;
  seed: number;
  concurrency: number;
  timeoutMs: number;
}

export interface Finding {
  target: string;
  request: FuzzRequest;
  outcome: string;
}

export interface TargetReport {
  sent: number;
  /** status (or `error:<code>`) -> count */
  counts: Record<string, number>;
  serverErrors: Finding[];
  /** Requests left unanswered past the timeout (listed, not a failure: an event stream may be one). */
  timeouts: FuzzRequest[];
  crash: { exit: string; lastRequests: FuzzRequest[]; log: string } | null;
}

export interface FuzzReport {
  seed: number;
  seconds: number;
  targets: Record<string, TargetReport>;
}

export async function fuzz(targets: { target: Target; routes: Route[] }[], opts: FuzzOptions): Promise<FuzzReport> {
  const rng = new Random(opts.seed);
  const started = Date.now();
  const deadline = started + opts.seconds * 1000;
  const reports: Record<string, TargetReport> = {};
  const recent: Record<string, FuzzRequest[]> = {};
  for (const { target } of targets) {
    reports[target.name] = { sent: 0, counts: {}, serverErrors: [], timeouts: [], crash: null };
    recent[target.name] = [];
  }
  let issued = 0;
  const worker = async () => {
    while (issued < opts.requests && Date.now() < deadline) {
      const live = targets.filter((t) => !reports[t.target.name].crash);
      if (!live.length) return;
      const { target, routes } = live[issued % live.length];
      issued++;
      const req = makeRequest(routes, target, rng);
      const rep = reports[target.name];
      const last = recent[target.name];
      last.push(req);
      if (last.length > 20) last.shift();
      const out = await send(target.port, req, opts.timeoutMs);
      rep.sent++;
      const key = 'status' in out ? String(out.status) : `error:${out.error}`;
      rep.counts[key] = (rep.counts[key] ?? 0) + 1;
      if ('status' in out && out.status >= 500) rep.serverErrors.push({ target: target.name, request: req, outcome: key });
      if ('error' in out && out.error === 'timeout') rep.timeouts.push(req);
      const exit = target.exited();
      if (exit !== null && !rep.crash) rep.crash = { exit, lastRequests: [...last], log: target.log().slice(-4000) };
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  return { seed: opts.seed, seconds: Math.round((Date.now() - started) / 100) / 10, targets: reports };
}

export const failed = (r: FuzzReport) => Object.values(r.targets).some((t) => t.serverErrors.length > 0 || t.crash !== null);

/** A request as one line a person can replay (body cut to 300 characters, credentials hidden). */
export function describe(req: FuzzRequest): string {
  const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, k === 'authorization' ? `${v.split(' ')[0]} …` : v.length > 100 ? `${v.slice(0, 100)}…(${v.length})` : v]));
  const body = req.body ? JSON.stringify(req.body.subarray(0, 300).toString('latin1')) + (req.body.length > 300 ? `…(${req.body.length} bytes)` : '') : '';
  return `${req.method} ${req.path.length > 300 ? `${req.path.slice(0, 300)}…` : req.path} ${JSON.stringify(headers)} ${body} [${req.note}]`;
}

export function summary(r: FuzzReport): string {
  const lines = [`fuzz: seed ${r.seed}, ${r.seconds} s`];
  for (const [name, t] of Object.entries(r.targets)) {
    const counts = Object.entries(t.counts)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, n]) => `${k}: ${n}`)
      .join(', ');
    lines.push(`${name}: ${t.sent} requests; ${counts}`);
    lines.push(`${name}: ${t.serverErrors.length} responses of 5xx, ${t.crash ? 1 : 0} crashes`);
    for (const f of t.serverErrors.slice(0, 50)) lines.push(`  ${f.outcome} <- ${describe(f.request)}`);
    for (const q of t.timeouts.slice(0, 10)) lines.push(`  no answer in time <- ${describe(q)}`);
    if (t.crash) {
      lines.push(`  ${name} died (${t.crash.exit}); the last requests sent:`);
      for (const q of t.crash.lastRequests) lines.push(`    ${describe(q)}`);
      lines.push(t.crash.log);
    }
  }
  return lines.join('\n');
}
