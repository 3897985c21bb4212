/**
 * Chooses the ensemble's fusion mode and IoU threshold on the validation split (never on test):
 * runs the members once over TXL-PBC val (class-agnostic) and BCCD val (5 types), measures every
 * mode at every threshold, prints the grid and, with --write, stores the choice in models/manifest.json.
 *   node bin/run-ts.mjs scripts/tune-ensemble.ts [--data datasets/build] [--write] [--out models/eval/fusion-val.md]
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../src/project-root.ts';
import { chooseFusion, fusionGrid, type FusionMode } from '../src/eval/fusion-tuning.ts';
import { evaluateRow, loadLeukocyteSplit, rowSpecs, runModels, type RowResult, type RowSpec } from '../src/eval/run-eval.ts';
import { loadEngine, type Engine } from '../src/core/inference/engine.ts';
import { rewriteManifest } from '../src/core/inference/manifest.ts';

const { values: o } = parseArgs({
  options: {
    data: { type: 'string', default: path.join(PROJECT_ROOT, 'datasets', 'build') },
    write: { type: 'boolean', default: false },
    out: { type: 'string', default: path.join(PROJECT_ROOT, 'models', 'eval', 'fusion-val.md') },
  },
});

/** The members alone, then every grid row, measured on one dataset from a single run of each member. */
async function measure(engine: Engine, file: string, grid: RowSpec[]): Promise<{ typed: boolean; rows: RowResult[] }> {
  const { gt, typed, imageRoot } = await loadLeukocyteSplit(file);
  const specs = [...rowSpecs(engine, 'all').filter((s) => s.fusion.mode === 'single'), ...grid];
  const runs = await runModels(engine, gt, imageRoot, engine.manifest.ensemble.members, {
    onProgress: (d, n) => d % 50 === 0 && process.stderr.write(`${path.basename(path.dirname(file))}: ${d}/${n}\n`),
  });
  const rows = [];
  for (const s of specs) rows.push(await evaluateRow(engine, gt, typed, runs, s));
  return { typed, rows };
}

const modelsDir = path.join(PROJECT_ROOT, 'models');
const engine = await loadEngine({ modelsDir, backend: 'onnxruntime', threads: 2 });
const grid = fusionGrid(engine.manifest.ensemble.members);
try {
  const txl = await measure(engine, path.join(o.data!, 'txl-wbc', 'val.json'), grid);
  const bccd = await measure(engine, path.join(o.data!, 'bccd-typed', 'val.json'), grid);
  const nMembers = engine.manifest.ensemble.members.length;
  const bestMemberMAR = Math.max(...txl.rows.slice(0, nMembers).map((r) => r.row.mAR));
  const candidates = txl.rows.slice(nMembers).map((r, i) => {
    const { mode, iou } = grid[i].fusion as { mode: FusionMode; iou: number };
    return { mode, iou, mAP: r.row.mAP, mAR: r.row.mAR };
  });
  const { choice, qualified } = chooseFusion(candidates, bestMemberMAR);
  const f = (v: number) => v.toFixed(3);
  const lines = [
    'Fusion chosen on the validation splits (`node bin/run-ts.mjs scripts/tune-ensemble.ts --write`): TXL-PBC val class-agnostic, BCCD val 5-type, COCO IoU .50:.95.',
    '',
    '| row | TXL val mAP | TXL val AP50 | TXL val mAR | BCCD val typed mAP |',
    '|---|---|---|---|---|',
    ...txl.rows.map((r, i) => `| ${r.row.name} | ${f(r.row.mAP)} | ${f(r.row.AP50)} | ${f(r.row.mAR)} | ${f(bccd.rows[i].row.mAP)} |`),
    '',
    'Candidates: paper at any IoU and nms up to IoU 0.5; wbf (per-type clusters) and nms above 0.5 can count one cell twice.',
    `Rule: highest TXL val mAP among those whose mAR >= the best member's (${f(bestMemberMAR)})` +
      `${qualified ? '' : ' (none reached it, so among all of them)'}. Chosen: ${choice.mode} at IoU ${choice.iou.toFixed(2)}.`,
  ];
  console.log(lines.join('\n'));
  writeFileSync(o.out!, lines.join('\n') + '\n');
  if (o.write) {
    const file = await rewriteManifest(modelsDir, (manifest) => {
      manifest.ensemble = { ...manifest.ensemble, mode: choice.mode, iou: choice.iou };
    });
    console.log(`wrote ensemble ${choice.mode}@${choice.iou} into ${file}`);
  }
} finally {
  await engine.close();
}
