/**
 * Chooses each model's box voting on TXL-PBC val (never on test): runs every model once over the
 * split, decodes the same raw outputs with plain NMS and with every voting setting, measures the
 * class-agnostic COCO mAP, prints the grid and, with --write, stores the choice in models/manifest.json.
 * Run it after an export (which writes a model's entry afresh) and before scripts/tune-ensemble.ts.
 *   node bin/run-ts.mjs scripts/tune-decoding.ts [--data datasets/build] [--write] [--out models/eval/decoding-val.md]
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { backgroundRgb } from '../src/core/analysis/background.ts';
import { decodeImage } from '../src/core/analysis/image-input.ts';
import { PROJECT_ROOT } from '../src/project-root.ts';
import { evaluate } from '../src/eval/coco-eval.ts';
import { chooseVoting, votingGrid, votingName, type VotingCandidate } from '../src/eval/decoding-tuning.ts';
import { loadLeukocyteSplit, toCocoDetections } from '../src/eval/run-eval.ts';
import { fuseSingle } from '../src/core/ensemble/single.ts';
import { fieldLuts } from '../src/core/inference/colour.ts';
import { decodeOutput } from '../src/core/inference/decode.ts';
import type { RawOutput } from '../src/core/inference/detector.ts';
import { loadEngine } from '../src/core/inference/engine.ts';
import { rewriteManifest } from '../src/core/inference/manifest.ts';
import { letterboxTensor, type Letterbox } from '../src/core/inference/preprocess.ts';

const { values: o } = parseArgs({
  options: {
    data: { type: 'string', default: path.join(PROJECT_ROOT, 'datasets', 'build') },
    write: { type: 'boolean', default: false },
    out: { type: 'string', default: path.join(PROJECT_ROOT, 'models', 'eval', 'decoding-val.md') },
  },
});

const modelsDir = path.join(PROJECT_ROOT, 'models');
const { gt, imageRoot } = await loadLeukocyteSplit(path.join(o.data!, 'txl-wbc', 'val.json'));
const engine = await loadEngine({ modelsDir, backend: 'onnxruntime', threads: 2 });
const grid = votingGrid();
const chosen = new Map<string, VotingCandidate>();
const f = (v: number) => v.toFixed(3);
const lines = [
  'Box voting chosen per model on TXL-PBC val, class-agnostic COCO IoU .50:.95 (`node bin/run-ts.mjs scripts/tune-decoding.ts --write`).',
  'vote@I^P: each kept box is the mean of the candidates overlapping it at IoU >= I, weighted by leukocyte probability ^ P.',
  '',
  `| setting | ${engine.manifest.models.map((m) => `${m.id} mAP | ${m.id} mAR`).join(' | ')} |`,
  `|---|${engine.manifest.models.map(() => '---|---').join('|')}|`,
];
try {
  const results = new Map<string, VotingCandidate[]>();
  for (const { model, detector } of engine.detectors.values()) {
    const outputs: { imageId: number; width: number; height: number; out: RawOutput; lb: Letterbox }[] = [];
    for (const image of gt.images) {
      const img = await decodeImage(path.resolve(imageRoot, image.file_name));
      const lt = await letterboxTensor(img, model.input[0], model.input[1], fieldLuts(img.rgb, engine.manifest.colourNormalisation, backgroundRgb(img)));
      outputs.push({ imageId: image.id, width: img.width, height: img.height, out: await detector.run(lt.tensor), lb: lt.letterbox });
    }
    const candidates = grid.map((voting) => {
      const dets = outputs.flatMap((r) => toCocoDetections(r.imageId, fuseSingle([decodeOutput(r.out, r.lb, r, { ...model, boxVoting: voting })], 0), false));
      const s = evaluate(gt, dets, { classAgnostic: true }).stats;
      return { voting, mAP: s[0], mAR: s[8] };
    });
    results.set(model.id, candidates);
    chosen.set(model.id, chooseVoting(candidates));
    process.stderr.write(`${model.id}: ${votingName(chosen.get(model.id)!.voting)}\n`);
  }
  grid.forEach((v, i) => {
    const cells = engine.manifest.models.map((m) => `${f(results.get(m.id)![i].mAP)} | ${f(results.get(m.id)![i].mAR)}`);
    lines.push(`| ${votingName(v)} | ${cells.join(' | ')} |`);
  });
  lines.push('', `Rule: highest mAP, then mAR; plain NMS unless voting beats it. Chosen: ${[...chosen].map(([id, c]) => `${id} ${votingName(c.voting)}`).join(', ')}.`);
  console.log(lines.join('\n'));
  writeFileSync(o.out!, lines.join('\n') + '\n');
  if (o.write) {
    const manifestFile = await rewriteManifest(modelsDir, (manifest) => {
      for (const m of manifest.models) {
        const c = chosen.get(m.id as string);
        if (!c) continue;
        if (c.voting) m.boxVoting = c.voting;
        else delete m.boxVoting;
      }
    });
    console.log(`wrote box voting into ${manifestFile}`);
  }
} finally {
  await engine.close();
}
