/**
 * The fuzzer's targets, each a real process on loopback with a scratch data folder: the daemon
 * (`bin/leukodiff.mjs serve`, fixture models, onnxruntime backend) and the hub (SQLite, or a
 * scratch schema of the PostgreSQL database given), with a device token, a reviewer, and one
 * synced sample so that some requests reach real records.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import pg from 'pg';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/project-root.ts';
import { freePort } from '../lib/daemon.ts';
import { loadHubConfig } from '../../src/hub/config.ts';
import { openHubDb } from '../../src/hub/db/connect.ts';
import { ensureClinic, provisionDevice } from '../../src/hub/repo/devices.ts';
import { provisionReviewer } from '../../src/hub/repo/reviewers.ts';
import type { Known } from './values.ts';
import { hubReviewerSession } from '../lib/hub-session.ts';

export interface Target {
  name: 'daemon' | 'hub';
  port: number;
  /** Headers a well-behaved client of this target sends (Host, Origin, credentials). */
  headers: (routePath: string) => Record<string, string>;
  known: Known;
  /** null while running; the exit code or signal once the process died. */
  exited: () => string | null;
  log: () => string;
  stop: () => Promise<void>;
}

async function start(name: Target['name'], args: string[], env: NodeJS.ProcessEnv, healthPath: string, port: number, dir: string, cleanup = async () => {}) {
  const proc: ChildProcess = spawn(process.execPath, args, { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  let exited: string | null = null;
  const keep = (b: Buffer) => (log = (log + b.toString()).slice(-20_000));
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  proc.on('exit', (code, signal) => (exited = signal ?? String(code)));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited !== null) throw new Error(`the ${name} exited (${exited}) while starting:\n${log}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}${healthPath}`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the ${name} did not start within 60 s:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    exited: () => exited,
    log: () => log,
    async stop() {
      if (exited === null) {
        const gone = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
        if (exited === null) proc.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
      await cleanup();
    },
  };
}

export async function startDaemon(): Promise<Target> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'leukodiff-fuzz-daemon-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    LEUKODIFF_HOST: '127.0.0.1',
    LEUKODIFF_DATA: dir,
    LEUKODIFF_MODELS: path.join(PROJECT_ROOT, 'test', 'fixtures', 'models'),
    LEUKODIFF_BACKEND: 'onnxruntime',
    LEUKODIFF_LOG_LEVEL: 'error',
  };
  for (const key of ['LEUKODIFF_HUB_URL', 'LEUKODIFF_CONFIG', 'LEUKODIFF_PORT']) delete env[key];
  const p = await start('daemon', [path.join(PROJECT_ROOT, 'bin', 'leukodiff.mjs'), 'serve'], env, '/api/health', port, dir);
  const host = `127.0.0.1:${port}`;
  return { name: 'daemon', port, headers: () => ({ host, origin: `http://${host}` }), known: { uuids: [], sha256s: [] }, ...p };
}

/** `databaseUrl`: a PostgreSQL database to use (in a schema of its own, dropped afterwards); null: SQLite. */
export async function startHub(databaseUrl: string | null = null): Promise<Target> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'leukodiff-fuzz-hub-'));
  const dbEnv: Record<string, string> = databaseUrl ? { DATABASE_URL: databaseUrl, LEUKODIFF_HUB_DB_SCHEMA: `fuzz_${process.pid}_${Date.now()}` } : {};
  const env: NodeJS.ProcessEnv = { ...process.env, LEUKODIFF_HUB_DATA: dir, LEUKODIFF_HUB_HOST: '127.0.0.1', LEUKODIFF_HUB_PORT: String(port), LEUKODIFF_HUB_LOG_LEVEL: 'error' };
  delete env.DATABASE_URL;
  delete env.PORT;
  Object.assign(env, dbEnv);
  const dropSchema = async () => {
    if (!databaseUrl) return;
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${dbEnv.LEUKODIFF_HUB_DB_SCHEMA} CASCADE`).finally(() => client.end());
  };
  // Provisioned before the hub starts, on the database it will open.
  const config = loadHubConfig({ LEUKODIFF_HUB_DATA: dir, ...dbEnv }, { logLevel: 'silent' });
  const db = await openHubDb(config);
  const at = new Date().toISOString();
  await ensureClinic(db.db, 'c1', 'Fuzz clinic', at);
  const { token } = await provisionDevice(db.db, 'c1', 'fuzz box', at);
  const { password } = await provisionReviewer(db.db, { login: 'fuzz', name: 'Fuzz Reviewer', clinicId: null }, at);
  await db.close();
  const p = await start('hub', [path.join(PROJECT_ROOT, 'bin', 'run-ts.mjs'), path.join(PROJECT_ROOT, 'src', 'hub', 'main.ts'), 'serve'], env, '/health', port, dir, dropSchema);
  const host = `127.0.0.1:${port}`;
  const session = await hubReviewerSession(`http://127.0.0.1:${port}`, 'fuzz', password);
  const known = await seedHub(port, token);
  return {
    name: 'hub',
    port,
    headers: (routePath): Record<string, string> => (routePath.startsWith('/review') ? { host, origin: `http://${host}`, cookie: session } : { host, authorization: `Bearer ${token}` }),
    known,
    ...p,
  };
}

/** One image and one sample revision through the device API, as a box would send them. */
async function seedHub(port: number, token: string): Promise<Known> {
  const bytes = randomBytes(2000);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const base = `http://127.0.0.1:${port}/api/v1`;
  const auth = { authorization: `Bearer ${token}` };
  await fetch(`${base}/images/${sha256}?start=0&total=${bytes.length}&encoding=identity`, { method: 'PUT', headers: { ...auth, 'content-type': 'application/octet-stream' }, body: bytes });
  const sampleId = randomUUID();
  const cellIds = [randomUUID(), randomUUID()];
  const payload = {
    kind: 'leukodiff.report',
    schemaVersion: 1,
    sample: { id: sampleId, reference: 'FUZZ-1', revision: 1, patientId: 'P-1' },
    differential: { counted: 2, rows: [{ type: 'neutrophil', count: 2, percent: 100 }], flags: [] },
    fields: [
      {
        id: randomUUID(),
        seq: 1,
        image: { sha256, width: 640, height: 480 },
        cells: cellIds.map((id, k) => ({ id, box: [10 + 50 * k, 10, 50 + 50 * k, 50], type: 'neutrophil', autoType: 'neutrophil', confidence: 0.9, flagged: k === 0 })),
      },
    ],
    people: { signedBy: { name: 'Dr Fuzz', at: new Date().toISOString() } },
  };
  const res = await fetch(`${base}/samples/${sampleId}/revisions/1`, { method: 'PUT', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ images: [sha256], payload }) });
  if (!res.ok) throw new Error(`could not seed the hub: ${res.status} ${await res.text()}`);
  return { uuids: [sampleId, ...cellIds], sha256s: [sha256] };
}
