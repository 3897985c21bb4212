/**
 * The scale test: each test field as a 0.4x to 2x magnification would show it (src/eval/magnification.ts),
 * through the daemon's analysis with its measured scale (whole, canvas or tiles; classifier typing)
 * and, for comparison, as before the scale existed (every field whole, the detectors' own types).
 *
 *   node bin/run-ts.mjs scripts/magnification-test.ts --dataset datasets/build/txl-wbc/test.json \
 *       [--dataset datasets/build/bccd-typed/test.json] [--m 0.4,0.5,0.67,1,1.5,2] [--out models/eval/magnification.md]
 *       [--models DIR] [--pipelines scale,before]
 * A candidate model set (--models) is compared on the val splits with --pipelines scale.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { decodeImage } from '../src/core/analysis/image-input.ts';
import { PROJECT_ROOT } from '../src/project-root.ts';
import type { CocoAnnotation, CocoDataset } from '../src/eval/coco-types.ts';
import { magnify } from '../src/eval/magnification.ts';
import { evaluateRow, loadLeukocyteSplit, rowSpecs, runModels, type LeukocyteSplit } from '../src/eval/run-eval.ts';
import { loadEngine, type Engine } from '../src/core/inference/engine.ts';

const { values: o } = parseArgs({
  options: {
    dataset: { type: 'string', multiple: true },
    m: { type: 'string', default: '0.4,0.5,0.67,1,1.5,2' },
    models: { type: 'string' },
    pipelines: { type: 'string', default: 'scale,before' },
    out: { type: 'string' },
  },
});
if (!o.dataset?.length) throw new Error('give at least one --dataset (a COCO file of datasets/build)');
if (o.models && !o.out) throw new Error("with --models give --out too: the default file is the shipped models' table");
const out = o.out ?? path.join(PROJECT_ROOT, 'models', 'eval', 'magnification.md');
const factors = o.m!.split(',').map(Number);
const PIPELINES = ['scale', 'before'] as const;
const pipelines = o.pipelines!.split(',') as (typeof PIPELINES)[number][];
if (!pipelines.every((p) => PIPELINES.includes(p))) throw new Error(`--pipelines takes ${PIPELINES.join(',')}, got ${o.pipelines}`);

async function magnified(split: LeukocyteSplit, m: number, dir: string): Promise<LeukocyteSplit> {
  const images = [];
  const annotations: CocoAnnotation[] = [];
  for (const image of split.gt.images) {
    const img = await decodeImage(path.resolve(split.imageRoot, image.file_name));
    const own = split.gt.annotations.filter((a) => a.image_id === image.id).map(({ id: _id, image_id: _im, ...a }) => a);
    const out = await magnify(img, own, m);
    const file = `${image.id}.png`;
    writeFileSync(path.join(dir, file), out.png);
    images.push({ ...image, file_name: file, width: img.width, height: img.height });
    for (const a of out.annotations) annotations.push({ ...a, id: annotations.length + 1, image_id: image.id });
  }
  const gt: CocoDataset = { ...split.gt, images, annotations };
  return { gt, typed: split.typed, imageRoot: dir };
}

async function measure(engine: Engine, split: LeukocyteSplit, pipeline: 'scale' | 'before') {
  const saved = engine.manifest.detectorScale;
  if (pipeline === 'before') delete engine.manifest.detectorScale;
  try {
    const runs = await runModels(engine, split.gt, split.imageRoot, engine.manifest.ensemble.members);
    return (await evaluateRow(engine, split.gt, split.typed, runs, rowSpecs(engine, 'ensemble')[0], pipeline === 'scale' ? undefined : 'detectors')).row;
  } finally {
    if (saved) engine.manifest.detectorScale = saved;
  }
}

const engine = await loadEngine({ modelsDir: o.models ? path.resolve(o.models) : path.join(PROJECT_ROOT, 'models'), backend: 'onnxruntime', threads: 2 });
const lines = [
  '# Scale test: the test splits at other magnifications',
  '',
  `Command: \`node bin/run-ts.mjs scripts/magnification-test.ts ${process.argv.slice(2).join(' ')}\``,
  '',
  'm > 1: the middle 1/m of each field enlarged m times (cells half out of view are ignore regions); m < 1: the field reduced m times',
  "on a canvas of its background colour. 'scale': the shipped analysis (measured scale, whole/canvas/tiles, the cell classifier's",
  "types); 'before': every field whole and the detectors' own types, as before the scale existed.",
  '',
  '| dataset | m | pipeline | AP50 | mAP | mAR | typed right | duplicates / 100 |',
  '|---|---|---|---|---|---|---|---|',
];
const f3 = (v: number | null) => (v === null ? '-' : v.toFixed(3));
try {
  for (const file of o.dataset) {
    const split = await loadLeukocyteSplit(file);
    for (const m of factors) {
      const dir = mkdtempSync(path.join(tmpdir(), 'leukodiff-mag-'));
      try {
        const view = await magnified(split, m, dir);
        for (const pipeline of pipelines) {
          const r = await measure(engine, view, pipeline);
          const line = `| ${path.relative(PROJECT_ROOT, file)} | ${m} | ${pipeline} | ${f3(r.AP50)} | ${f3(r.mAP)} | ${f3(r.mAR)} | ${f3(r.typedAccuracy)} | ${r.duplicatesPer100.toFixed(2)} |`;
          console.log(line);
          lines.push(line);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
} finally {
  await engine.close();
}
writeFileSync(out, lines.join('\n') + '\n');
console.log(`wrote ${out}`);
