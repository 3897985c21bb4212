/**
 * `npm run fuzz -- [--seconds 60] [--requests 5000] [--seed N] [--only daemon|hub] [--concurrency 4] [--hub-db postgres]`:
 * starts the daemon and the hub on loopback with scratch data, sends random and mutated requests to
 * every route of each (and to random paths), prints the answers counted by status, and exits 1 on
 * any 5xx or crash, listing the requests that caused them (2: the fuzzer itself could not run).
 * `--hub-db postgres` runs the hub on DATABASE_URL (a scratch schema) instead of SQLite.
 */
import { failed, summary } from './run.ts';
import { fuzzSession, type SessionOptions } from './session.ts';

function parse(argv: string[]): SessionOptions {
  const opts: SessionOptions = { seconds: 60, requests: 5000, seed: Date.now() % 2 ** 31, concurrency: 4, timeoutMs: 30_000, only: null };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    const n = Number(value);
    if (flag === '--only' && (value === 'daemon' || value === 'hub')) opts.only = value;
    else if (flag === '--seconds' && n > 0 && n <= 3600) opts.seconds = n;
    else if (flag === '--requests' && Number.isInteger(n) && n > 0) opts.requests = n;
    else if (flag === '--seed' && Number.isInteger(n)) opts.seed = n;
    else if (flag === '--hub-db' && value === 'postgres' && process.env.DATABASE_URL) opts.hubDatabaseUrl = process.env.DATABASE_URL;
    else if (flag === '--hub-db' && value === 'sqlite') opts.hubDatabaseUrl = null;
    else if (flag === '--concurrency' && Number.isInteger(n) && n > 0 && n <= 64) opts.concurrency = n;
    else throw new Error(`unknown or bad option ${flag} ${value ?? ''} (--seconds, --requests, --seed, --only daemon|hub, --concurrency, --hub-db sqlite|postgres with DATABASE_URL set)`);
  }
  return opts;
}

async function main(): Promise<number> {
  const report = await fuzzSession({ ...parse(process.argv.slice(2)), log: (l) => console.log(l) });
  console.log(summary(report));
  return failed(report) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(2);
  },
);
