/**
 * How the detectors look at a field of known scale, so that they see red cells (and so leukocytes)
 * at the sizes they were trained on, whatever the objective and camera.
 *
 * The detectors letterbox a whole field into their input. Their training fields span from about
 * 5.0 (PBC crops: 363 px, red cells 73.2 px) to 7.0 (BCCD fields: 640 px, 91.4 px) red-cell
 * diameters on the long side (medians of src/core/analysis/scale.ts over each source,
 * `scripts/measure-scale.ts --images`; BCD and Raabin-WBC lie between). A field inside that band is letterboxed as it
 * is. A field spanning fewer (a single-cell crop, a high magnification) is placed, unscaled, on a
 * larger canvas of its own background colour; one spanning more (a low magnification, a large
 * sensor) is cut into overlapping square tiles of the band's middle, each a field of its own.
 */
import { TILE_OVERLAP_RBC, type DetectorScale } from '../inference/manifest.ts';
import type { Box } from '../types.ts';

export { TILE_OVERLAP_RBC } from '../inference/manifest.ts';

export const DEFAULT_DETECTOR_SCALE: DetectorScale = { fieldRbcDiameters: [5.0, 6.9], maxTiles: 48 };

/**
 * A field is moved onto a canvas or into tiles only when it lies outside the band by more than
 * this factor: the measured scale of a crowded field can be off by up to a fifth (red cells in
 * clumps), and a field the detectors would have read well whole must not be cut on such an error.
 */
export const SCALE_TOLERANCE = 1.25;

export type DetectorView =
  { kind: 'whole' } | { kind: 'canvas'; width: number; height: number } | { kind: 'tiles'; tiles: Box[]; /** True when maxTiles forced tiles larger than the band. */ capped: boolean };

export function detectorView(width: number, height: number, rbcDiameterPx: number | null, scale: DetectorScale = DEFAULT_DETECTOR_SCALE): DetectorView {
  if (rbcDiameterPx === null || !(rbcDiameterPx > 0)) return { kind: 'whole' };
  const [fewest, most] = scale.fieldRbcDiameters;
  const span = Math.max(width, height) / rbcDiameterPx;
  if (span < fewest / SCALE_TOLERANCE) {
    const f = fewest / span;
    return { kind: 'canvas', width: Math.round(width * f), height: Math.round(height * f) };
  }
  if (span <= most * SCALE_TOLERANCE) return { kind: 'whole' };
  const overlap = TILE_OVERLAP_RBC * rbcDiameterPx;
  let side = Math.round(((fewest + most) / 2) * rbcDiameterPx);
  let capped = false;
  while (tileCount(width, height, side, overlap) > scale.maxTiles) {
    side = Math.round(side * 1.1);
    capped = true;
  }
  return { kind: 'tiles', tiles: tiles(width, height, side, overlap), capped };
}

function starts(length: number, side: number, overlap: number): number[] {
  if (side >= length) return [0];
  if (!(side > overlap)) throw new RangeError(`a tile of ${side} px cannot overlap its neighbour by ${overlap} px`);
  const n = Math.ceil((length - overlap) / (side - overlap));
  const step = (length - side) / (n - 1);
  return Array.from({ length: n }, (_, i) => Math.round(i * step));
}

function tileCount(width: number, height: number, side: number, overlap: number): number {
  return starts(width, side, overlap).length * starts(height, side, overlap).length;
}

/** Square tiles of `side` (clipped to the field) covering it with at least `overlap` between neighbours. */
export function tiles(width: number, height: number, side: number, overlap: number): Box[] {
  const s = Math.round(side);
  const out: Box[] = [];
  for (const y of starts(height, s, overlap)) {
    for (const x of starts(width, s, overlap)) out.push([x, y, Math.min(width, x + s), Math.min(height, y + s)]);
  }
  return out;
}

/**
 * Whether a box found in `tile` touches one of the tile's edges that lie inside the field: such a
 * cell is cut by the tile and whole in a neighbour, which the overlap guarantees.
 */
export function cutByTile(box: Box, tile: Box, width: number, height: number, margin = 2): boolean {
  return (
    (tile[0] > 0 && box[0] <= tile[0] + margin) || (tile[1] > 0 && box[1] <= tile[1] + margin) || (tile[2] < width && box[2] >= tile[2] - margin) || (tile[3] < height && box[3] >= tile[3] - margin)
  );
}
