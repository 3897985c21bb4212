/**
 * Detection on a field cut into tiles (a low magnification or a large sensor): each tile is a
 * field of its own for the detectors; a cell cut by a tile's inner edge is dropped (it is whole in
 * a neighbour, the overlap guarantees it), and a cell seen whole in two tiles is kept once.
 */
import { fieldLuts } from '../inference/colour.ts';
import type { Engine } from '../inference/engine.ts';
import type { Box, Detection, FusedCell } from '../types.ts';
import { detectAndFuse, type AnalyzeOptions } from './analyze.ts';
import { cutByTile } from './detector-view.ts';
import { onePerCell, sameLeukocyte } from '../ensemble/index.ts';

type Img = { rgb: Buffer; width: number; height: number };

export function cropRgb(img: Img, tile: Box): Img {
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

/** A member's detections from overlapping tiles, each leukocyte once: the best-scored detection of it. */
function onePerLeukocyte(detections: Detection[]): Detection[] {
  const kept: Detection[] = [];
  for (const d of [...detections].sort((a, b) => b.score - a.score)) if (!kept.some((k) => sameLeukocyte(k.box, d.box))) kept.push(d);
  return kept;
}

const shift = (b: Box, dx: number, dy: number): Box => [b[0] + dx, b[1] + dy, b[2] + dx, b[3] + dy];

export async function detectInTiles(engine: Engine, img: Img, tiles: Box[], opts: AnalyzeOptions, whileFirstRuns?: () => void) {
  const luts = fieldLuts(img.rgb, engine.manifest.colourNormalisation);
  const members = new Map<string, Detection[]>();
  const cells: FusedCell[] = [];
  const timings = { letterboxMs: 0, modelMs: {} as Record<string, number>, postprocessMs: 0, fusionMs: 0 };
  let fusion: Awaited<ReturnType<typeof detectAndFuse>>['fusion'] | undefined;
  for (const [i, tile] of tiles.entries()) {
    const r = await detectAndFuse(engine, cropRgb(img, tile), opts, i === 0 ? whileFirstRuns : undefined, { luts });
    fusion = r.fusion;
    const keep = (b: Box) => !cutByTile(shift(b, tile[0], tile[1]), tile, img.width, img.height);
    for (const m of r.members) {
      const list = members.get(m.id) ?? [];
      for (const d of m.detections) if (keep(d.box)) list.push({ ...d, box: shift(d.box, tile[0], tile[1]) });
      members.set(m.id, list);
    }
    for (const c of r.cells) if (keep(c.box)) cells.push({ ...c, box: shift(c.box, tile[0], tile[1]) });
    timings.letterboxMs += r.timings.letterboxMs;
    timings.postprocessMs += r.timings.postprocessMs;
    timings.fusionMs += r.timings.fusionMs;
    for (const [id, ms] of Object.entries(r.timings.modelMs)) timings.modelMs[id] = (timings.modelMs[id] ?? 0) + ms;
  }
  return {
    members: [...members].map(([id, detections]) => ({ id, detections: onePerLeukocyte(detections) })),
    fusion: fusion!,
    cells: onePerCell(cells),
    timings,
  };
}
