/**
 * Hub ingest: sample revisions per second with their images already at the hub (target >= 50/s on
 * PostgreSQL). The hub runs in this process on a real port, on PostgreSQL when DATABASE_URL is set
 * (a schema of its own, dropped afterwards) and SQLite otherwise; revisions of ~100 cells are sent
 * over HTTP by several concurrent clients, as boxes would.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { CELL_TYPES } from '../src/contracts/vocabulary.ts';
import { loadHubConfig } from '../src/hub/config.ts';
import { openHubDb } from '../src/hub/db/connect.ts';
import { ensureClinic, provisionDevice } from '../src/hub/repo/devices.ts';
import { buildHub } from '../src/hub/server.ts';
import { summarize, type Timing } from './stats.ts';
import { silentLogger } from '../src/server-common/logging.ts';

export interface HubBench {
  engine: 'postgres' | 'sqlite';
  revisions: number;
  concurrency: number;
  revisionsPerSecond: number;
  payloadKB: number;
  latency: Timing;
}

function report(sampleId: string, images: string[]) {
  const fields = images.map((sha256, f) => ({
    id: randomUUID(),
    seq: f + 1,
    image: { sha256, width: 1280, height: 960, format: 'jpeg', bytes: 250_000 },
    cells: Array.from({ length: 50 }, (_, i) => ({
      id: randomUUID(),
      fieldId: 'x',
      box: [i * 10, i * 7, i * 10 + 60, i * 7 + 60],
      type: CELL_TYPES[i % CELL_TYPES.length],
      autoType: CELL_TYPES[i % CELL_TYPES.length],
      confidence: 0.8,
      agreement: 1,
      votes: Object.fromEntries(CELL_TYPES.map((t) => [t, t === CELL_TYPES[i % CELL_TYPES.length] ? 3 : 0])),
      flagged: false,
      reviewed: false,
      source: 'automatic',
      changedBy: null,
      changedAt: null,
      reviewedBy: null,
      reviewedAt: null,
    })),
  }));
  return {
    kind: 'leukodiff.report',
    schemaVersion: 1,
    sample: { id: sampleId, reference: `B-${sampleId.slice(0, 6)}`, revision: 7, patientId: null, signedRevision: 7 },
    differential: { counted: 100, rows: CELL_TYPES.map((type) => ({ type, count: 20, percent: 20 })), flags: [] },
    fields,
    people: { signedBy: { id: randomUUID(), name: 'Dr Okafor', at: new Date().toISOString(), revision: 7 } },
  };
}

function put(agent: http.Agent, port: number, token: string, url: string, body: Buffer, type: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: url, method: 'PUT', agent, headers: { authorization: `Bearer ${token}`, 'content-type': type, 'content-length': body.length } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export async function runHubBench(opts: { revisions?: number; concurrency?: number; images?: number } = {}): Promise<HubBench> {
  const revisions = opts.revisions ?? 600;
  const concurrency = opts.concurrency ?? 8;
  const dir = mkdtempSync(path.join(tmpdir(), 'ld-hub-bench-'));
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const databaseUrl = process.env.DATABASE_URL || null;
  const config = loadHubConfig({}, { dataDir: dir, databaseUrl, dbSchema: databaseUrl ? schema : null, logLevel: 'silent', dbPoolSize: concurrency + 2 });
  const db = await openHubDb(config);
  const app = await buildHub(config, { db, logger: false });
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as { port: number }).port;
    const at = new Date().toISOString();
    await ensureClinic(db.db, 'bench', 'bench clinic', at);
    const { token } = await provisionDevice(db.db, 'bench', 'bench box', at);
    const hashes: string[] = [];
    for (let i = 0; i < (opts.images ?? 40); i++) {
      const bytes = randomBytes(20_000);
      const sha = createHash('sha256').update(bytes).digest('hex');
      const status = await put(agent, port, token, `/api/v1/images/${sha}?start=0&total=${bytes.length}&encoding=identity`, bytes, 'application/octet-stream');
      if (status !== 200) throw new Error(`image upload: ${status}`);
      hashes.push(sha);
    }
    const bodies = Array.from({ length: revisions }, (_, i) => {
      const id = randomUUID();
      const images = [hashes[i % hashes.length], hashes[(i + 1) % hashes.length]];
      return { url: `/api/v1/samples/${id}/revisions/7`, body: Buffer.from(JSON.stringify({ images, payload: report(id, images) })) };
    });
    // Warm-up: connections, prepared plans.
    for (const b of bodies.splice(0, 20)) await put(agent, port, token, b.url, b.body, 'application/json');
    const latencies: number[] = [];
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < bodies.length) {
          const b = bodies[next++];
          const s = performance.now();
          const status = await put(agent, port, token, b.url, b.body, 'application/json');
          if (status !== 200) throw new Error(`revision upsert: ${status}`);
          latencies.push(performance.now() - s);
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    return {
      engine: databaseUrl ? 'postgres' : 'sqlite',
      revisions: latencies.length,
      concurrency,
      revisionsPerSecond: latencies.length / seconds,
      payloadKB: bodies[0].body.length / 1024,
      latency: summarize(latencies),
    };
  } finally {
    agent.destroy();
    await app.close();
    await db.close();
    if (databaseUrl) {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface BacklogBench {
  samples: number;
  imageMB: number;
  drainSeconds: number;
  samplesPerSecond: number;
  heapBeforeMB: number;
  heapPeakMB: number;
  rssPeakMB: number;
}

/**
 * A week offline: `samples` signed samples (one ~200 KB photo each) wait in the outbox, then the
 * box's sync drains them into an in-process hub. Reports the drain rate and the heap during it
 * (rows are read one batch of ids at a time and images one request part at a time, so the peak
 * should not grow with the backlog).
 */
export async function runBacklogBench(opts: { samples?: number } = {}): Promise<BacklogBench> {
  const n = opts.samples ?? 300;
  const { Store } = await import('../src/box/store/store.ts');
  const { EventBus } = await import('../src/box/workflow/events.ts');
  const { Authenticator } = await import('../src/box/workflow/auth.ts');
  const { createSample } = await import('../src/box/workflow/samples.ts');
  const { queueField } = await import('../src/box/workflow/fields.ts');
  const { startAnalysis, completeAnalysis } = await import('../src/box/workflow/analysis-results.ts');
  const { signSample } = await import('../src/box/workflow/signoff.ts');
  const { SyncService } = await import('../src/box/sync/service.ts');
  const { loadConfig } = await import('../src/box/config.ts');
  const { scryptSync } = await import('node:crypto');

  const boxDir = mkdtempSync(path.join(tmpdir(), 'ld-backlog-box-'));
  const hubDir = mkdtempSync(path.join(tmpdir(), 'ld-backlog-hub-'));
  const store = Store.open(boxDir);
  const ctx = { store, events: new EventBus(), auth: new Authenticator(store), defaultTarget: 100, queueCapacity: 10_000, now: () => new Date() };
  const hubConfig = loadHubConfig({}, { dataDir: hubDir, databaseUrl: null, logLevel: 'silent' });
  const hubDb = await openHubDb(hubConfig);
  const hub = await buildHub(hubConfig, { db: hubDb, logger: false });
  let sync: InstanceType<typeof SyncService> | null = null;
  try {
    await hub.listen({ host: '127.0.0.1', port: 0 });
    const at = new Date().toISOString();
    await ensureClinic(hubDb.db, 'c', 'clinic', at);
    const { token } = await provisionDevice(hubDb.db, 'c', 'box', at);
    // A supervisor whose PIN hash is cheap to check, so signing 300 samples is quick.
    const salt = randomBytes(16);
    const pinHash = `scrypt$1024$8$1$${salt.toString('base64')}$${scryptSync('1234', salt, 32, { N: 1024, r: 8, p: 1 }).toString('base64')}`;
    const supervisor = randomUUID();
    store.users.insert({ id: supervisor, name: 'Bench Supervisor', role: 'supervisor', pinHash, at });
    let imageBytes = 0;
    for (let i = 0; i < n; i++) {
      const { sample } = createSample(ctx, { reference: `W-${i}` }, { userId: null });
      const bytes = randomBytes(200_000);
      const sha = createHash('sha256').update(bytes).digest('hex');
      await store.images.put(sha, bytes);
      imageBytes += bytes.length;
      const field = queueField(ctx, sample.id, { sha256: sha, format: 'jpeg', width: 1280, height: 960, bytes: bytes.length }, null, { userId: null }, () => 1);
      startAnalysis(ctx, store.fields.get(field.id)!);
      completeAnalysis(ctx, field.id, {
        cells: Array.from({ length: 40 }, (_, k) => ({
          box: [k, k, k + 40, k + 40] as [number, number, number, number],
          type: k % 5,
          confidence: 0.9,
          votes: [3, 0, 0, 0, 0],
          agreement: 1,
          support: 3,
          review: false,
        })),
        quality: { metrics: {}, warnings: [] },
        analysis: { fusion: 'paper', backend: 'bench', models: [], totalMs: 1 },
      });
      await signSample(ctx, sample.id, { userId: supervisor, pin: '1234' });
    }
    const port = (hub.server.address() as { port: number }).port;
    const config = loadConfig({}, { dataDir: boxDir, hubUrl: `http://127.0.0.1:${port}`, hubToken: token, syncPollMs: 60_000, syncMaxRequestBytes: 256 * 1024 });
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    let heapPeak = heapBefore;
    let rssPeak = process.memoryUsage().rss;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      heapPeak = Math.max(heapPeak, m.heapUsed);
      rssPeak = Math.max(rssPeak, m.rss);
    }, 50);
    const t0 = performance.now();
    sync = new SyncService(ctx, config, silentLogger());
    sync.start();
    while (store.outbox.pendingCount() > 0) await new Promise((r) => setTimeout(r, 50));
    const seconds = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    return {
      samples: n,
      imageMB: imageBytes / 2 ** 20,
      drainSeconds: seconds,
      samplesPerSecond: n / seconds,
      heapBeforeMB: heapBefore / 2 ** 20,
      heapPeakMB: heapPeak / 2 ** 20,
      rssPeakMB: rssPeak / 2 ** 20,
    };
  } finally {
    await sync?.stop();
    await hub.close();
    await hubDb.close();
    store.close();
    rmSync(boxDir, { recursive: true, force: true });
    rmSync(hubDir, { recursive: true, force: true });
  }
}
