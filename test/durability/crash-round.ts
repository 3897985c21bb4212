/**
 * One kill -9 round against the real daemon (node bin/leukodiff.mjs serve on the fixture models):
 *   A. a burst of uploads, the daemon killed -9 after a random number of acknowledgements
 *      (the worker is analysing meanwhile);
 *   B. restart, and kill -9 again the moment an analysis starts;
 *   C. restart, let the queue drain, stop, and audit the data folder:
 *      every acknowledged upload is there, every field is analysed exactly once (the fixture
 *      models give 2 cells a field), PRAGMA integrity_check is ok, no image file is missing,
 *      damaged or orphaned, no temporary file is left.
 * Used once by the default test run and 20 times in a row by scripts/durability-loop.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { Daemon } from '../../scripts/lib/daemon.ts';
import { inspectDataDir, type DataDirReport } from '../helpers/data-dir.ts';
import { FIXTURE_MODELS } from '../helpers/paths.ts';
import { mulberry32 } from '../../src/core/util/random.ts';

const DAEMON_ENV = {
  LEUKODIFF_MODELS: FIXTURE_MODELS,
  LEUKODIFF_BACKEND: 'onnxruntime',
  LEUKODIFF_THREADS: '1',
  LEUKODIFF_QUEUE_CAPACITY: '64',
  LEUKODIFF_MIN_FREE_BYTES: '0',
};

export interface RoundResult {
  seed: number;
  acknowledged: number;
  inDatabase: number;
  killedAfterAcks: number;
  interruptedRunKilled: boolean;
  report: DataDirReport;
  /** Empty when the round lost nothing and counted nothing twice. */
  problems: string[];
}

const CELLS_PER_FIELD = 2;

let photos: Buffer[] | undefined;
async function fieldPhotos(): Promise<Buffer[]> {
  photos ??= await Promise.all(
    Array.from({ length: 28 }, (_, i) =>
      sharp(randomBytes(800 * 600 * 3), { raw: { width: 800, height: 600, channels: 3 } })
        .jpeg({ quality: 70 + (i % 20) })
        .toBuffer(),
    ),
  );
  return photos;
}

async function json(url: string, init?: RequestInit) {
  const res = await fetch(url, init);
  return { status: res.status, body: await res.json() };
}

function uploadField(base: string, sampleId: string, photo: Buffer): Promise<string | null> {
  const form = new FormData();
  form.append('image', new Blob([new Uint8Array(photo)], { type: 'image/jpeg' }), 'field.jpg');
  return fetch(`${base}/api/samples/${sampleId}/fields`, { method: 'POST', body: form })
    .then(async (res) => (res.status === 202 ? ((await res.json()) as { id: string }).id : null))
    .catch(() => null);
}

/** Resolves at the first field.analysing event on the daemon's SSE stream. */
function firstAnalysisStart(base: string): { started: Promise<void>; close(): void } {
  let req: http.ClientRequest;
  const started = new Promise<void>((resolve, reject) => {
    req = http.get(`${base}/api/events`, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (chunk.includes('event: field.analysing')) resolve();
      });
    });
    req.on('error', reject);
  });
  started.catch(() => {});
  return { started, close: () => req.destroy() };
}

export async function crashRound(seed = Date.now() % 2 ** 31): Promise<RoundResult> {
  // Seeded, so a failing round can be replayed by its seed.
  const random = mulberry32(seed);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'leukodiff-crash-'));
  const problems: string[] = [];
  const images = await fieldPhotos();
  try {
    // A: a burst of uploads, killed after some acknowledgements.
    let daemon = await Daemon.start(dataDir, DAEMON_ENV);
    const sample = await json(`${daemon.url}/api/samples`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reference: `CRASH-${seed}` }),
    });
    const sampleId = sample.body.id as string;
    const acknowledged: string[] = [];
    const killedAfterAcks = 3 + Math.floor(random() * 14);
    const burst = images.slice(0, 24);
    let next = 0;
    let killed = false;
    const kill = async () => {
      if (killed) return;
      killed = true;
      await daemon.kill9();
    };
    const worker = async () => {
      while (next < burst.length && !killed) {
        const id = await uploadField(daemon.url, sampleId, burst[next++]);
        if (id && !killed) acknowledged.push(id);
        if (acknowledged.length >= killedAfterAcks) await kill();
      }
    };
    await Promise.all([worker(), worker(), worker()]);
    await kill();

    // B: restart (interrupted runs are resumed) and kill again as soon as an analysis starts.
    daemon = await Daemon.start(dataDir, DAEMON_ENV);
    const watch = firstAnalysisStart(daemon.url);
    const extra = await uploadField(daemon.url, sampleId, images[24 + Math.floor(random() * 4)]);
    if (extra) acknowledged.push(extra);
    const interruptedRunKilled = await Promise.race([watch.started.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 15_000))]);
    await daemon.kill9();
    watch.close();

    // C: restart, drain the queue, stop cleanly, audit.
    daemon = await Daemon.start(dataDir, DAEMON_ENV);
    const until = Date.now() + 120_000;
    for (;;) {
      const s = await json(`${daemon.url}/api/samples/${sampleId}`);
      if (s.body.pendingFields === 0) break;
      if (Date.now() > until) {
        problems.push(`${s.body.pendingFields} fields still pending after 120 s`);
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await daemon.stop();

    const report = inspectDataDir(dataDir);
    const inDb = new Set(report.fields.map((f) => f.id));
    for (const id of acknowledged) if (!inDb.has(id)) problems.push(`acknowledged field ${id} is missing`);
    for (const f of report.fields) {
      if (f.status !== 'analysed') problems.push(`field ${f.id} is ${f.status} (attempts ${f.attempts})`);
      const n = report.cellsPerField.get(f.id) ?? 0;
      if (f.status === 'analysed' && n !== CELLS_PER_FIELD) problems.push(`field ${f.id} has ${n} automatic cells, expected ${CELLS_PER_FIELD}`);
    }
    if (report.integrity !== 'ok') problems.push(`integrity_check: ${report.integrity}`);
    if (report.foreignKeyErrors) problems.push(`${report.foreignKeyErrors} foreign key errors`);
    if (report.missingOrDamaged.length) problems.push(`missing or damaged images: ${report.missingOrDamaged.join(', ')}`);
    if (report.orphans.length) problems.push(`orphaned images: ${report.orphans.join(', ')}`);
    if (report.tempFiles) problems.push(`${report.tempFiles} temporary files left`);
    return { seed, acknowledged: acknowledged.length, inDatabase: report.fields.length, killedAfterAcks, interruptedRunKilled, report, problems };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
