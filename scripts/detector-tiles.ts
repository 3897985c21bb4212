/**
 * Training fields for the detectors from a low-magnification set: every field cut into the tiles the
 * daemon's detectors would see (its scale measured, or the box calibration over the set's fields, or
 * a given scale), kept where they hold a labelled leukocyte, plus a few without one. Writes
 * <out>/images/*.png and <out>/tiles.json (COCO, class WBC) for a trainer config's `data.extra_train`.
 *
 *   node bin/run-ts.mjs scripts/detector-tiles.ts --dataset <YOLO, VOC or COCO> --out <dir>
 *       [--calibrate | --scale <um per px>] [--empty-per-field 0.5] [--seed 1]
 * Give only a train split: the tiles are training data.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { detectorView } from '../src/core/analysis/detector-view.ts';
import { parseUmPerPixel, rbcDiameterPx, resolveFieldScale, type ScaleInputs } from '../src/core/analysis/field-scale.ts';
import { decodeImage } from '../src/core/analysis/image-input.ts';
import type { Box } from '../src/core/types.ts';
import { CELL_TYPES } from '../src/contracts/vocabulary.ts';
import type { CocoAnnotation, CocoDataset, CocoImage } from '../src/eval/coco-types.ts';
import { calibrateFromDataset } from '../src/eval/dataset-calibration.ts';
import { sha256Hex } from '../src/eval/datasets/image.ts';
import { trainingTiles } from '../src/eval/detector-tiles.ts';
import { loadLeukocyteSplit } from '../src/eval/run-eval.ts';
import { mulberry32 } from '../src/core/util/random.ts';

function fail(message: string): never {
  process.stderr.write(`detector-tiles: ${message}\n`);
  process.exit(2);
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

function options() {
  try {
    return parseArgs({
      options: {
        dataset: { type: 'string' },
        out: { type: 'string' },
        calibrate: { type: 'boolean', default: false },
        scale: { type: 'string' },
        'empty-per-field': { type: 'string', default: '0.5' },
        seed: { type: 'string', default: '1' },
      },
    }).values;
  } catch (e) {
    return fail(message(e));
  }
}

const o = options();
if (!o.dataset || !o.out) fail('give --dataset <labelled set> and --out <folder>');
if (o.calibrate && o.scale) fail('give --calibrate or --scale, not both');
const emptyPerField = Number(o['empty-per-field']);
if (!(emptyPerField >= 0 && Number.isFinite(emptyPerField))) fail(`--empty-per-field takes a number >= 0, got ${o['empty-per-field']}`);
const seed = Number(o.seed);
if (!Number.isInteger(seed)) fail(`--seed takes an integer, got ${o.seed}`);

const split = await loadLeukocyteSplit(o.dataset).catch((e: unknown) => fail(`${o.dataset}: ${message(e)}`));
// A typed set keeps its leukocytes (the five types, or 0: type unknown), not its red cells or platelets.
const leukocyteIds = new Set(split.typed ? [0, ...split.gt.categories.filter((c) => (CELL_TYPES as readonly string[]).includes(c.name.toLowerCase())).map((c) => c.id)] : [1]);
const inputs: ScaleInputs = {};
if (o.scale) {
  const given = parseUmPerPixel(o.scale);
  if (typeof given === 'string') fail(given);
  inputs.given = given;
} else if (o.calibrate) {
  inputs.calibrated = (await calibrateFromDataset(split.gt, split.imageRoot).catch((e: unknown) => fail(message(e)))).umPerPixel;
}

const random = mulberry32(seed);
const imagesDir = path.join(o.out, 'images');
try {
  mkdirSync(imagesDir, { recursive: true });
} catch (e) {
  fail(`--out ${o.out}: ${message(e)}`);
}
const images: CocoImage[] = [];
const annotations: CocoAnnotation[] = [];
const skipped = { unmeasured: 0, notTiled: 0 };
const boxesOf = new Map<number, Box[]>();
for (const a of split.gt.annotations) {
  if (!leukocyteIds.has(a.category_id)) continue;
  const boxes = boxesOf.get(a.image_id) ?? [];
  boxes.push([a.bbox[0], a.bbox[1], a.bbox[0] + a.bbox[2], a.bbox[1] + a.bbox[3]]);
  boxesOf.set(a.image_id, boxes);
}
let emptyOwed = 0;
for (const image of split.gt.images) {
  const img = await decodeImage(path.resolve(split.imageRoot, image.file_name)).catch((e: unknown) => fail(`${image.file_name}: ${message(e)}`));
  const rbc = rbcDiameterPx(resolveFieldScale(img, inputs));
  if (rbc === null) {
    skipped.unmeasured++;
    continue;
  }
  const view = detectorView(img.width, img.height, rbc);
  if (view.kind !== 'tiles') {
    skipped.notTiled++;
    continue;
  }
  const leukocytes = boxesOf.get(image.id) ?? [];
  emptyOwed += emptyPerField;
  const empty = Math.floor(emptyOwed);
  emptyOwed -= empty;
  // The field's id keeps two photos of one name (in two folders) apart.
  const stem = `${image.id}-${path.basename(image.file_name).replace(/\.[^.]+$/, '')}`;
  for (const { tile, boxes } of trainingTiles(view.tiles, leukocytes, empty, random)) {
    const [x0, y0, x1, y1] = tile;
    const png = await sharp(img.rgb, { raw: { width: img.width, height: img.height, channels: 3 } })
      .extract({ left: x0, top: y0, width: x1 - x0, height: y1 - y0 })
      .png()
      .toBuffer();
    const fileName = `images/${stem}-${x0}-${y0}.png`;
    try {
      writeFileSync(path.join(o.out, fileName), png);
    } catch (e) {
      fail(`--out ${o.out}: ${message(e)}`);
    }
    const id = images.length + 1;
    images.push({ id, file_name: fileName, width: x1 - x0, height: y1 - y0, sha256: sha256Hex(png) });
    for (const b of boxes) {
      const bbox: CocoAnnotation['bbox'] = [b[0], b[1], b[2] - b[0], b[3] - b[1]];
      annotations.push({ id: annotations.length + 1, image_id: id, category_id: 1, bbox, area: bbox[2] * bbox[3], iscrowd: 0 });
    }
  }
}

const scaleText = inputs.given !== undefined ? `given ${inputs.given} um/px` : inputs.calibrated !== undefined ? `calibrated ${inputs.calibrated.toFixed(4)} um/px` : 'measured per field';
// No image_root: the file names are relative to tiles.json's folder, so the folder can move.
const coco: CocoDataset = {
  info: { description: `detector tiles of ${o.dataset} (scale ${scaleText})` },
  images,
  annotations,
  categories: [{ id: 1, name: 'WBC', supercategory: 'cell' }],
};
writeFileSync(path.join(o.out, 'tiles.json'), JSON.stringify(coco));
process.stdout.write(
  `${split.gt.images.length} fields (scale ${scaleText}): ${images.length} tiles, ${annotations.length} leukocyte boxes; ` +
    `left out ${skipped.unmeasured} unmeasured, ${skipped.notTiled} not cut into tiles\n`,
);
