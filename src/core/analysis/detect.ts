/**
 * The detectors on one field as its scale calls for (src/core/analysis/detector-view.ts): the members
 * run on the whole field, on a canvas, or tile by tile; their detections, in field pixels, are fused
 * once for the whole field.
 */
import { fuse, sameLeukocyte, type FusionConfig } from '../ensemble/index.ts';
import { area, intersectionArea } from '../geometry/boxes.ts';
import { fieldLuts, type ChannelLuts } from '../inference/colour.ts';
import { decodeOutput } from '../inference/decode.ts';
import type { Engine } from '../inference/engine.ts';
import { letterboxTensor, type Canvas } from '../inference/preprocess.ts';
import type { Box, Detection } from '../types.ts';
import { cutByTile, detectorView, type DetectorView } from './detector-view.ts';

type Img = { rgb: Buffer; width: number; height: number };

export interface DetectionTimings {
  /** Colour statistics of the field, and the time spent waiting for the letterboxes. */
  letterboxMs: number;
  /** Raw model run per member id (summed over tiles). */
  modelMs: Record<string, number>;
  postprocessMs: number;
  fusionMs: number;
}

export interface DetectOptions {
  /** Defaults to the manifest's ensemble. */
  fusion?: FusionConfig;
  /** Work for this thread while the first member runs (once, after its run has started). */
  whileFirstRuns?: () => void;
}

export function defaultFusion(engine: Engine): FusionConfig {
  const { mode, iou } = engine.manifest.ensemble;
  return { mode, iou } as FusionConfig;
}

/** Model ids to run: the ensemble's members, or for `single` the model at that index of the manifest. */
function memberIds(engine: Engine, fusion: FusionConfig): string[] {
  if (fusion.mode !== 'single') return engine.manifest.ensemble.members;
  const model = engine.manifest.models[fusion.member];
  if (!model) throw new Error(`no model number ${fusion.member} in the manifest`);
  return [model.id];
}

/** How the detectors see a field whose red cells are `rbcPx` wide: the manifest's band, or whole when the models name none. */
export function viewFor(engine: Engine, field: { width: number; height: number }, rbcPx: number | null): DetectorView {
  const band = engine.manifest.detectorScale;
  return band ? detectorView(field.width, field.height, rbcPx, band) : { kind: 'whole' };
}

/** The members' detections on a field seen as `view` (canvas fill: the field's background), fused once. */
export async function detectInView(engine: Engine, img: Img, view: DetectorView, background: [number, number, number], opts: DetectOptions = {}) {
  const fusion = opts.fusion ?? defaultFusion(engine);
  const ids = memberIds(engine, fusion);
  const timings: DetectionTimings = { letterboxMs: 0, modelMs: {}, postprocessMs: 0, fusionMs: 0 };
  const tc = performance.now();
  // One set of colour luts from the whole field, for every member, tile and canvas.
  const luts = fieldLuts(img.rgb, engine.manifest.colourNormalisation, background);
  timings.letterboxMs += performance.now() - tc;
  let perModel: Detection[][];
  if (view.kind === 'tiles') {
    perModel = await runTiles(engine, img, ids, view.tiles, luts, timings, opts.whileFirstRuns);
  } else {
    const canvas = view.kind === 'canvas' ? { width: view.width, height: view.height, fill: background.map(Math.round) as Canvas['fill'] } : undefined;
    perModel = await runMembers(engine, img, ids, timings, { luts, canvas, whileFirstRuns: opts.whileFirstRuns });
  }
  const t = performance.now();
  const effective: FusionConfig = fusion.mode === 'single' ? { mode: 'single', member: 0 } : fusion;
  const cells = fuse(perModel, effective, img);
  timings.fusionMs = performance.now() - t;
  return { members: ids.map((id, i) => ({ id, detections: perModel[i] })), fusion, cells, timings };
}

/**
 * Runs the members one after another (one accelerator). Every input size is letterboxed up front,
 * so the later members' letterboxes are made while earlier members run; `letterboxMs` is the time
 * actually spent waiting for them (the colour statistics are added by the caller).
 */
async function runMembers(
  engine: Engine,
  img: Img,
  ids: string[],
  timings: DetectionTimings,
  opts: { luts: ChannelLuts | undefined; canvas?: Canvas; whileFirstRuns?: () => void },
): Promise<Detection[][]> {
  const entries = ids.map((id) => {
    const entry = engine.detectors.get(id);
    if (!entry) throw new Error(`ensemble member '${id}' is not loaded`);
    return entry;
  });
  const letterboxes = new Map<string, ReturnType<typeof letterboxTensor>>();
  for (const { model } of entries) {
    const key = model.input.join('x');
    if (!letterboxes.has(key)) {
      const pending = letterboxTensor(img, model.input[0], model.input[1], opts.luts, opts.canvas);
      pending.catch(() => {}); // awaited below; avoids an unhandled rejection if an earlier member fails
      letterboxes.set(key, pending);
    }
  }
  const out: Detection[][] = [];
  for (const { model, detector } of entries) {
    let t = performance.now();
    const lt = await letterboxes.get(model.input.join('x'))!;
    timings.letterboxMs += performance.now() - t;
    t = performance.now();
    const running = detector.run(lt.tensor);
    if (out.length === 0) opts.whileFirstRuns?.();
    const raw = await running;
    timings.modelMs[model.id] = (timings.modelMs[model.id] ?? 0) + performance.now() - t;
    t = performance.now();
    out.push(decodeOutput(raw, lt.letterbox, img, model));
    timings.postprocessMs += performance.now() - t;
  }
  return out;
}

function cropRgb(img: Img, tile: Box): Img {
  const [x0, y0, x1, y1] = tile;
  const width = x1 - x0;
  const height = y1 - y0;
  const rgb = Buffer.allocUnsafe(width * height * 3);
  for (let y = 0; y < height; y++) {
    const src = ((y0 + y) * img.width + x0) * 3;
    rgb.set(img.rgb.subarray(src, src + width * 3), y * width * 3);
  }
  return { rgb, width, height };
}

/**
 * Each member tile by tile (a low magnification or a large sensor), with the whole field's colour
 * luts. A detection touching an inner edge of its tile is cut: it is dropped where it lies mostly
 * inside a detection that a neighbouring tile saw whole, and kept otherwise (a cell wider than the
 * overlap, whose fragments are joined, or one missed in the neighbour, still counts). Each
 * leukocyte is then kept once per member: its best detection.
 */
async function runTiles(engine: Engine, img: Img, ids: string[], tiles: Box[], luts: ChannelLuts | undefined, timings: DetectionTimings, whileFirstRuns?: () => void): Promise<Detection[][]> {
  const perTile: { tile: Box; members: Detection[][] }[] = [];
  for (const [i, tile] of tiles.entries()) {
    const members = await runMembers(engine, cropRgb(img, tile), ids, timings, { luts, whileFirstRuns: i === 0 ? whileFirstRuns : undefined });
    perTile.push({ tile, members });
  }
  return mergeTiles(perTile, ids.length, img);
}

/** Each member's detections from every tile (tile pixels), in field pixels, each leukocyte once (see runTiles). */
export function mergeTiles(perTile: { tile: Box; members: Detection[][] }[], memberCount: number, field: { width: number; height: number }): Detection[][] {
  const whole: Detection[][] = Array.from({ length: memberCount }, () => []);
  const cut: Detection[][] = Array.from({ length: memberCount }, () => []);
  for (const { tile, members } of perTile) {
    members.forEach((list, m) => {
      for (const d of list) {
        const box: Box = [d.box[0] + tile[0], d.box[1] + tile[1], d.box[2] + tile[0], d.box[3] + tile[1]];
        (cutByTile(box, tile, field.width, field.height) ? cut : whole)[m].push({ ...d, box });
      }
    });
  }
  return whole.map((list, m) => {
    const kept = onePerLeukocyte(list);
    for (const d of joinFragments(cut[m])) if (!kept.some((k) => sameLeukocyte(k.box, d.box) || mostlyInside(d.box, k.box))) kept.push(d);
    return kept;
  });
}

/** Share of a cut fragment inside another box that makes it part of that box's cell. */
const FRAGMENT_INSIDE = 0.6;

function mostlyInside(fragment: Box, box: Box): boolean {
  const a = area(fragment);
  return a > 0 && intersectionArea(fragment, box) >= FRAGMENT_INSIDE * a;
}

/**
 * Cut detections of one member, one per leukocyte: fragments of a cell too large for any tile
 * overlap each other in the overlap, and become one detection with their union box and best score.
 */
function joinFragments(cut: Detection[]): Detection[] {
  const joined: Detection[] = [];
  for (const d of [...cut].sort((a, b) => b.score - a.score)) {
    const i = joined.findIndex((j) => sameLeukocyte(j.box, d.box) || overlapsMuch(j.box, d.box));
    if (i < 0) joined.push(d);
    else {
      const b = joined[i].box;
      joined[i] = { ...joined[i], box: [Math.min(b[0], d.box[0]), Math.min(b[1], d.box[1]), Math.max(b[2], d.box[2]), Math.max(b[3], d.box[3])] };
    }
  }
  return joined;
}

/** Two fragments whose overlap is at least a third of the smaller one. */
function overlapsMuch(a: Box, b: Box): boolean {
  const smaller = Math.min(area(a), area(b));
  return smaller > 0 && intersectionArea(a, b) >= smaller / 3;
}

/** Detections of one member, each leukocyte once: the best-scored detection of it. */
function onePerLeukocyte(detections: Detection[]): Detection[] {
  const kept: Detection[] = [];
  for (const d of [...detections].sort((a, b) => b.score - a.score)) if (!kept.some((k) => sameLeukocyte(k.box, d.box))) kept.push(d);
  return kept;
}
