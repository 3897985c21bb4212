/** Per-stage timing of the analysis pipeline on the demo fields, with the shipped models. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { detectAndFuse } from '../src/analysis/analyze.ts';
import { decodeImage } from '../src/analysis/image-input.ts';
import { assessQuality } from '../src/analysis/quality.ts';
import { PROJECT_ROOT } from '../src/config.ts';
import { loadEngine } from '../src/inference/engine.ts';
import { summarize, type Timing } from './stats.ts';

export interface PipelineBench {
  fields: string[];
  stages: Record<string, Timing>;
  fieldsPerMinute: number;
  /** (decode + letterbox + postprocess + fusion + model runs) / model runs: DESIGN's overhead budget. */
  overheadRatio: number;
  /** The same with the quality check included. */
  overheadRatioWithQuality: number;
  peakRssMB: number;
  idleRssMB: number;
}

export async function runPipelineBench(opts: { rounds?: number; images?: string[] } = {}): Promise<PipelineBench> {
  const rounds = opts.rounds ?? 20;
  const dir = path.join(PROJECT_ROOT, 'demo', 'images');
  const files = opts.images ?? readdirSync(dir).filter((f) => /\.(jpe?g|png)$/i.test(f)).map((f) => path.join(dir, f));
  const engine = await loadEngine({ modelsDir: path.join(PROJECT_ROOT, 'models'), backend: 'onnxruntime', threads: 0 });
  const idleRssMB = process.memoryUsage().rss / 2 ** 20;
  const samples: Record<string, number[]> = {};
  const add = (k: string, v: number) => (samples[k] ??= []).push(v);
  let peak = 0;
  const buffers = files.map((f) => readFileSync(f));
  for (let r = 0; r < rounds + 2; r++) {
    for (const buf of buffers) {
      const t0 = performance.now();
      const img = await decodeImage(buf);
      const t1 = performance.now();
      assessQuality(img);
      const t2 = performance.now();
      const res = await detectAndFuse(engine, img);
      const t3 = performance.now();
      peak = Math.max(peak, process.memoryUsage().rss);
      if (r < 2) continue; // warm-up
      const models = Object.values(res.timings.modelMs).reduce((a, b) => a + b, 0);
      add('decode', t1 - t0);
      add('quality', t2 - t1);
      add('letterbox', res.timings.letterboxMs);
      for (const [id, ms] of Object.entries(res.timings.modelMs)) add(`model ${id} (session.run)`, ms);
      add('models (sum)', models);
      add('decoding+NMS', res.timings.postprocessMs);
      add('fusion', res.timings.fusionMs);
      add('total', t3 - t0);
      add('ratio', (t3 - t0 - (t2 - t1)) / models);
      add('ratioQ', (t3 - t0) / models);
    }
  }
  await engine.close();
  const stages = Object.fromEntries(Object.entries(samples).filter(([k]) => !k.startsWith('ratio')).map(([k, v]) => [k, summarize(v)]));
  return {
    fields: files.map((f) => path.basename(f)),
    stages,
    fieldsPerMinute: 60_000 / stages.total.medianMs,
    overheadRatio: summarize(samples.ratio).medianMs,
    overheadRatioWithQuality: summarize(samples.ratioQ).medianMs,
    peakRssMB: peak / 2 ** 20,
    idleRssMB,
  };
}
