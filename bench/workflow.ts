/**
 * Workflow bench against the real daemon (node bin/leukodiff.mjs serve, shipped models):
 *   1. GET /api/samples/:id of a sample with 10 fields and 150 cells over HTTP: median and p90
 *      (budget: < 20 ms median);
 *   2. 200 field photos uploaded back to back (20 samples of 10 fields, a client that waits out
 *      503 + Retry-After): all analysed, queue bounded, daemon RSS sampled (peak, and after the
 *      first 20 fields vs at the end, to show it stays flat).
 * runWorkflowBench() returns printable lines.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { PROJECT_ROOT } from '../src/project-root.ts';
import { Store } from '../src/box/store/store.ts';
import { Authenticator } from '../src/box/workflow/auth.ts';
import { completeAnalysis, startAnalysis } from '../src/box/workflow/analysis-results.ts';
import type { WorkflowContext } from '../src/box/workflow/context.ts';
import { EventBus } from '../src/box/workflow/events.ts';
import { queueField } from '../src/box/workflow/fields.ts';
import { createSample } from '../src/box/workflow/samples.ts';
import { Daemon } from '../scripts/lib/daemon.ts';
import { fmtMs, summarize } from './stats.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A sample of 10 fields x 15 cells written straight into the store, as the worker would. */
async function seedSample(dataDir: string, photos: Buffer[]): Promise<string> {
  const store = Store.open(dataDir);
  const ctx: WorkflowContext = { store, events: new EventBus(), auth: new Authenticator(store), defaultTarget: 100, queueCapacity: 16, now: () => new Date() };
  try {
    const { sample } = createSample(ctx, { reference: 'BENCH-GET', patientId: 'P-1', wbcCount: 7.2 }, { userId: null });
    for (let f = 0; f < 10; f++) {
      const bytes = photos[f];
      const meta = await sharp(bytes).metadata();
      const sha = createHash('sha256').update(bytes).digest('hex');
      await store.images.put(sha, bytes);
      const field = queueField(ctx, sample.id, { sha256: sha, format: 'jpeg', width: meta.width!, height: meta.height!, bytes: bytes.length }, null, { userId: null }, () => 1);
      startAnalysis(ctx, field);
      completeAnalysis(ctx, field.id, {
        cells: Array.from({ length: 15 }, (_, i) => ({
          box: [i * 20, 10, i * 20 + 18, 28] as [number, number, number, number],
          type: i % 5,
          confidence: 0.8,
          votes: [2, 1, 0, 0, 0],
          agreement: 0.67,
          support: 3,
          review: i % 6 === 0,
        })),
        quality: { metrics: { focus: 120, brightness: 180 }, warnings: [] },
        analysis: { fusion: 'paper', backend: 'onnxruntime', models: [{ id: 'm', sha256: 'a'.repeat(64) }], totalMs: 300 },
      });
    }
    return sample.id;
  } finally {
    store.close();
  }
}

/**
 * 200+ distinct photos from the demo fields: mirrored or turned and re-encoded, so each has its own
 * sha256 and no two of a sample's 10 fields show the same area (the daemon refuses overlapping fields).
 */
async function variants(n: number): Promise<Buffer[]> {
  const dir = path.join(PROJECT_ROOT, 'demo', 'images');
  const sources = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /\.jpe?g$/i.test(f))
        .map((f) => readFileSync(path.join(dir, f)))
    : [];
  if (!sources.length)
    sources.push(
      await sharp({ create: { width: 640, height: 480, channels: 3, background: '#d8c8d0' } })
        .jpeg()
        .toBuffer(),
    );
  const out: Buffer[] = [];
  for (let i = 0; out.length < n; i++) {
    const src = sources[i % sources.length];
    // Consecutive uses of one source (i and i + sources.length) get another orientation.
    const orientation = Math.floor(i / sources.length) % 4;
    let photo = sharp(src);
    if (orientation & 1) photo = photo.flop();
    if (orientation & 2) photo = photo.flip();
    out.push(await photo.jpeg({ quality: 80 + (Math.floor(i / (sources.length * 4)) % 15) }).toBuffer());
  }
  return out;
}

async function post(url: string, body: unknown) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return res.json() as Promise<{ id: string }>;
}

export interface WorkflowBench {
  get: { medianMs: number; p90Ms: number; runs: number; fields: number; cells: number };
  run: {
    fields: number;
    analysed: number;
    seconds: number;
    refusals503: number;
    capacity: number;
    idleRssMB: number;
    rssAfter20MB: number;
    rssEndMB: number;
    peakRssMB: number;
  };
  models: string;
}

export async function runWorkflowBench(opts: { fields?: number; getRuns?: number } = {}): Promise<string[]> {
  const r = await measureWorkflow(opts);
  return [
    `workflow (real daemon over HTTP, ${r.models})`,
    `  GET /api/samples/:id, ${r.get.fields} fields, ${r.get.cells} cells   median ${fmtMs(r.get.medianMs).padStart(9)}  p90 ${fmtMs(r.get.p90Ms).padStart(9)}  (budget < 20 ms median, ${r.get.runs} runs)`,
    `  ${r.run.fields} fields uploaded back to back: ${r.run.analysed} analysed in ${r.run.seconds.toFixed(0)} s (${((60 * r.run.analysed) / r.run.seconds).toFixed(0)} fields/min), ` +
      `${r.run.refusals503} uploads refused 503 (queue capacity ${r.run.capacity}) and sent again`,
    `  daemon RSS: idle ${r.run.idleRssMB.toFixed(0)} MB, after 20 fields ${r.run.rssAfter20MB.toFixed(0)} MB, at the end ${r.run.rssEndMB.toFixed(0)} MB, peak ${r.run.peakRssMB.toFixed(0)} MB`,
  ];
}

export async function measureWorkflow(opts: { fields?: number; getRuns?: number } = {}): Promise<WorkflowBench> {
  const total = opts.fields ?? 200;
  const getRuns = opts.getRuns ?? 200;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ld-wf-bench-'));
  const photos = await variants(Math.max(total, 10));
  const shipped = existsSync(path.join(PROJECT_ROOT, 'models', 'manifest.json'));
  const sampleId = await seedSample(dataDir, photos);
  const daemon = await Daemon.start(dataDir);
  try {
    // 1. GET of a seeded sample.
    const url = `${daemon.url}/api/samples/${sampleId}`;
    const first = (await (await fetch(url)).json()) as { fields: { cells: unknown[] }[] };
    for (let i = 0; i < 20; i++) await (await fetch(url)).arrayBuffer();
    const times: number[] = [];
    for (let i = 0; i < getRuns; i++) {
      const t0 = performance.now();
      await (await fetch(url)).arrayBuffer();
      times.push(performance.now() - t0);
    }
    const get = { ...summarize(times), fields: first.fields.length, cells: first.fields.reduce((n, f) => n + f.cells.length, 0) };

    // 2. Back-to-back uploads.
    await sleep(1000);
    const idleRssMB = daemon.rss()[0];
    const samples: string[] = [];
    for (let s = 0; s < Math.ceil(total / 10); s++) samples.push((await post(`${daemon.url}/api/samples`, { reference: `RUN-${s}` })).id);
    let refusals503 = 0;
    let rssAfter20MB = 0;
    let capacity = 0;
    const t0 = performance.now();
    for (let i = 0; i < total; i++) {
      for (;;) {
        const form = new FormData();
        form.append('image', new Blob([new Uint8Array(photos[i])], { type: 'image/jpeg' }), `f${i}.jpg`);
        const res = await fetch(`${daemon.url}/api/samples/${samples[Math.floor(i / 10)]}/fields`, { method: 'POST', body: form });
        await res.arrayBuffer();
        if (res.status === 202) break;
        if (res.status !== 503) throw new Error(`upload ${i}: HTTP ${res.status}`);
        refusals503++;
        await sleep(1000 * Number(res.headers.get('retry-after') ?? 1));
      }
      if (i === 19) rssAfter20MB = daemon.rss()[0];
    }
    let analysed = 0;
    for (;;) {
      const list = (await (await fetch(`${daemon.url}/api/samples?reference=RUN-&limit=200`)).json()) as { items: { pendingFields: number; fieldCount: number }[] };
      if (list.items.every((s) => s.pendingFields === 0)) {
        analysed = list.items.reduce((n, s) => n + s.fieldCount, 0);
        break;
      }
      await sleep(200);
    }
    const seconds = (performance.now() - t0) / 1000;
    capacity = ((await (await fetch(`${daemon.url}/api/device`)).json()) as { queue: { capacity: number } }).queue.capacity;
    const [rssEndMB, peakRssMB] = daemon.rss();
    return {
      get,
      run: { fields: total, analysed, seconds, refusals503, capacity, idleRssMB, rssAfter20MB, rssEndMB, peakRssMB },
      models: shipped ? 'shipped models' : 'no shipped models: fixture models',
    };
  } finally {
    await daemon.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  for (const line of await runWorkflowBench({ fields: Number(process.argv[2] ?? 200) })) console.log(line);
}
