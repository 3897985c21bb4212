/**
 * The physical scale of a field, measured from its red cells: the median diameter of the
 * well-separated, round red cells, in pixels, against a reference diameter in micrometres.
 *
 * Classical on purpose (no model): red cells are the darkest green-absorbing discs on a bright
 * background under any Romanowsky stain, microscope or camera, and a detector trained on a few
 * centres' pixels is exactly what this measurement must not depend on. Steps: grey = the green
 * channel of a small working copy; two Otsu thresholds tried; the mask closed and its holes filled
 * (the central pallor); 4-connected components, also after a few erosions (touching cells); the
 * ones not cut by the border, about as wide as high and filling about a disc of their box; their
 * equivalent diameters trimmed around the modal diameter (platelets, leukocytes and clumps fall
 * outside) and the median of the rest taken. Where too few such cells are seen, the discs inside
 * the cells and clumps stand in for them. Red cells too small to measure at full resolution are
 * measured on an enlarged copy of the field's middle.
 */
import { median } from '../util/median.ts';

/** Mean diameter of a normal red cell in a dried, stained smear (Bain, Blood Cells, 5th ed., 2015). */
export const REFERENCE_RBC_UM = 7.5;

export interface ScaleMeasurement {
  /** Median equivalent diameter of the red cells used, in the field's pixels; null if too few. */
  rbcDiameterPx: number | null;
  /** Red cells the median was taken over. */
  rbcCount: number;
  /** REFERENCE_RBC_UM / rbcDiameterPx; null when not measured. */
  umPerPixel: number | null;
  /** Whole round red cells, or (too few of those) the largest disc inside each cell or clump. */
  method: 'round' | 'inscribed' | null;
}

export interface ScaleOptions {
  /** Fewest red cells for a measurement (default 3). */
  minRbcs?: number;
  /** Longest side of the working copy the components are found on first (default 240). */
  workSide?: number;
}

/** Round cells smaller than this share of the cells' inscribed discs are platelets, not red cells. */
const PLATELET_RATIO = 0.6;
/** Red-cell diameter aimed at, working pixels, when the first working copy shows them too small. */
const FINE_RBC_WORK = 16;
/** Components kept as red cells: within this factor of the modal diameter. */
const TRIM = [0.7, 1.4] as const;
/** A red cell's box: long side / short side at most this, and filled like a disc (pi/4 = 0.785). */
const MAX_ASPECT = 1.3;
const FILL_RANGE = [0.66, 0.9] as const;
/** Smallest red cell considered, working pixels (below this the shape tests mean nothing). */
const MIN_DIAMETER_WORK = 6;

export function measureScale(img: { rgb: Buffer | Uint8Array; width: number; height: number }, opts: ScaleOptions = {}): ScaleMeasurement {
  const minRbcs = opts.minRbcs ?? 3;
  const workSide = opts.workSide ?? 240;
  let factor = Math.max(1, Math.ceil(Math.max(img.width, img.height) / workSide));
  let found = measureAt(img, factor);
  // Small red cells on a large image (a low magnification): the reduced copy blurs them. Measure
  // again where they span FINE_RBC_WORK pixels, on a window of the field's middle no larger than
  // the first copy (plenty of red cells at such a magnification, and the time stays bounded).
  // Unmeasured at all: the red cells may have blurred into one texture; look three times closer.
  for (let pass = 0; pass < 2 && factor > 1; pass++) {
    const seen = found.diameters.length >= minRbcs ? found.diameters : trimmed(found.inscribed);
    const coarse = seen.length >= minRbcs ? median(seen) : 0;
    if (coarse >= 2 * MIN_DIAMETER_WORK) break;
    const fine = Math.max(1, coarse ? Math.floor((factor * coarse) / FINE_RBC_WORK) : Math.floor(factor / 3));
    if (fine >= factor) break;
    factor = fine;
    found = measureAt(centreWindow(img, workSide * fine), factor);
  }
  let best = resolve(found, minRbcs, factor);
  // Small red cells on a small image (a low-power objective through a phone): at full resolution
  // they span a few pixels, and the closing merges them into one mask. An enlarged copy of the middle
  // measures them like any others, without the closing, which there sealed the thin gaps between
  // packed cells. Its whole round cells replace discs inside clumps; its discs are taken only where
  // nothing was measured at all, because on a field of large cells they are fragments (chosen on the
  // phone-microscope val fields and the magnification test: models/README.md, "Physical scale").
  if (factor === 1 && best?.method !== 'round') {
    let density = 0; // red cells per field pixel of the enlarged copy kept so far
    for (const zoom of ZOOMS) {
      const side = Math.floor(workSide / zoom);
      if (Math.min(img.width, img.height) < side) continue;
      const closer = resolve(measureAt(enlarged(centreWindow(img, side), zoom), 1, 0), minRbcs, 1 / zoom);
      if (!closer) continue;
      if (closer.diameterPx > ZOOMED_LARGEST_RBC) {
        // Whole round cells this large are no small red cells: a closer look finds their fragments.
        if (closer.method === 'round') break;
        continue;
      }
      const d = closer.count / (side * side);
      if (!best || (closer.method === 'round' && (best.method === 'inscribed' || d > density))) [best, density] = [closer, d];
    }
  }
  if (!best) return { rbcDiameterPx: null, rbcCount: trimmed(found.diameters).length, umPerPixel: null, method: null };
  return { rbcDiameterPx: best.diameterPx, rbcCount: best.count, umPerPixel: REFERENCE_RBC_UM / best.diameterPx, method: best.method };
}

/** Enlargements of the field's middle tried when the red cells are small at full resolution. */
const ZOOMS = [2, 3];
/** Largest red cell (field pixels) taken from an enlarged copy: the copies are for red cells too
 * small for full resolution; larger "cells" there are clumps. */
const ZOOMED_LARGEST_RBC = 1.5 * FINE_RBC_WORK;

/** The red cells' diameter (field pixels) from one working copy's components, or null when too few. */
function resolve(found: { diameters: number[]; inscribed: number[] }, minRbcs: number, factor: number) {
  let kept = trimmed(found.diameters);
  let method: 'round' | 'inscribed' = 'round';
  const inscribed = trimmed(found.inscribed);
  // A handful of round platelets on a crowded field must not pass for the red cells.
  if (kept.length < minRbcs || median(kept) < PLATELET_RATIO * (inscribed.length ? median(inscribed) : 0)) {
    if (inscribed.length < minRbcs) return null;
    kept = inscribed;
    method = 'inscribed';
  }
  return { diameterPx: median(kept) * factor, count: kept.length, method };
}

/** An image enlarged `zoom` times (bilinear). */
function enlarged(img: { rgb: Buffer | Uint8Array; width: number; height: number }, zoom: number) {
  const { width, height } = img;
  const outW = width * zoom;
  const outH = height * zoom;
  const rgb = new Uint8Array(outW * outH * 3);
  for (let y = 0; y < outH; y++) {
    const sy = Math.min(height - 1, Math.max(0, (y + 0.5) / zoom - 0.5));
    const ya = Math.floor(sy);
    const yb = Math.min(height - 1, ya + 1);
    const fy = sy - ya;
    for (let x = 0; x < outW; x++) {
      const sx = Math.min(width - 1, Math.max(0, (x + 0.5) / zoom - 0.5));
      const xa = Math.floor(sx);
      const xb = Math.min(width - 1, xa + 1);
      const fx = sx - xa;
      const [a, b, c, d] = [(ya * width + xa) * 3, (ya * width + xb) * 3, (yb * width + xa) * 3, (yb * width + xb) * 3];
      for (let ch = 0; ch < 3; ch++) {
        const top = img.rgb[a + ch] * (1 - fx) + img.rgb[b + ch] * fx;
        const bottom = img.rgb[c + ch] * (1 - fx) + img.rgb[d + ch] * fx;
        rgb[(y * outW + x) * 3 + ch] = Math.round(top * (1 - fy) + bottom * fy);
      }
    }
  }
  return { rgb, width: outW, height: outH };
}

/**
 * The red cells' diameter class: the diameter with the most evidence within +-20 % of it, each
 * component weighing its diameter. Platelets are many but small, leukocytes and clumps large but
 * few; red cells win on any field where they are the usual majority.
 */
function modeDiameter(diameters: number[]): number {
  let best = 0;
  let bestScore = -1;
  for (const d of diameters) {
    let score = 0;
    for (const e of diameters) if (e >= d / 1.2 && e <= d * 1.2) score += e;
    if (score > bestScore) {
      bestScore = score;
      best = d;
    }
  }
  return best;
}

/** The middle of an image, at most `side` pixels on each side (a copy; the whole image when it is smaller). */
function centreWindow(img: { rgb: Buffer | Uint8Array; width: number; height: number }, side: number) {
  const width = Math.min(img.width, side);
  const height = Math.min(img.height, side);
  const x0 = Math.floor((img.width - width) / 2);
  const y0 = Math.floor((img.height - height) / 2);
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) rgb.set(img.rgb.subarray(((y0 + y) * img.width + x0) * 3, ((y0 + y) * img.width + x0 + width) * 3), y * width * 3);
  return { rgb, width, height };
}

function trimmed(diameters: number[]): number[] {
  if (diameters.length === 0) return [];
  const m = modeDiameter(diameters);
  return diameters.filter((d) => d >= TRIM[0] * m && d <= TRIM[1] * m);
}

/** Green channel reduced by an integer factor (box mean). */
function greenPlane(img: { rgb: Buffer | Uint8Array; width: number; height: number }, factor: number) {
  const w = Math.floor(img.width / factor);
  const h = Math.floor(img.height / factor);
  const out = new Uint8Array(w * h);
  const n = factor * factor;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let sum = 0;
      for (let dy = 0; dy < factor; dy++) {
        let i = ((y * factor + dy) * img.width + x * factor) * 3 + 1;
        for (let dx = 0; dx < factor; dx++, i += 3) sum += img.rgb[i];
      }
      out[y * w + x] = Math.round(sum / n);
    }
  }
  return { grey: boxBlur3(out, w, h), w, h };
}

/** Otsu's threshold of a grey histogram (two classes). */
function otsuThreshold(grey: Uint8Array): number {
  const hist = new Float64Array(256);
  for (const v of grey) hist[v]++;
  let sumAll = 0;
  for (let i = 0; i < 256; i++) sumAll += i * hist[i];
  let sumB = 0;
  let wB = 0;
  let best = 0;
  let bestVar = -1;
  for (let t = 0; t < 256; t++) {
    wB += hist[t];
    const wF = grey.length - wB;
    if (wB === 0) continue;
    if (wF === 0) break;
    sumB += t * hist[t];
    const between = wB * wF * (sumB / wB - (sumAll - sumB) / wF) ** 2;
    if (between > bestVar) {
      bestVar = between;
      best = t;
    }
  }
  return best;
}

/** 3x3 mean, edges clamped: smooths the ragged mask edges of JPEG noise. */
function boxBlur3(src: Uint8Array, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let sum = 0;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = Math.min(h - 1, Math.max(0, y + dy)) * w;
        for (let dx = -1; dx <= 1; dx++) sum += src[yy + Math.min(w - 1, Math.max(0, x + dx))];
      }
      out[y * w + x] = Math.round(sum / 9);
    }
  }
  return out;
}

/**
 * Two-threshold Otsu (three classes: nuclei, red cells and cytoplasm, background) on a grey
 * histogram; returns [low, high]. The high one separates the cells from the background: one
 * threshold would split the dark nuclei from everything else where a leukocyte fills the field.
 */
export function otsuThresholds(grey: Uint8Array): [number, number] {
  const hist = new Float64Array(256);
  for (const v of grey) hist[v]++;
  const cw = new Float64Array(257);
  const cm = new Float64Array(257);
  for (let i = 0; i < 256; i++) {
    cw[i + 1] = cw[i] + hist[i];
    cm[i + 1] = cm[i] + i * hist[i];
  }
  const term = (a: number, b: number) => {
    const w = cw[b] - cw[a];
    return w > 0 ? (cm[b] - cm[a]) ** 2 / w : 0;
  };
  let best: [number, number] = [0, 0];
  let bestVar = -1;
  for (let t1 = 1; t1 < 255; t1++) {
    const first = term(0, t1);
    for (let t2 = t1 + 1; t2 < 256; t2++) {
      const between = first + term(t1, t2) + term(t2, 256);
      if (between > bestVar) {
        bestVar = between;
        best = [t1 - 1, t2 - 1];
      }
    }
  }
  return best;
}

/**
 * Equivalent diameters (working pixels) of the round components not cut by the border. Touching
 * red cells meet at narrow necks: the mask is also eroded by a few radii (a chamfer distance
 * transform gives every erosion at once) and, at the radius that separates the most round
 * components, each diameter is the eroded one plus twice the radius.
 */
function measureAt(img: { rgb: Buffer | Uint8Array; width: number; height: number }, factor: number, closing = CLOSING_RADIUS) {
  const { grey, w, h } = greenPlane(img, factor);
  const n = w * h;
  let best: number[] = [];
  // Red cells are the middle class of three (nuclei, red cells, background) on most fields, but the
  // darkest of two on a field without leukocytes: both thresholds are tried, the better one kept.
  const high = otsuThresholds(grey)[1];
  let inscribed: number[] = [];
  for (const t of new Set([high, otsuThreshold(grey)])) {
    // 1 = cell (darker than the threshold), then holes (background not reachable from the border) filled.
    const mask = new Uint8Array(n);
    for (let i = 0; i < n; i++) mask[i] = grey[i] <= t ? 1 : 0;
    if (closing) close(mask, w, h, closing);
    fillHoles(mask, w, h);
    const dist = chamferDistance(mask, w, h);
    if (t === high) inscribed = inscribedDiameters(dist, w, h);
    for (const r of EROSION_RADII) {
      const eroded = new Uint8Array(n);
      for (let i = 0; i < n; i++) eroded[i] = dist[i] > r ? 1 : 0;
      const found = roundComponents(eroded, w, h).map((d) => d + 2 * r);
      if (found.length > best.length) best = found;
    }
  }
  return { diameters: best, inscribed };
}

/**
 * The diameters of the discs that fill the cells: the local maxima of the distance to the
 * background, strongest first, each kept when no kept one lies within its radius. A red cell in a
 * clump of overlapping ones, or half outside the field, still holds a disc of its own size whose
 * centre is such a maximum. Less exact than whole round cells, so only used where too few of those
 * are seen (a single-cell crop, a crowded field).
 */
function inscribedDiameters(dist: Float32Array, w: number, h: number): number[] {
  const peaks: number[] = [];
  const minRadius = MIN_DIAMETER_WORK / 2;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      const v = dist[i];
      if (v < minRadius) continue;
      // Strictly above the neighbours before it, at least the ones after it: one pixel per plateau.
      if (v <= dist[i - 1] || v <= dist[i - w] || v <= dist[i - w - 1] || v <= dist[i - w + 1]) continue;
      if (v < dist[i + 1] || v < dist[i + w] || v < dist[i + w - 1] || v < dist[i + w + 1]) continue;
      peaks.push(i);
    }
  }
  peaks.sort((a, b) => dist[b] - dist[a]);
  const kept: number[] = [];
  for (const p of peaks) {
    const px = p % w;
    const py = (p - px) / w;
    const r = dist[p];
    if (kept.some((k) => Math.hypot((k % w) - px, Math.floor(k / w) - py) < Math.max(r, dist[k]))) continue;
    kept.push(p);
  }
  return kept.map((p) => INSCRIBED_TO_ROUND * (2 * dist[p] + 1));
}

/**
 * A disc inside a clump is a little smaller than the whole cell's equivalent disc: measured against
 * the labelled red cells of TXL-PBC val, the two methods' medians differ by 2 to 7 % per source
 * (`scripts/measure-scale.ts --txl`); this puts them on one footing.
 */
const INSCRIBED_TO_ROUND = 1.05;

/**
 * Pale red cells show only their rim at the threshold, often with a gap: closing the mask by this
 * radius (working pixels) seals such gaps, so that the central pallor becomes a hole to fill.
 */
const CLOSING_RADIUS = 2;

/** Dilation then erosion of a 0/1 mask by `r` pixels (chamfer distances, in place). */
function close(mask: Uint8Array, w: number, h: number, r: number): void {
  const n = w * h;
  const outside = new Uint8Array(n);
  for (let i = 0; i < n; i++) outside[i] = mask[i] ? 0 : 1;
  const toCell = chamferDistance(outside, w, h); // of each background pixel, to the nearest cell pixel
  const dilated = outside;
  for (let i = 0; i < n; i++) dilated[i] = mask[i] || toCell[i] <= r ? 1 : 0;
  const inside = chamferDistance(dilated, w, h);
  for (let i = 0; i < n; i++) mask[i] = inside[i] > r ? 1 : 0;
}

/** Erosion radii tried, working pixels. */
const EROSION_RADII = [0, 1, 2, 4, 7];

/** Distance (pixels) of each mask pixel to the nearest background pixel, chamfer 3-4 / 3. */
function chamferDistance(mask: Uint8Array, w: number, h: number): Float32Array {
  const big = 1e9;
  const d = new Float32Array(w * h);
  for (let i = 0; i < w * h; i++) d[i] = mask[i] ? big : 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (!d[i]) continue;
      let v = d[i];
      if (x > 0) v = Math.min(v, d[i - 1] + 3);
      if (y > 0) {
        v = Math.min(v, d[i - w] + 3);
        if (x > 0) v = Math.min(v, d[i - w - 1] + 4);
        if (x < w - 1) v = Math.min(v, d[i - w + 1] + 4);
      }
      d[i] = v;
    }
  }
  for (let y = h - 1; y >= 0; y--) {
    for (let x = w - 1; x >= 0; x--) {
      const i = y * w + x;
      if (!d[i]) continue;
      let v = d[i];
      if (x < w - 1) v = Math.min(v, d[i + 1] + 3);
      if (y < h - 1) {
        v = Math.min(v, d[i + w] + 3);
        if (x < w - 1) v = Math.min(v, d[i + w + 1] + 4);
        if (x > 0) v = Math.min(v, d[i + w - 1] + 4);
      }
      d[i] = v;
    }
  }
  for (let i = 0; i < w * h; i++) d[i] /= 3;
  return d;
}

/* eslint-disable @typescript-eslint/no-unused-expressions -- the flood fills below mark a pixel and push it in one comma expression */

/** Equivalent diameters of the 4-connected components that are not cut by the border and look like discs. */
function roundComponents(mask: Uint8Array, w: number, h: number): number[] {
  const n = w * h;
  const seen = new Uint8Array(n);
  const stack: number[] = [];
  const diameters: number[] = [];
  for (let start = 0; start < n; start++) {
    if (!mask[start] || seen[start]) continue;
    seen[start] = 1;
    stack.push(start);
    let area = 0;
    let x0 = w;
    let y0 = h;
    let x1 = -1;
    let y1 = -1;
    while (stack.length) {
      const p = stack.pop()!;
      area++;
      const x = p % w;
      const y = (p - x) / w;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      if (x > 0 && mask[p - 1] && !seen[p - 1]) ((seen[p - 1] = 1), stack.push(p - 1));
      if (x < w - 1 && mask[p + 1] && !seen[p + 1]) ((seen[p + 1] = 1), stack.push(p + 1));
      if (y > 0 && mask[p - w] && !seen[p - w]) ((seen[p - w] = 1), stack.push(p - w));
      if (y < h - 1 && mask[p + w] && !seen[p + w]) ((seen[p + w] = 1), stack.push(p + w));
    }
    if (x0 === 0 || y0 === 0 || x1 === w - 1 || y1 === h - 1) continue;
    const bw = x1 - x0 + 1;
    const bh = y1 - y0 + 1;
    if (Math.max(bw, bh) / Math.min(bw, bh) > MAX_ASPECT) continue;
    const fill = area / (bw * bh);
    if (fill < FILL_RANGE[0] || fill > FILL_RANGE[1]) continue;
    const d = 2 * Math.sqrt(area / Math.PI);
    if (d >= MIN_DIAMETER_WORK) diameters.push(d);
  }
  return diameters;
}

/** Sets every background pixel that the border's background cannot reach (4-connected) to 1. */
function fillHoles(mask: Uint8Array, w: number, h: number): void {
  const outside = new Uint8Array(w * h);
  const stack: number[] = [];
  const seed = (p: number) => {
    if (!mask[p] && !outside[p]) ((outside[p] = 1), stack.push(p));
  };
  for (let x = 0; x < w; x++) (seed(x), seed((h - 1) * w + x));
  for (let y = 0; y < h; y++) (seed(y * w), seed(y * w + w - 1));
  while (stack.length) {
    const p = stack.pop()!;
    const x = p % w;
    if (x > 0) seed(p - 1);
    if (x < w - 1) seed(p + 1);
    if (p >= w) seed(p - w);
    if (p < w * (h - 1)) seed(p + w);
  }
  for (let i = 0; i < w * h; i++) if (!mask[i] && !outside[i]) mask[i] = 1;
}
