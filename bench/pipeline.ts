/** Per-stage timing of the analysis pipeline on the demo fields, with the shipped models. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { analyzeField } from '../src/core/analysis/analyze.ts';
import { decodeImage } from '../src/core/analysis/image-input.ts';
import { PROJECT_ROOT } from '../src/project-root.ts';
import { loadEngine } from '../src/core/inference/engine.ts';
import { letterboxTensor } from '../src/core/inference/preprocess.ts';
import { measure, summarize, type Timing } from './stats.ts';

export interface PipelineBench {
  fields: string[];
  stages: Record<string, Timing>;
  /** Each model's session.run alone, on a ready tensor, nothing else running. */
  modelsAlone: Record<string, Timing>;
  fieldsPerMinute: number;
  /** Pipeline total / sum of the models' runs alone: ARCHITECTURE.md's overhead budget (<= 1.15). */
  overheadRatio: number;
  /** Pipeline total / sum of the models' runs inside the pipeline (cold caches, shared cores). */
  overheadRatioInPipeline: number;
  /**
   * The same fields through the pipeline as it was before the scale and the classifier (a given
   * scale, so nothing is measured, and the detectors' own types): median ms, and the full
   * pipeline's median over it (issue 19's budget: <= 1.3).
   */
  withoutScaleAndClassifierMs: number;
  scaleAndClassifierRatio: number;
  peakRssMB: number;
  idleRssMB: number;
}

export async function runPipelineBench(opts: { rounds?: number; images?: string[] } = {}): Promise<PipelineBench> {
  const rounds = opts.rounds ?? 20;
  const dir = path.join(PROJECT_ROOT, 'demo', 'images');
  const files =
    opts.images ??
    readdirSync(dir)
      .filter((f) => /\.(jpe?g|png)$/i.test(f))
      .map((f) => path.join(dir, f));
  const engine = await loadEngine({ modelsDir: path.join(PROJECT_ROOT, 'models'), backend: 'onnxruntime', threads: 0 });
  const idleRssMB = process.memoryUsage().rss / 2 ** 20;
  const buffers = files.map((f) => readFileSync(f));

  // The models alone, on the first field's tensors.
  const first = await decodeImage(buffers[0]);
  const modelsAlone: Record<string, Timing> = {};
  for (const { model, detector } of engine.detectors.values()) {
    const { tensor } = await letterboxTensor(first, model.input[0], model.input[1]);
    modelsAlone[model.id] = await measure(() => detector.run(tensor), rounds * 2);
  }

  const samples: Record<string, number[]> = {};
  const add = (k: string, v: number) => (samples[k] ??= []).push(v);
  let peak = 0;
  const before: number[] = [];
  for (let r = 0; r < rounds + 2; r++) {
    for (const buf of buffers) {
      // Interleaved with the full pipeline, so both see the same machine load.
      const tb = performance.now();
      await analyzeField(engine, buf, { scale: { given: 0.08 }, typing: 'detectors' });
      if (r >= 2) before.push(performance.now() - tb);
      const t0 = performance.now();
      const a = await analyzeField(engine, buf);
      const total = performance.now() - t0;
      peak = Math.max(peak, process.memoryUsage().rss);
      if (r < 2) continue; // warm-up
      add('decode', a.timings.decodeMs);
      add('quality (during the first run)', a.timings.qualityMs);
      add('colour statistics + letterbox (waited for)', a.timings.letterboxMs);
      for (const [id, ms] of Object.entries(a.timings.modelMs)) add(`model ${id} (session.run in pipeline)`, ms);
      add('decoding+NMS', a.timings.postprocessMs);
      add('fusion', a.timings.fusionMs);
      add('scale (red cells) + background', a.timings.scaleMs);
      add('cell classifier (crops + model)', a.timings.typingMs);
      add('total', total);
      add('ratio in pipeline', total / Object.values(a.timings.modelMs).reduce((x, y) => x + y, 0));
    }
  }
  await engine.close();
  const ratioInPipeline = summarize(samples['ratio in pipeline']).medianMs;
  delete samples['ratio in pipeline'];
  const stages = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, summarize(v)]));
  const alone = Object.values(modelsAlone).reduce((a, t) => a + t.medianMs, 0);
  return {
    fields: files.map((f) => path.basename(f)),
    stages,
    modelsAlone,
    fieldsPerMinute: 60_000 / stages.total.medianMs,
    overheadRatio: stages.total.medianMs / alone,
    overheadRatioInPipeline: ratioInPipeline,
    peakRssMB: peak / 2 ** 20,
    idleRssMB,
    withoutScaleAndClassifierMs: summarize(before).medianMs,
    scaleAndClassifierRatio: stages.total.medianMs / summarize(before).medianMs,
  };
}
