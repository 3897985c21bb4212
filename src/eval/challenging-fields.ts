/**
 * The pixels of the challenging cases (src/eval/challenging.ts places them): a field cut to a
 * rectangle, a cell's crop pasted with a feathered edge, a heavier stain. Raw 8-bit RGB, HWC, in
 * and out; nothing here reads or writes files.
 */
import type { CocoBbox } from './coco-types.ts';
import type { Rect } from './challenging.ts';

export interface RgbField {
  rgb: Uint8Array;
  width: number;
  height: number;
}

/** The part of a field inside `r` (which must lie inside the field). */
export function cropField(img: RgbField, r: Rect): RgbField {
  const out = new Uint8Array(r.width * r.height * 3);
  for (let y = 0; y < r.height; y++) {
    const from = ((r.y + y) * img.width + r.x) * 3;
    out.set(img.rgb.subarray(from, from + r.width * 3), y * r.width * 3);
  }
  return { rgb: out, width: r.width, height: r.height };
}

/** Where a pasted cell's alpha is 1 (normalised elliptic radius), and where it has faded to 0. */
export const FEATHER: readonly [number, number] = [1.05, 1.35];

/** The normalised elliptic radius of (x, y) for the ellipse inscribed in box b: 1 on its rim. */
const ellipticRadius = (b: CocoBbox, x: number, y: number): number => Math.hypot((x - b[0] - b[2] / 2) / (b[2] / 2), (y - b[1] - b[3] / 2) / (b[3] / 2));

export interface PasteOptions {
  /** Cells of the destination kept in front (their inscribed ellipses, with a short fade), so the pasted one goes behind them. */
  behind?: readonly CocoBbox[];
  feather?: readonly [number, number];
  /**
   * Channel gains on the pasted pixels: the destination's background over the source's, so that a
   * cell from a field lit or white-balanced otherwise comes in as if photographed with the destination.
   */
  gain?: readonly [number, number, number];
}

/**
 * Pastes the cell in `from` (its box in `src`) with its surroundings into `dst`, its box moved to
 * `to` (same size) by whole pixels: opaque inside the cell's inscribed ellipse up to FEATHER[0],
 * fading to nothing at FEATHER[1], so the neighbourhood blends into the destination. Writes `dst`
 * in place; pixels outside either field are skipped. Returns where the cell's box landed (`to`
 * within half a pixel, exactly when the boxes are at whole pixels): its label.
 */
export function pasteCell(dst: RgbField, src: RgbField, from: CocoBbox, to: CocoBbox, opts: PasteOptions = {}): CocoBbox {
  const [f0, f1] = opts.feather ?? FEATHER;
  const gain = opts.gain ?? [1, 1, 1];
  const dx = Math.round(to[0] - from[0]);
  const dy = Math.round(to[1] - from[1]);
  const landed: CocoBbox = [from[0] + dx, from[1] + dy, from[2], from[3]];
  const cx = landed[0] + landed[2] / 2;
  const cy = landed[1] + landed[3] / 2;
  const xs = Math.floor(cx - (landed[2] / 2) * f1);
  const xe = Math.ceil(cx + (landed[2] / 2) * f1);
  const ys = Math.floor(cy - (landed[3] / 2) * f1);
  const ye = Math.ceil(cy + (landed[3] / 2) * f1);
  for (let y = Math.max(0, ys); y < Math.min(dst.height, ye); y++) {
    const sy = y - dy;
    if (sy < 0 || sy >= src.height) continue;
    for (let x = Math.max(0, xs); x < Math.min(dst.width, xe); x++) {
      const sx = x - dx;
      if (sx < 0 || sx >= src.width) continue;
      const r = ellipticRadius(landed, x + 0.5, y + 0.5);
      let alpha = r <= f0 ? 1 : r >= f1 ? 0 : (f1 - r) / (f1 - f0);
      for (const b of opts.behind ?? []) alpha *= Math.min(1, Math.max(0, (ellipticRadius(b, x + 0.5, y + 0.5) - 0.95) / 0.1));
      if (alpha <= 0) continue;
      const d = (y * dst.width + x) * 3;
      const s = (sy * src.width + sx) * 3;
      for (let c = 0; c < 3; c++) dst.rgb[d + c] = Math.round(dst.rgb[d + c] * (1 - alpha) + Math.min(255, src.rgb[s + c] * gain[c]) * alpha);
    }
  }
  return landed;
}

/**
 * A heavier stain: each pixel's optical densities against the field's background (Beer-Lambert,
 * OD = -log10(I / I0) per channel) multiplied by k, so stained parts darken and saturate as with a
 * longer staining time or a thicker dye, while the empty background stays as it is. Pixels brighter
 * than the background (OD <= 0) are left unchanged.
 */
export function heavierStain(img: RgbField, k: number, background: readonly [number, number, number]): RgbField {
  const lut = background.map((bg) => {
    const t = new Uint8Array(256);
    const i0 = Math.max(1, bg);
    for (let v = 0; v < 256; v++) {
      const od = -Math.log10(Math.max(0.5, v) / i0);
      t[v] = od <= 0 ? v : Math.max(0, Math.min(255, Math.round(i0 * 10 ** (-k * od))));
    }
    return t;
  });
  const out = new Uint8Array(img.rgb.length);
  for (let i = 0; i < img.rgb.length; i += 3) {
    out[i] = lut[0][img.rgb[i]];
    out[i + 1] = lut[1][img.rgb[i + 1]];
    out[i + 2] = lut[2][img.rgb[i + 2]];
  }
  return { rgb: out, width: img.width, height: img.height };
}

/** Mean brightness (R + G + B, 0..765) of a rectangle, from every 4th pixel each way: how empty it is. */
export function meanBrightness(img: RgbField, r: Rect): number {
  let sum = 0;
  let n = 0;
  for (let y = r.y; y < r.y + r.height; y += 4) {
    for (let x = r.x; x < r.x + r.width; x += 4) {
      const i = (y * img.width + x) * 3;
      sum += img.rgb[i] + img.rgb[i + 1] + img.rgb[i + 2];
      n++;
    }
  }
  return n ? sum / n : 0;
}

/**
 * Mean optical density against `background` (per channel, -log10(I / I0), averaged over the three
 * channels and the pixels) of the pixels in `boxes` (COCO, clipped to the field; a pixel overlapped
 * by two boxes counts twice), and how many pixels that is: what a heavier stain raises.
 */
export function meanOpticalDensity(img: RgbField, boxes: readonly CocoBbox[], background: readonly [number, number, number]): { mean: number; n: number } {
  let sum = 0;
  let n = 0;
  const ref = background.map((v) => Math.log10(Math.max(1, v)));
  for (const [bx, by, bw, bh] of boxes) {
    for (let y = Math.max(0, Math.floor(by)); y < Math.min(img.height, Math.ceil(by + bh)); y++) {
      for (let x = Math.max(0, Math.floor(bx)); x < Math.min(img.width, Math.ceil(bx + bw)); x++) {
        const i = (y * img.width + x) * 3;
        for (let c = 0; c < 3; c++) sum += ref[c] - Math.log10(Math.max(0.5, img.rgb[i + c]));
        n++;
      }
    }
  }
  return { mean: n ? sum / (3 * n) : 0, n };
}
