/** One fuzz session: start the chosen targets, learn their routes, fuzz them, stop them; the report. */
import { startDaemon, startHub, type Target } from './processes.ts';
import { hubRoutes, routesFromOpenApi, type Route } from './routes.ts';
import { fuzz, type FuzzOptions, type FuzzReport } from './run.ts';

export interface SessionOptions extends FuzzOptions {
  only: 'daemon' | 'hub' | null;
  /** The hub on this PostgreSQL database (a scratch schema) instead of SQLite. */
  hubDatabaseUrl?: string | null;
  /** Where progress lines go (the CLI: the console). */
  log?: (line: string) => void;
}

async function daemonRoutes(t: Target): Promise<Route[]> {
  const res = await fetch(`http://127.0.0.1:${t.port}/api/docs`);
  if (!res.ok) throw new Error(`GET /api/docs answered ${res.status}`);
  return routesFromOpenApi(await res.json());
}

export async function fuzzSession(opts: SessionOptions): Promise<FuzzReport> {
  const targets: { target: Target; routes: Route[] }[] = [];
  try {
    if (opts.only !== 'hub') {
      const t = await startDaemon();
      targets.push({ target: t, routes: await daemonRoutes(t) });
    }
    if (opts.only !== 'daemon') {
      const t = await startHub(opts.hubDatabaseUrl ?? null);
      targets.push({ target: t, routes: await hubRoutes() });
    }
    for (const { target, routes } of targets) opts.log?.(`${target.name}: ${routes.length} routes on 127.0.0.1:${target.port}`);
    return await fuzz(targets, opts);
  } finally {
    for (const { target } of targets) await target.stop();
  }
}
