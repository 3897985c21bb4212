/**
 * Where the ensemble loses localisation against its best member, on class-agnostic datasets:
 * the members alone, the shipped ensemble, the ensemble with each cell's box taken from one member
 * (what the paper rule's confidence-weighted mean box costs), with the other members' boxes weighted
 * down in that mean (what such a change of the rule would buy), and the ensemble
 * fed with the members' detections down to a low threshold (what the members' thresholds cost in
 * recall), both with all fused cells and with the cells kept above the leukocyte confidence that
 * gives no more false cells than shipped on the first dataset. Counts are at IoU 0.5, every cell counted.
 *   node bin/run-ts.mjs scripts/fusion-limits.ts [--data datasets/build] [--low 0.1] [--out models/eval/fusion-limits.md]
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../src/project-root.ts';
import { fuse } from '../src/core/ensemble/index.ts';
import { evaluate } from '../src/eval/coco-eval.ts';
import type { CocoDataset } from '../src/eval/coco-types.ts';
import { withWeightedBoxes } from '../src/eval/fusion-limits.ts';
import { fromCocoBbox, missesAtIoU50 } from '../src/eval/label-faults.ts';
import { loadLeukocyteSplit, runModels, toCocoDetections, type LeukocyteSplit } from '../src/eval/run-eval.ts';
import { loadEngine } from '../src/core/inference/engine.ts';
import type { Box, Detection, FusedCell } from '../src/core/types.ts';

const { values: o } = parseArgs({
  options: {
    data: { type: 'string', default: path.join(PROJECT_ROOT, 'datasets', 'build') },
    low: { type: 'string', default: '0.1' },
    out: { type: 'string', default: path.join(PROJECT_ROOT, 'models', 'eval', 'fusion-limits.md') },
  },
});
const low = Number(o.low);
if (!(low > 0 && low < 1)) throw new Error(`--low must be a threshold between 0 and 1, not '${o.low}'`);

type Field = { imageId: number; width: number; height: number; perModel: Detection[][]; labels: Box[] };
type CellsOf = (f: Field) => FusedCell[];
type Fields = { gt: CocoDataset; fields: Field[] };
type Row = [name: string, data: Fields, cellsOf: CellsOf];

const engine = await loadEngine({ modelsDir: path.join(PROJECT_ROOT, 'models'), backend: 'onnxruntime', threads: 2 });
const { members, iou } = engine.manifest.ensemble;
const memberEntries = members.map((id) => engine.manifest.models.find((m) => m.id === id)!);
const shippedThresholds = memberEntries.map((m) => m.scoreThreshold);
const f3 = (v: number) => v.toFixed(3);

/** The members' detections per field of a split, at the shipped thresholds or at `low`. */
async function runFields(split: LeukocyteSplit, threshold: 'shipped' | 'low'): Promise<Fields> {
  memberEntries.forEach((m, i) => (m.scoreThreshold = threshold === 'low' ? Math.min(low, shippedThresholds[i]) : shippedThresholds[i]));
  const runs = await runModels(engine, split.gt, split.imageRoot, members);
  memberEntries.forEach((m, i) => (m.scoreThreshold = shippedThresholds[i]));
  const labels = new Map<number, Box[]>();
  for (const a of split.gt.annotations) if (!a.iscrowd) labels.set(a.image_id, [...(labels.get(a.image_id) ?? []), fromCocoBbox(a.bbox)]);
  const fields: Field[] = runs.map((r) => ({ ...r, perModel: members.map((id) => r.perModel.get(id)!.detections), labels: labels.get(r.imageId) ?? [] }));
  return { gt: split.gt, fields };
}

function measure(data: Fields, cellsOf: CellsOf) {
  const detections = [];
  let falseCells = 0,
    missed = 0,
    labelled = 0;
  for (const field of data.fields) {
    const cells = cellsOf(field);
    detections.push(...toCocoDetections(field.imageId, cells, false));
    const misses = missesAtIoU50(
      field.labels,
      cells.map((c) => ({ box: c.box, score: c.leukocyte })),
      0,
    );
    falseCells += misses.filter((m) => m.kind === 'unlabelled').length;
    missed += misses.filter((m) => m.kind === 'not found').length;
    labelled += field.labels.length;
  }
  const s = evaluate(data.gt, detections, { classAgnostic: true }).stats;
  return { mAP: s[0], AP50: s[1], AP75: s[2], mAR: s[8], found: labelled - missed, falseCells, missed };
}

/** Member i's own detections as cells. */
const alone =
  (i: number): CellsOf =>
  (f) =>
    fuse([f.perModel[i]], { mode: 'single', member: 0 }, f);

/** The member with the highest mAP alone. */
function bestMember(data: Fields): number {
  const mAP = members.map((_, i) => measure(data, alone(i)).mAP);
  return mAP.indexOf(Math.max(...mAP));
}

const paper = (f: Field) => fuse(f.perModel, { mode: 'paper', iou }, f);
const CELL_THRESHOLDS = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5];
/** Weights in the box mean for the members other than the best one (by val mAP alone), which keeps 1. */
const OTHER_WEIGHTS = [0.5, 0.25];

const lines = [
  `The paper rule against its members on class-agnostic splits (\`node bin/run-ts.mjs scripts/fusion-limits.ts\`); paper at IoU ${iou}.`,
  'COCO mAP/AP50/AP75/mAR@[.5:.95]; found / false / missed: cells at IoU 0.5, every cell counted.',
  'The best member (for the weighted box means) and the cell threshold are chosen on val and applied unchanged to test.',
];
let cellThreshold: number | undefined;
let best: number | undefined;
try {
  for (const split of ['val', 'test']) {
    const file = path.join(o.data!, 'txl-wbc', `${split}.json`);
    const dataset = await loadLeukocyteSplit(file);
    if (dataset.typed) throw new Error(`${file} is typed; this analysis is class-agnostic (use a txl-wbc split)`);
    const shipped = await runFields(dataset, 'shipped');
    const lowered = await runFields(dataset, 'low');
    const shippedFalse = measure(shipped, paper).falseCells;
    // Chosen on the first split (val) and applied unchanged to the next.
    cellThreshold ??= CELL_THRESHOLDS.find((c) => measure(lowered, (f) => paper(f).filter((x) => x.leukocyte >= c)).falseCells <= shippedFalse) ?? 0.5;
    const c = cellThreshold;
    best ??= bestMember(shipped);
    const b = best;
    const rows: Row[] = [
      ...members.map((id, i): Row => [`${id} alone`, shipped, alone(i)]),
      ['ensemble (shipped)', shipped, paper],
      ...OTHER_WEIGHTS.map((w): Row => [
        `ensemble, box mean with ${members[b]} at 1 and the others at ${w}`,
        shipped,
        (f) =>
          withWeightedBoxes(
            paper(f),
            f.perModel,
            members.map((_, m) => (m === b ? 1 : w)),
            iou,
          ),
      ]),
      ...members.map((id, i): Row => [
        `ensemble, ${id}'s box where it backs the cell`,
        shipped,
        (f) =>
          withWeightedBoxes(
            paper(f),
            f.perModel,
            members.map((_, m) => (m === i ? 1 : 0)),
            iou,
          ),
      ]),
      [`ensemble, members down to ${low}`, lowered, paper],
      [`ensemble, members down to ${low}, cells >= ${c}`, lowered, (f) => paper(f).filter((x) => x.leukocyte >= c)],
    ];
    lines.push(
      '',
      `### TXL-PBC ${split}${split === 'test' ? ' (exact duplicate boxes removed)' : ''}`,
      '',
      '| row | mAP | AP50 | AP75 | mAR | found | false | missed |',
      '|---|---|---|---|---|---|---|---|',
    );
    for (const [name, data, cellsOf] of rows) {
      const m = measure(data, cellsOf);
      lines.push(`| ${name} | ${f3(m.mAP)} | ${f3(m.AP50)} | ${f3(m.AP75)} | ${f3(m.mAR)} | ${m.found} | ${m.falseCells} | ${m.missed} |`);
    }
    process.stderr.write(`${split} done\n`);
  }
} finally {
  await engine.close();
}
console.log(lines.join('\n'));
writeFileSync(o.out!, lines.join('\n') + '\n');
