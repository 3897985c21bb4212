/**
 * Chooses the colour normalisation (src/core/inference/colour.ts) on the validation splits, never on test:
 * the target is the mean per-channel statistics and the mean background colour (the white balance's
 * target) of the BCCD typed training fields (the only typed ones); each strength is measured with
 * the ensemble on BCCD val (5 types, clean and under every interference factor) and TXL-PBC val
 * (clean localisation); the rule of src/eval/colour-tuning.ts
 * picks one, and --write stores it in models/manifest.json. Box voting and fusion are tuned after it.
 *   node bin/run-ts.mjs scripts/tune-colour.ts [--data datasets/build] [--write] [--out models/eval/colour-val.md]
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { backgroundRgb } from '../src/core/analysis/background.ts';
import { decodeImage } from '../src/core/analysis/image-input.ts';
import { PROJECT_ROOT } from '../src/project-root.ts';
import { chooseStrength, COLOUR_STRENGTHS, meanTypedMAP, trainingTarget, type StrengthCandidate } from '../src/eval/colour-tuning.ts';
import { INTERFERENCES, type Interference } from '../src/eval/interference.ts';
import { evaluateRow, loadLeukocyteSplit, rowSpecs, runModels, type LeukocyteSplit } from '../src/eval/run-eval.ts';
import { channelStats } from '../src/core/inference/colour.ts';
import { loadEngine } from '../src/core/inference/engine.ts';
import { rewriteManifest } from '../src/core/inference/manifest.ts';

const { values: o } = parseArgs({
  options: {
    data: { type: 'string', default: path.join(PROJECT_ROOT, 'datasets', 'build') },
    write: { type: 'boolean', default: false },
    out: { type: 'string', default: path.join(PROJECT_ROOT, 'models', 'eval', 'colour-val.md') },
  },
});

const modelsDir = path.join(PROJECT_ROOT, 'models');
const engine = await loadEngine({ modelsDir, backend: 'onnxruntime', threads: 2 });
try {
  const train = await loadLeukocyteSplit(path.join(o.data!, 'bccd-typed', 'train.json'));
  const fieldStats = [];
  const backgrounds: [number, number, number][] = [];
  for (const image of train.gt.images) {
    const img = await decodeImage(path.resolve(train.imageRoot, image.file_name));
    fieldStats.push(channelStats(img.rgb, 4));
    backgrounds.push(backgroundRgb(img));
  }
  const target = trainingTarget(fieldStats);
  const round2 = (v: number[]) => v.map((x) => Math.round(x * 100) / 100) as [number, number, number];
  const rounded = { mean: round2(target.mean), std: round2(target.std) };
  const background = round2([0, 1, 2].map((c) => backgrounds.reduce((sum, b) => sum + b[c], 0) / backgrounds.length));

  /** The ensemble's mAP on one split, under one interference factor or clean. */
  async function ensembleMAP(split: LeukocyteSplit, interference?: Interference): Promise<number> {
    const runs = await runModels(engine, split.gt, split.imageRoot, engine.manifest.ensemble.members, { interference });
    return (await evaluateRow(engine, split.gt, split.typed, runs, rowSpecs(engine, 'ensemble')[0])).row.mAP;
  }
  // Each val split is loaded once for every strength and interference factor.
  const bccdVal = await loadLeukocyteSplit(path.join(o.data!, 'bccd-typed', 'val.json'));
  const txlVal = await loadLeukocyteSplit(path.join(o.data!, 'txl-wbc', 'val.json'));

  const candidates: StrengthCandidate[] = [];
  for (const strength of COLOUR_STRENGTHS) {
    engine.manifest.colourNormalisation = { strength, target: rounded, background };
    const typedMAP = [await ensembleMAP(bccdVal)];
    for (const f of INTERFERENCES) typedMAP.push(await ensembleMAP(bccdVal, f));
    candidates.push({ strength, localisationMAP: await ensembleMAP(txlVal), typedMAP });
    process.stderr.write(`strength ${strength}: done\n`);
  }
  const choice = chooseStrength(candidates);
  const f = (v: number) => v.toFixed(3);
  const lines = [
    'Colour normalisation chosen on the validation splits (`node bin/run-ts.mjs scripts/tune-colour.ts --write`), ensemble as in the manifest.',
    `Target (BCCD typed train, ${train.gt.images.length} fields, mean of the per-field statistics): RGB mean ${rounded.mean.join(', ')}, std ${rounded.std.join(', ')}; background ${background.join(', ')} (each field is first white-balanced to it).`,
    '',
    `| strength | TXL val mAP (clean) | BCCD val typed mAP: clean | ${INTERFERENCES.join(' | ')} | mean |`,
    `|---|---|---|${INTERFERENCES.map(() => '---').join('|')}|---|`,
    ...candidates.map((c) => `| ${c.strength} | ${f(c.localisationMAP)} | ${c.typedMAP.map(f).join(' | ')} | ${f(meanTypedMAP(c))} |`),
    '',
    `Rule: the highest mean typed mAP among the strengths that cost at most 0.01 clean TXL val mAP. Chosen: strength ${choice.strength}.`,
  ];
  console.log(lines.join('\n'));
  writeFileSync(o.out!, lines.join('\n') + '\n');
  if (o.write) {
    const file = await rewriteManifest(modelsDir, (manifest) => {
      manifest.colourNormalisation = { strength: choice.strength, target: rounded, background };
    });
    console.log(`wrote colour normalisation (strength ${choice.strength}) into ${file}`);
  }
} finally {
  await engine.close();
}
