/**
 * Where the ensemble misses at IoU 0.5 on a class-agnostic dataset (the AP50 the model card reports):
 * labelled cells it never found, and confident cells no label matches, with crops to look at.
 * Each miss is either a model's error or a label fault; the crops tell which. With --label-faults (a
 * file like models/eval/txl-test-label-faults.json) it also scores every row with those faults set to
 * COCO ignore regions.
 *   node bin/run-ts.mjs scripts/list-misses.ts [--dataset datasets/build/txl-wbc/test.json] [--min-score 0.3] [--crops DIR]
 *     [--label-faults models/eval/txl-test-label-faults.json]
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { PROJECT_ROOT } from '../src/project-root.ts';
import { evaluate } from '../src/eval/coco-eval.ts';
import { fromCocoBbox, ignoreLabelFaults, missesAtIoU50, parseLabelFaults } from '../src/eval/label-faults.ts';
import { evaluateRow, loadLeukocyteSplit, rowSpecs, runModels } from '../src/eval/run-eval.ts';
import { loadEngine } from '../src/core/inference/engine.ts';

const { values: o } = parseArgs({
  options: {
    dataset: { type: 'string', default: path.join(PROJECT_ROOT, 'datasets', 'build', 'txl-wbc', 'test.json') },
    'min-score': { type: 'string', default: '0.3' },
    crops: { type: 'string' },
    'label-faults': { type: 'string' },
  },
});

const minScore = Number(o['min-score']);
const engine = await loadEngine({ modelsDir: path.join(PROJECT_ROOT, 'models'), backend: 'onnxruntime', threads: 2 });
try {
  const { gt, imageRoot: root } = await loadLeukocyteSplit(o.dataset!);
  const runs = await runModels(engine, gt, root, engine.manifest.ensemble.members);
  const rows = [];
  for (const spec of rowSpecs(engine, 'all')) rows.push(await evaluateRow(engine, gt, false, runs, spec));
  const faults = o['label-faults'] ? parseLabelFaults(JSON.parse(readFileSync(o['label-faults'], 'utf8'))) : [];
  const fixedGt = ignoreLabelFaults(gt, faults);
  const f = (v: number) => v.toFixed(3);
  console.log(`${path.basename(o.dataset!)}: ${gt.annotations.length} labelled cells; ${faults.length} label faults ignored in the right-hand columns`);
  console.log('| row | mAP | AP50 | mAR | mAP, faults ignored | AP50, faults ignored | mAR, faults ignored |\n|---|---|---|---|---|---|---|');
  for (const { row, detections } of rows) {
    const fixed = evaluate(fixedGt, detections, { classAgnostic: true }).stats;
    console.log(`| ${row.name} | ${f(row.mAP)} | ${f(row.AP50)} | ${f(row.mAR)} | ${f(fixed[0])} | ${f(fixed[1])} | ${f(fixed[8])} |`);
  }
  const { detections } = rows.find((r) => r.row.name === 'ensemble')!;
  console.log('\nmisses of the ensemble at IoU 0.5 (no.  kind  confidence  file  box):');
  if (o.crops) mkdirSync(o.crops, { recursive: true });
  let n = 0;
  for (const image of gt.images) {
    const labels = gt.annotations.filter((a) => a.image_id === image.id).map((a) => fromCocoBbox(a.bbox));
    const dets = detections.filter((d) => d.image_id === image.id).map((d) => ({ box: fromCocoBbox(d.bbox), score: d.score }));
    for (const m of missesAtIoU50(labels, dets, minScore)) {
      const [x1, y1, x2, y2] = m.box.map(Math.round);
      const name = `${String(++n).padStart(2, '0')}-${m.kind.replace(' ', '-')}-${path.basename(image.file_name, path.extname(image.file_name))}.png`;
      console.log(`${n}\t${m.kind}\t${m.score?.toFixed(2) ?? ''}\t${image.file_name}\t[${x1}, ${y1}, ${x2}, ${y2}]${o.crops ? `\t${name}` : ''}`);
      if (!o.crops) continue;
      const pad = 40;
      const left = Math.max(0, x1 - pad);
      const top = Math.max(0, y1 - pad);
      const width = Math.min(image.width, x2 + pad) - left;
      const height = Math.min(image.height, y2 + pad) - top;
      const frame = Buffer.from(
        `<svg width="${width}" height="${height}"><rect x="${x1 - left}" y="${y1 - top}" width="${x2 - x1}" height="${y2 - y1}" fill="none" stroke="${m.kind === 'not found' ? 'lime' : 'red'}" stroke-width="2"/></svg>`,
      );
      await sharp(path.resolve(root, image.file_name))
        .extract({ left, top, width, height })
        .composite([{ input: frame }])
        .png()
        .toFile(path.join(o.crops, name));
    }
  }
} finally {
  await engine.close();
}
