/**
 * Training fields for the detectors from a labelled set photographed at a low magnification: each
 * field cut into the tiles that the daemon's detectors see of it (src/core/analysis/detector-view.ts),
 * so that a detector is taught cells as they reach it on such a microscope (enlarged several times
 * from few pixels) and not as the photo shows them whole.
 */
import { area, clipBox, intersectionArea } from '../core/geometry/boxes.ts';
import type { Box } from '../core/types.ts';

export interface TileChoice {
  tile: Box;
  /** The labelled leukocytes in the tile, clipped to it, in tile pixels. */
  boxes: Box[];
}

/** A box cut by a tile is kept when this share of its area lies inside it (the trainer's min_visible). */
export const MIN_VISIBLE = 0.45;

/** The box in tile pixels, clipped to the tile, or null when less than MIN_VISIBLE of it is inside. */
function clipped(box: Box, tile: Box): Box | null {
  const c = clipBox([box[0] - tile[0], box[1] - tile[1], box[2] - tile[0], box[3] - tile[1]], tile[2] - tile[0], tile[3] - tile[1]);
  return area(box) > 0 && area(c) >= MIN_VISIBLE * area(box) ? c : null;
}

const inside = (box: Box, tile: Box) => box[0] >= tile[0] && box[1] >= tile[1] && box[2] <= tile[2] && box[3] <= tile[3];

function centreDistance(box: Box, tile: Box): number {
  return Math.hypot((box[0] + box[2] - tile[0] - tile[2]) / 2, (box[1] + box[3] - tile[1] - tile[3]) / 2);
}

/**
 * For each labelled leukocyte, the tile that holds it whole nearest its middle (each tile once), and
 * `emptyTiles` of the tiles that touch no leukocyte, taken evenly over the field: the daemon looks at
 * every tile, most of which hold only red cells. `random` in [0, 1) picks where the even steps start.
 */
export function trainingTiles(tiles: readonly Box[], leukocytes: readonly Box[], emptyTiles: number, random: () => number): TileChoice[] {
  const chosen = new Set<number>();
  for (const box of leukocytes) {
    let best = -1;
    for (const [i, tile] of tiles.entries()) {
      if (inside(box, tile) && (best < 0 || centreDistance(box, tile) < centreDistance(box, tiles[best]!))) best = i;
    }
    if (best >= 0) chosen.add(best);
  }
  const empty = [...tiles.keys()].filter((i) => leukocytes.every((b) => intersectionArea(b, tiles[i]!) === 0));
  const take = Math.min(emptyTiles, empty.length);
  const offset = random() * (empty.length / Math.max(take, 1));
  for (let k = 0; k < take; k++) chosen.add(empty[Math.floor(offset + (k * empty.length) / take)]!);
  return [...chosen].sort((a, b) => a - b).map((i) => ({ tile: tiles[i]!, boxes: leukocytes.map((b) => clipped(b, tiles[i]!)).filter((b): b is Box => b !== null) }));
}
