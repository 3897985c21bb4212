/**
 * Single-cell analyser crops through the whole analysis, as a clinic with such an analyser would
 * send them: PBC's test split (the split of scripts/train/cellcls/prepare.py: sha256-hashed, PBC
 * images that are TXL-PBC fields left out). Per crop, the cell nearest the centre is the labelled
 * one; it counts as found when a cell's box holds the crop's centre.
 *   node bin/run-ts.mjs scripts/crop-test.ts --pbc <PBC_dataset_normal_DIB> [--txl-coco datasets/build/txl-wbc] [--every 1]
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { analyzeField } from '../src/core/analysis/analyze.ts';
import { PROJECT_ROOT } from '../src/project-root.ts';
import type { ClassifierClass } from '../src/contracts/vocabulary.ts';
import { loadEngine } from '../src/core/inference/engine.ts';

const { values: o } = parseArgs({
  options: {
    pbc: { type: 'string' },
    'txl-coco': { type: 'string', default: path.join(PROJECT_ROOT, 'datasets', 'build', 'txl-wbc') },
    every: { type: 'string', default: '1' },
  },
});
if (!o.pbc) throw new Error('--pbc <PBC_dataset_normal_DIB folder> is required');

/** PBC folder -> the class the analysis should give. */
const EXPECTED: Record<string, ClassifierClass> = {
  neutrophil: 'neutrophil',
  eosinophil: 'eosinophil',
  basophil: 'basophil',
  lymphocyte: 'lymphocyte',
  monocyte: 'monocyte',
  ig: 'immature_granulocyte',
  erythroblast: 'erythroblast',
};

const txl = new Set<string>();
for (const split of ['train', 'val', 'test']) {
  for (const im of JSON.parse(readFileSync(path.join(o['txl-coco']!, `${split}.json`), 'utf8')).images) txl.add(im.sha256);
}
const isTest = (sha: string) => parseInt(sha.slice(0, 8), 16) / 0xffffffff >= 0.925;

const engine = await loadEngine({ modelsDir: path.join(PROJECT_ROOT, 'models'), backend: 'onnxruntime', threads: 2 });
const rows = new Map<string, { crops: number; found: number; right: number; extra: number; scaleMeasured: number; canvas: number; classes: Record<string, number> }>();
try {
  for (const [folder, expected] of Object.entries(EXPECTED)) {
    const files = readdirSync(path.join(o.pbc, folder))
      .filter((f) => !f.startsWith('.') && /\.jpe?g$/i.test(f))
      .sort();
    let n = 0;
    for (const f of files) {
      const file = path.join(o.pbc, folder, f);
      const bytes = readFileSync(file);
      const sha = createHash('sha256').update(bytes).digest('hex');
      if (txl.has(sha) || !isTest(sha) || n++ % Number(o.every) !== 0) continue;
      const a = await analyzeField(engine, bytes);
      const cx = a.image.width / 2;
      const cy = a.image.height / 2;
      const centre = a.cells.find((c) => c.box[0] <= cx && cx <= c.box[2] && c.box[1] <= cy && cy <= c.box[3]);
      const r = rows.get(expected) ?? { crops: 0, found: 0, right: 0, extra: 0, scaleMeasured: 0, canvas: 0, classes: {} };
      r.crops++;
      if (centre) {
        r.found++;
        if (centre.cellClass === expected) r.right++;
        r.classes[centre.cellClass] = (r.classes[centre.cellClass] ?? 0) + 1;
      }
      r.extra += a.cells.length - (centre ? 1 : 0);
      if (a.scale.source === 'measured') r.scaleMeasured++;
      if (a.view.kind === 'canvas') r.canvas++;
      rows.set(expected, r);
    }
  }
} finally {
  await engine.close();
}
console.log('| PBC class | crops | centre cell found | typed right (of found) | other cells per crop | scale measured | canvas | centre cell called |');
console.log('|---|---|---|---|---|---|---|---|');
const pct = (a: number, b: number) => (b ? `${((100 * a) / b).toFixed(1)} %` : '-');
for (const [cls, r] of rows) {
  const called = Object.entries(r.classes)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  console.log(
    `| ${cls} | ${r.crops} | ${pct(r.found, r.crops)} | ${pct(r.right, r.found)} | ${(r.extra / r.crops).toFixed(2)} | ${pct(r.scaleMeasured, r.crops)} | ${pct(r.canvas, r.crops)} | ${called} |`,
  );
}
