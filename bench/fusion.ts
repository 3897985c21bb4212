/**
 * Fusion benchmark: 3 members x 100 detections on a synthetic field of ~40 px cells.
 * Budget (ARCHITECTURE.md, "Performance budgets"): fusion of 300 boxes < 1 ms.
 */
import { pathToFileURL } from 'node:url';
import { fuse, type FusionConfig } from '../src/core/ensemble/index.ts';
import { NUM_TYPES, type Detection } from '../src/core/types.ts';
import { fmtMs, measure } from './stats.ts';
import { mulberry32 } from '../src/core/util/random.ts';

const IMAGE = { width: 1600, height: 1200 };
const MODELS = 3;
const BOXES_PER_MODEL = 100;

/**
 * 100 cells of 32-48 px on a jittered 10x10 grid; each member sees 95 of them (box corners
 * jittered by up to 3 px, type right 85% of the time) and adds 5 false positives.
 */
export function syntheticField(seed = 1): Detection[][] {
  const rnd = mulberry32(seed);
  const cells: { cx: number; cy: number; size: number; type: number }[] = [];
  for (let i = 0; i < BOXES_PER_MODEL; i++) {
    cells.push({
      cx: ((i % 10) + 0.5) * (IMAGE.width / 10) + (rnd() - 0.5) * 60,
      cy: (Math.floor(i / 10) + 0.5) * (IMAGE.height / 10) + (rnd() - 0.5) * 60,
      size: 32 + rnd() * 16,
      type: Math.floor(rnd() * NUM_TYPES),
    });
  }
  const jitter = () => (rnd() - 0.5) * 6;
  const perModel: Detection[][] = [];
  for (let m = 0; m < MODELS; m++) {
    const dets: Detection[] = [];
    for (const c of cells) {
      if (dets.length >= BOXES_PER_MODEL - 5 || rnd() < 0.05) continue;
      const h = c.size / 2;
      const type = rnd() < 0.85 ? c.type : Math.floor(rnd() * NUM_TYPES);
      dets.push(makeDet([c.cx - h + jitter(), c.cy - h + jitter(), c.cx + h + jitter(), c.cy + h + jitter()], type, 0.5 + rnd() * 0.49));
    }
    while (dets.length < BOXES_PER_MODEL) {
      const x = rnd() * (IMAGE.width - 40),
        y = rnd() * (IMAGE.height - 40);
      dets.push(makeDet([x, y, x + 40, y + 40], Math.floor(rnd() * NUM_TYPES), 0.3 + rnd() * 0.3));
    }
    perModel.push(dets);
  }
  return perModel;
}

function makeDet(box: Detection['box'], type: number, score: number): Detection {
  const probs = new Array<number>(NUM_TYPES).fill((1 - score) / (NUM_TYPES - 1));
  probs[type] = score;
  return { box, type, score, probs };
}

export async function runFusionBench(): Promise<{ name: string; medianMs: number; p90Ms: number }[]> {
  const perModel = syntheticField();
  const modes: [string, FusionConfig][] = [
    ['fusion paper 3x100', { mode: 'paper', iou: 0.55 }],
    ['fusion wbf 3x100', { mode: 'wbf', iou: 0.55 }],
    ['fusion nms 3x100', { mode: 'nms', iou: 0.55 }],
  ];
  const out: { name: string; medianMs: number; p90Ms: number }[] = [];
  for (const [name, config] of modes) {
    const t = await measure(() => fuse(perModel, config, IMAGE), 300, 50);
    out.push({ name, medianMs: t.medianMs, p90Ms: t.p90Ms });
  }
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void runFusionBench().then((rows) => {
    for (const r of rows) console.log(`${r.name.padEnd(22)} median ${fmtMs(r.medianMs)}  p90 ${fmtMs(r.p90Ms)}`);
  });
}
