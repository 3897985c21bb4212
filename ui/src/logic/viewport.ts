/**
 * Geometry of the field viewer: the image drawn at `scale` screen pixels per image pixel, its
 * top-left corner at (x, y) on screen. Fit, zoom about a point, pan, pinch, and finding the cell
 * under a gloved finger.
 */
import type { Box } from '../api/types.ts';

export interface Viewport {
  scale: number;
  x: number;
  y: number;
}

export interface Size {
  width: number;
  height: number;
}

export interface Point {
  x: number;
  y: number;
}

export const MAX_ZOOM = 8;

/** The whole image, as large as the view allows, centred. */
export function fitViewport(image: Size, view: Size): Viewport {
  const scale = Math.min(view.width / image.width, view.height / image.height);
  return { scale, x: (view.width - image.width * scale) / 2, y: (view.height - image.height * scale) / 2 };
}

/** Keeps the scale between fit and MAX_ZOOM x fit, and the image on screen: centred on an axis where it is smaller than the view. */
export function clampViewport(vp: Viewport, image: Size, view: Size): Viewport {
  const fit = fitViewport(image, view).scale;
  const scale = Math.min(fit * MAX_ZOOM, Math.max(fit, vp.scale));
  const axis = (pos: number, imageLen: number, viewLen: number) => {
    const len = imageLen * scale;
    if (len <= viewLen) return (viewLen - len) / 2;
    return Math.min(0, Math.max(viewLen - len, pos));
  };
  return { scale, x: axis(vp.x, image.width, view.width), y: axis(vp.y, image.height, view.height) };
}

/** Zooms by `factor` keeping the image point under `at` (screen) where it is. */
export function zoomAt(vp: Viewport, factor: number, at: Point, image: Size, view: Size): Viewport {
  const scale = vp.scale * factor;
  const ix = (at.x - vp.x) / vp.scale;
  const iy = (at.y - vp.y) / vp.scale;
  return clampViewport({ scale, x: at.x - ix * scale, y: at.y - iy * scale }, image, view);
}

export function panBy(vp: Viewport, dx: number, dy: number, image: Size, view: Size): Viewport {
  return clampViewport({ ...vp, x: vp.x + dx, y: vp.y + dy }, image, view);
}

/**
 * Two fingers: the image point first under their midpoint follows the midpoint, and the scale
 * follows the distance between them.
 */
export function pinch(start: Viewport, from: [Point, Point], to: [Point, Point], image: Size, view: Size): Viewport {
  const dist = (p: [Point, Point]) => Math.hypot(p[0].x - p[1].x, p[0].y - p[1].y);
  const mid = (p: [Point, Point]) => ({ x: (p[0].x + p[1].x) / 2, y: (p[0].y + p[1].y) / 2 });
  const m0 = mid(from);
  const m1 = mid(to);
  const factor = dist(from) > 0 ? dist(to) / dist(from) : 1;
  const scale = start.scale * factor;
  const ix = (m0.x - start.x) / start.scale;
  const iy = (m0.y - start.y) / start.scale;
  return clampViewport({ scale, x: m1.x - ix * scale, y: m1.y - iy * scale }, image, view);
}

export function toImage(vp: Viewport, screen: Point): Point {
  return { x: (screen.x - vp.x) / vp.scale, y: (screen.y - vp.y) / vp.scale };
}

/**
 * The cell under an image point: of the boxes containing it (each widened by `slack` image pixels,
 * for a finger in a glove), the smallest, so a small cell inside a big box stays reachable.
 */
export function hitTest<T extends { box: Box }>(cells: readonly T[], p: Point, slack: number): T | null {
  let best: T | null = null;
  let bestArea = Infinity;
  for (const c of cells) {
    const [x1, y1, x2, y2] = c.box;
    if (p.x < x1 - slack || p.x > x2 + slack || p.y < y1 - slack || p.y > y2 + slack) continue;
    const area = (x2 - x1) * (y2 - y1);
    if (area < bestArea) {
      best = c;
      bestArea = area;
    }
  }
  return best;
}

/** The usual cell size in this field (median box side), or an eighth of the short image side. */
export function typicalSide(boxes: readonly Box[], image: Size): number {
  if (!boxes.length) return Math.round(Math.min(image.width, image.height) / 8);
  const sides = boxes.map(([x1, y1, x2, y2]) => Math.max(x2 - x1, y2 - y1)).sort((a, b) => a - b);
  return Math.round(sides[Math.floor(sides.length / 2)]!);
}

/** A square box of `side` centred on the point, moved inside the image. */
export function boxAround(p: Point, side: number, image: Size): Box {
  const s = Math.max(4, Math.min(side, image.width, image.height));
  const x1 = Math.min(image.width - s, Math.max(0, p.x - s / 2));
  const y1 = Math.min(image.height - s, Math.max(0, p.y - s / 2));
  return [Math.round(x1), Math.round(y1), Math.round(x1 + s), Math.round(y1 + s)];
}
