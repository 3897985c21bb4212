/** `leukodiff eval`: the study's Table 2 (and figures, and robustness) for the shipped models on a COCO dataset. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../box/config.ts';
import { CELL_TYPES } from '../../contracts/vocabulary.ts';
import { ANALYSIS_OPTIONS, parseAnalysisOptions } from '../analysis-options.ts';
import { parseCommandArgs } from '../args.ts';
import { InputError } from '../../core/errors.ts';
import type { CocoDataset } from '../../eval/coco-types.ts';
import { calibrateFromDataset, type DatasetCalibration } from '../../eval/dataset-calibration.ts';
import { loadEvalDataset } from '../../eval/datasets/load.ts';
import { parseInterference } from '../../eval/interference.ts';
import { confusionSvg, prChartSvg, writeFigure } from '../../eval/plots.ts';
import { evaluateRow, leukocyteGt, rowSpecs, runModels, type EvalRow, type RowResult } from '../../eval/run-eval.ts';
import { loadEngine, type Engine } from '../../core/inference/engine.ts';
import { ModelError } from '../../core/inference/manifest.ts';

const USAGE = `usage: leukodiff eval --dataset <coco.json | VOC folder | YOLO folder> [--images <dir>] [--ensemble all|ensemble|paper|wbf|nms|single:<id>]
                     [--class-agnostic] [--json] [--plots <dir>] [--interference <name|all|cast:R,G,B>] [--detections <file.json>]
                     [--scale <um per px> | --calibrate] [--typing classifier|detectors]
  --images D        folder the dataset's file_names are relative to (default: info.image_root)
  --scale U         the images' known scale in micrometres per pixel (default: measured per field)
  --calibrate       calibrate the microscope on the dataset's own fields, as a box does (no labels read):
                    fields whose red cells cannot be measured, or measure far from it, use it
  --typing T        who types the cells: the cell classifier (default when there is one) or the detectors' votes
  --class-agnostic  evaluate localisation only (every leukocyte one class)
  --plots D         write PR curves at IoU .5 .6 .7 .8 .9 and the type confusion matrix (SVG + PNG)
  --detections F    write each row's scored detections as COCO results JSON (F, or F's name plus the row's with several rows)
  --interference F  also measure under colour-cast, low-light, defocus, stain-acid, stain-alkaline, jpeg30 (or all),
                    or a colour cast cast:R,G,B (channel gains, e.g. cast:1.25,1,0.7)`;

const fail = (message: string) => {
  process.stderr.write(`leukodiff eval: ${message}\n`);
  return 2;
};

function progress(label: string) {
  const tty = process.stderr.isTTY;
  let last = -1;
  return (done: number, total: number) => {
    const pct = Math.floor((100 * done) / total);
    if (tty) {
      const bar = '#'.repeat(Math.round(pct / 4)).padEnd(25, '.');
      process.stderr.write(`\r${label} [${bar}] ${done}/${total}${done === total ? '\n' : ''}`);
    } else if (pct >= last + 25 || done === total) {
      last = pct;
      process.stderr.write(`${label}: ${done}/${total} images\n`);
    }
  };
}

const f3 = (v: number) => (v < 0 ? '  -  ' : v.toFixed(3));

export function formatTable(rows: EvalRow[], typed: boolean): string {
  const w = Math.max(8, ...rows.map((r) => r.name.length));
  const typeCols = typed ? CELL_TYPES.map((t) => t.slice(0, 5).padStart(6)).join('') : '';
  const head = `${'model'.padEnd(w)}  mAP    AP50   AP75   mAR  ${typeCols}  size MB  GFLOPs  fields/s`;
  const lines = rows.map((r) => {
    const types = typed ? CELL_TYPES.map((t) => f3(r.perType[t]).padStart(6)).join('') : '';
    return `${r.name.padEnd(w)}  ${f3(r.mAP)}  ${f3(r.AP50)}  ${f3(r.AP75)}  ${f3(r.mAR)}${types}  ${r.sizeMB.toFixed(2).padStart(7)}  ${r.gflops.toFixed(2).padStart(6)}  ${r.fieldsPerSecond.toFixed(1).padStart(8)}`;
  });
  return [head, ...lines].join('\n') + '\n';
}

/**
 * The rows' detections as COCO results (image_id, category_id, bbox, score), each scored as the row
 * ranks it, so that another evaluator can check every number.
 */
async function writeDetections(file: string, results: RowResult[]): Promise<string[]> {
  const written: string[] = [];
  for (const r of results) {
    const out = results.length === 1 ? file : `${file.slice(0, file.length - path.extname(file).length)}-${r.row.name}${path.extname(file) || '.json'}`;
    await writeFile(out, JSON.stringify(r.detections));
    written.push(out);
  }
  return written;
}

async function writePlots(dir: string, results: RowResult[]): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (const iou of [0.5, 0.6, 0.7, 0.8, 0.9]) {
    const series = results.map((r) => ({ name: r.row.name, ...r.result.precision.prCurve(iou) }));
    const ap = results.map((r) => {
      const p = r.result.precision.prCurve(iou).precision.filter((v) => v >= 0);
      return `${r.row.name} ${(p.reduce((a, b) => a + b, 0) / Math.max(1, p.length)).toFixed(3)}`;
    });
    const title = `PR at IoU ${iou.toFixed(2)} — AP: ${ap.slice(-1)[0]}`;
    files.push(...(await writeFigure(path.join(dir, `pr-iou${iou.toFixed(2)}`), prChartSvg(title, series))));
  }
  const ensemble = results.find((r) => r.row.name === 'ensemble') ?? results[results.length - 1];
  const cm = ensemble.row.confusion;
  if (cm) {
    const correct = cm.matrix.slice(0, CELL_TYPES.length).reduce((a, row, i) => a + row[i], 0);
    const matched = cm.matrix.slice(0, CELL_TYPES.length).reduce((a, row) => a + row.slice(0, CELL_TYPES.length).reduce((x, y) => x + y, 0), 0);
    const title = `Types of ${ensemble.row.name} at IoU 0.5: ${correct}/${matched} right (${((100 * correct) / Math.max(1, matched)).toFixed(1)} %)`;
    files.push(...(await writeFigure(path.join(dir, `confusion-${ensemble.row.name}`), confusionSvg(title, cm.rowLabels, cm.colLabels, cm.matrix))));
  }
  return files;
}

export async function run(argv: string[]): Promise<number> {
  const args = parseCommandArgs(
    {
      args: argv,
      options: {
        dataset: { type: 'string' },
        images: { type: 'string' },
        ensemble: { type: 'string', default: 'all' },
        'class-agnostic': { type: 'boolean' },
        json: { type: 'boolean' },
        plots: { type: 'string' },
        detections: { type: 'string' },
        interference: { type: 'string' },
        calibrate: { type: 'boolean' },
        ...ANALYSIS_OPTIONS,
        help: { type: 'boolean', short: 'h' },
      },
    },
    USAGE,
    fail,
  );
  if (typeof args === 'number') return args;
  const o = args.values;
  if (!o.dataset) return fail(`--dataset is required\n${USAGE}`);
  const analysis = parseAnalysisOptions(o);
  if (typeof analysis === 'string') return fail(analysis);
  const { given, typing } = analysis;
  if (given !== undefined && o.calibrate) return fail('give either --scale or --calibrate, not both');
  let raw: CocoDataset;
  try {
    raw = await loadEvalDataset(o.dataset);
  } catch (err) {
    return fail(`cannot read ${o.dataset}: ${(err as Error).message}`);
  }
  const imageRoot = o.images ?? raw.info?.image_root ?? path.dirname(o.dataset);
  let interference;
  let prepared;
  try {
    interference = o.interference ? parseInterference(o.interference) : [];
    prepared = leukocyteGt(raw);
  } catch (err) {
    return fail((err as Error).message);
  }
  const typed = prepared.typed && !o['class-agnostic'];
  const gt = prepared.gt;

  let engine: Engine;
  try {
    const config = loadConfig();
    engine = await loadEngine({ modelsDir: config.modelsDir, backend: config.backend, threads: config.threads });
  } catch (err) {
    if (err instanceof ConfigError || err instanceof ModelError) return fail(err.message);
    throw err;
  }
  try {
    let specs;
    try {
      specs = rowSpecs(engine, o.ensemble!);
    } catch (err) {
      return fail((err as Error).message);
    }
    const modelIds = [...new Set(specs.flatMap((s) => s.members))];
    let calibration: DatasetCalibration | undefined;
    if (o.calibrate) {
      try {
        calibration = await calibrateFromDataset(gt, imageRoot);
      } catch (err) {
        if (err instanceof InputError) return fail(`${err.message} (is --images right? images are read from ${imageRoot})`);
        return fail((err as Error).message);
      }
    }
    const scale = { given, calibrated: calibration?.umPerPixel };
    const measure = async (factor?: (typeof interference)[number]) => {
      const runs = await runModels(engine, gt, imageRoot, modelIds, { interference: factor, scale, onProgress: progress(factor ?? 'clean') });
      const rows: RowResult[] = [];
      for (const s of specs) rows.push(await evaluateRow(engine, gt, typed, runs, s, typing));
      return rows;
    };
    let clean: RowResult[];
    try {
      clean = await measure();
    } catch (err) {
      if (err instanceof InputError) return fail(`${err.message} (is --images right? images are read from ${imageRoot})`);
      throw err;
    }
    const robustness: Record<string, { name: string; mAP: number; drop: number; typedAccuracy: number | null }[]> = {};
    for (const factor of interference) {
      const degraded = await measure(factor);
      robustness[factor] = degraded.map((d, i) => ({ name: d.row.name, mAP: d.row.mAP, drop: clean[i].row.mAP - d.row.mAP, typedAccuracy: d.row.typedAccuracy }));
    }
    const plots = o.plots ? await writePlots(o.plots, clean) : [];
    if (o.detections) plots.push(...(await writeDetections(o.detections, clean)));
    const rows = clean.map((r) => r.row);
    if (o.json) {
      const out: Record<string, unknown> = { dataset: o.dataset, images: gt.images.length, typed, backend: engine.backend, rows };
      if (calibration) out.calibration = calibration;
      if (interference.length) out.interference = robustness;
      if (plots.length) out.plots = plots;
      process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    } else {
      process.stdout.write(`${o.dataset}: ${gt.images.length} images, ${typed ? '5-type' : 'class-agnostic leukocyte'} evaluation, COCO mAP@[.5:.95]\n`);
      if (calibration) {
        process.stdout.write(`calibrated on ${calibration.measuredFields} of ${calibration.fields} fields: ${calibration.umPerPixel.toFixed(4)} um per pixel\n`);
      }
      process.stdout.write(formatTable(rows, typed));
      for (const [factor, list] of Object.entries(robustness)) {
        const typedText = (r: (typeof list)[number]) => (r.typedAccuracy === null ? '' : `, typed right ${(100 * r.typedAccuracy).toFixed(1)} %`);
        process.stdout.write(`${factor}: ${list.map((r) => `${r.name} ${r.mAP.toFixed(3)} (drop ${r.drop.toFixed(3)}${typedText(r)})`).join(', ')}\n`);
      }
      for (const p of plots) process.stdout.write(`wrote ${p}\n`);
    }
    return 0;
  } finally {
    await engine.close();
  }
}
