/**
 * Hands-free capture: from small greyscale frames of the camera preview, decides when the field in
 * view is photographed: once the picture has stood still for a moment, is in focus, shows a smear,
 * and is not one of the views photographed lately. Pure: frames and times in, decisions out. Whether
 * a field overlaps an earlier one of the sample is the daemon's call; this avoids sending the same
 * view again and again while the slide lies still, or when the nurse comes back to it.
 */

/** A small grey picture of the preview, row by row, one byte a pixel. */
export interface PreviewFrame {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}

/**
 * Preview frames are this wide (the height keeps the camera's aspect). At 100x a red cell is still
 * ~20 px across here, so focus shows; and judging such a frame takes well under a millisecond.
 */
export const PREVIEW_WIDTH = 160;

/** How often the preview is judged: a hand on the stage moves the picture visibly in this time. */
export const SAMPLE_MS = 200;

export const LIVE_THRESHOLDS = {
  /**
   * Largest change between two frames (see motionBetween) that is still "steady". Camera noise of
   * 2 grey levels in the preview gives 0.006, of 4 levels 0.012; a shift of one preview pixel (a
   * tenth of a red cell) gives 0.015 to 0.06 on the demo fields, a hand on the stage far more.
   */
  maxMotion: 0.012,
  /**
   * Steady this long before the photo: the stage and the nurse's hand have stopped, and a refocus
   * in progress would have shown as motion. Short enough not to be felt as waiting.
   */
  settleMs: 600,
  /**
   * Least grey-level spread (standard deviation over mean) of a smear in view. The demo fields
   * measure 0.10 and more, blurred 0.06 and more; an empty slide with vignetting, about 0.03.
   */
  minContrast: 0.05,
  /**
   * Least Laplacian variance over grey variance (the daemon's "focus ratio", at preview size). The
   * demo fields measure 0.06 to 0.35 sharp, under 0.025 blurred by 2 px at 640 px wide (the camera's
   * noise taken out, see measureFrame). Only a clear defocus is caught here: the daemon's focus
   * check has the last word.
   */
  minFocus: 0.03,
  /**
   * Least correlation of two frames, aligned, to count as the same view. A demo field against itself
   * shifted, blurred or re-lit correlates at 0.96 and more; two different demo fields, at 0.62 and less.
   */
  minMatch: 0.8,
  /**
   * A view sharing more than this share of its area with a photo taken is the same field, nudged
   * or refocused: it is not photographed again. Less and it counts as a new field (the daemon may
   * still find it overlaps an earlier one beyond its own limit).
   */
  maxOverlap: 0.5,
} as const;

export type LiveThresholds = { [K in keyof typeof LIVE_THRESHOLDS]: number };

export interface FrameMeasures {
  /** Mean grey level, 0..255. */
  level: number;
  /** Standard deviation of the grey levels over their mean. */
  contrast: number;
  /** Variance of the 4-neighbour Laplacian over the variance of the grey levels. */
  focus: number;
}

/**
 * What the preview shows: `moving`, `settling` (steady, not yet long enough), `empty` (no smear),
 * `blurred`, `same` (a view photographed already), `unchanged` (the view of a take that did not
 * count, waiting for a refocus or a move), or `take`: photograph it now (once).
 */
export type LivePhase = 'moving' | 'settling' | 'empty' | 'blurred' | 'same' | 'unchanged' | 'take';

export interface LiveDecision {
  phase: LivePhase;
  /** Names the take, for `release`: set with phase `take` only. */
  takeId?: number;
  /** Motion since the previous frame (see maxMotion); null for the first frame. */
  motion: number | null;
  measures: FrameMeasures;
}

/** A grey frame from canvas pixels (RGBA), with the luma weights of BT.601 in integers. */
export function greyFrame(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number): PreviewFrame {
  const data = new Uint8Array(width * height);
  for (let i = 0, j = 0; i < data.length; i++, j += 4) data[i] = (77 * rgba[j]! + 150 * rgba[j + 1]! + 29 * rgba[j + 2]! + 128) >> 8;
  return { width, height, data };
}

/**
 * The frames' measures; `noiseVar`, the camera noise's variance (see `noiseBetween`), is taken out
 * of the focus ratio, which noise would otherwise raise (white noise adds 20 times its variance to
 * the Laplacian's) until a defocused smear looked sharp.
 */
export function measureFrame(f: PreviewFrame, noiseVar = 0): FrameMeasures {
  const { width: w, height: h, data } = f;
  const n = w * h;
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const v = data[i]!;
    sum += v;
    sumSq += v * v;
  }
  const level = n ? sum / n : 0;
  const variance = n ? Math.max(0, sumSq / n - level * level) : 0;
  let lapSum = 0;
  let lapSq = 0;
  let m = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      const lap = 4 * data[i]! - data[i - 1]! - data[i + 1]! - data[i - w]! - data[i + w]!;
      lapSum += lap;
      lapSq += lap * lap;
      m++;
    }
  }
  const lapVar = m ? Math.max(0, lapSq / m - (lapSum / m) ** 2) : 0;
  return {
    level,
    contrast: level > 0 ? Math.sqrt(variance) / level : 0,
    focus: variance > noiseVar ? Math.max(0, lapVar - 20 * noiseVar) / (variance - noiseVar) : 0,
  };
}

/**
 * How much the picture changed between two frames of the same size: the mean absolute difference
 * of their 2x2 block means (which halves the camera's noise and keeps a one-pixel shift), each frame
 * divided by its mean level first, so that the light or the camera's exposure changing alone is not
 * motion. Frames of different sizes (another camera) count as a change.
 */
export function motionBetween(a: PreviewFrame, b: PreviewFrame): number {
  if (a.width !== b.width || a.height !== b.height) return Infinity;
  const w = a.width;
  const bw = w >> 1;
  const bh = a.height >> 1;
  if (!bw || !bh) return 0;
  const block = (d: PreviewFrame['data'], x: number, y: number) => {
    const i = 2 * y * w + 2 * x;
    return d[i]! + d[i + 1]! + d[i + w]! + d[i + w + 1]!;
  };
  let sa = 0;
  let sb = 0;
  for (let y = 0; y < bh; y++) {
    for (let x = 0; x < bw; x++) {
      sa += block(a.data, x, y);
      sb += block(b.data, x, y);
    }
  }
  if (sa === 0 || sb === 0) return sa === sb ? 0 : Infinity;
  const n = bw * bh;
  const ka = n / sa;
  const kb = n / sb;
  let diff = 0;
  for (let y = 0; y < bh; y++) {
    for (let x = 0; x < bw; x++) diff += Math.abs(block(a.data, x, y) * ka - block(b.data, x, y) * kb);
  }
  return diff / n;
}

/**
 * The variance of the camera noise, in grey levels, from two frames of a still picture: half the
 * variance of their difference (after matching their light levels).
 */
export function noiseBetween(a: PreviewFrame, b: PreviewFrame): number {
  if (a.width !== b.width || a.height !== b.height) return 0;
  const n = a.width * a.height;
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < n; i++) {
    sa += a.data[i]!;
    sb += b.data[i]!;
  }
  if (!n || !sa || !sb) return 0;
  const k = sa / sb;
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const d = a.data[i]! - b.data[i]! * k;
    sum += d;
    sumSq += d * d;
  }
  return Math.max(0, sumSq / n - (sum / n) ** 2) / 2;
}

/** Side reduction of the frames compared by `viewOverlap`: red cells ~5 px, and a few ms a comparison. */
const COARSE = 4;

function coarse(f: PreviewFrame): { w: number; h: number; v: Float32Array } {
  const w = Math.floor(f.width / COARSE);
  const h = Math.floor(f.height / COARSE);
  const v = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let dy = 0; dy < COARSE; dy++) {
        const row = (y * COARSE + dy) * f.width + x * COARSE;
        for (let dx = 0; dx < COARSE; dx++) s += f.data[row + dx]!;
      }
      v[y * w + x] = s;
    }
  }
  return { w, h, v };
}

export interface ViewMatch {
  /** Share of the area the two views have in common at the best alignment; 0 when none matches. */
  overlap: number;
  /** Correlation at that alignment, -1..1. */
  match: number;
  /** How far the view moved from `a` to `b`, in preview pixels. */
  dx: number;
  dy: number;
}

/**
 * Whether two frames show the same part of the slide: the best alignment among those that would
 * share more than `minShare` of the area, by normalised correlation (indifferent to the light level
 * and to mild defocus at this coarse size). `overlap` is 0 when no alignment correlates at `minMatch`.
 */
export function viewOverlap(a: PreviewFrame, b: PreviewFrame, minShare: number = LIVE_THRESHOLDS.maxOverlap, minMatch: number = LIVE_THRESHOLDS.minMatch): ViewMatch {
  const none: ViewMatch = { overlap: 0, match: 0, dx: 0, dy: 0 };
  if (a.width !== b.width || a.height !== b.height) return none;
  const ca = coarse(a);
  const cb = coarse(b);
  const { w, h } = ca;
  if (w < 2 || h < 2) return none;
  let best: ViewMatch = { ...none, match: -1 };
  const maxDx = Math.floor(w * (1 - minShare));
  const maxDy = Math.floor(h * (1 - minShare));
  for (let dy = -maxDy; dy <= maxDy; dy++) {
    for (let dx = -maxDx; dx <= maxDx; dx++) {
      const share = (1 - Math.abs(dx) / w) * (1 - Math.abs(dy) / h);
      if (share <= minShare) continue;
      // a(x, y) against b(x - dx, y - dy).
      const x0 = Math.max(0, dx);
      const x1 = Math.min(w, w + dx);
      const y0 = Math.max(0, dy);
      const y1 = Math.min(h, h + dy);
      let n = 0;
      let sa = 0;
      let sb = 0;
      let saa = 0;
      let sbb = 0;
      let sab = 0;
      for (let y = y0; y < y1; y++) {
        const ra = y * w;
        const rb = (y - dy) * w - dx;
        for (let x = x0; x < x1; x++) {
          const va = ca.v[ra + x]!;
          const vb = cb.v[rb + x]!;
          sa += va;
          sb += vb;
          saa += va * va;
          sbb += vb * vb;
          sab += va * vb;
          n++;
        }
      }
      const cov = sab - (sa * sb) / n;
      const denom = Math.sqrt((saa - (sa * sa) / n) * (sbb - (sb * sb) / n));
      const r = denom > 0 ? cov / denom : 0;
      if (r > best.match) best = { overlap: share, match: r, dx: dx * COARSE, dy: dy * COARSE };
    }
  }
  if (best.match < minMatch) return { ...best, overlap: 0, match: Math.max(best.match, -1) };
  return best;
}

/**
 * Taken views remembered, newest first, so that coming back to one is not a new field: a meander
 * over the smear passes by the previous row's fields. The daemon checks the whole sample; at ~1 ms a
 * comparison (a desktop CPU; a few on the box), one judgement of a steady view stays well under 0.1 s.
 */
export const REMEMBERED_VIEWS = 24;

interface TakenView {
  frame: PreviewFrame;
  id: number;
}

/**
 * The decisions over a run of preview frames. A view taken is not taken again, nor one overlapping
 * it beyond maxOverlap; a take `release`d (the daemon found the photo blurred) may be taken again
 * once the picture has changed at all, e.g. by a refocus; a take `cancel`led (the photo never
 * arrived) may be taken again as it is.
 */
export class LiveCapture {
  private prev: PreviewFrame | null = null;
  /** First frame of the current steady stretch, against slow drift. */
  private anchor: PreviewFrame | null = null;
  private steadySince: number | null = null;
  /** The views taken, newest first. */
  private views: TakenView[] = [];
  /** The newest take, released: waits for the picture to change. */
  private released: TakenView | null = null;
  /** How the current steady stretch compares with the views taken, once judged (it cannot change while steady). */
  private judged: 'same' | 'unchanged' | 'new' | null = null;
  private nextId = 1;

  constructor(private readonly limits: LiveThresholds = LIVE_THRESHOLDS) {}

  /** Forgets everything (another sample): the next steady, sharp view is taken whatever was taken before. */
  reset(): void {
    this.interrupt();
    this.views = [];
    this.released = null;
  }

  /** The preview was not watched for a while: whether it stood still since is unknown. */
  interrupt(): void {
    this.prev = null;
    this.anchor = null;
    this.steadySince = null;
    this.judged = null;
  }

  /** The take did not count: its view may be taken again after the picture changed. */
  release(takeId: number): void {
    const i = this.views.findIndex((v) => v.id === takeId);
    if (i < 0) return;
    const [view] = this.views.splice(i, 1);
    // Taken since: the nurse is elsewhere, and may come back to it.
    if (i === 0) this.released = view!;
    this.judged = null;
  }

  /** The take never happened: as if the view had not been taken. */
  cancel(takeId: number): void {
    const i = this.views.findIndex((v) => v.id === takeId);
    if (i < 0) return;
    this.views.splice(i, 1);
    this.judged = null;
  }

  push(frame: PreviewFrame, at: number): LiveDecision {
    const prev = this.prev;
    this.prev = frame;
    const motion = prev ? motionBetween(prev, frame) : null;
    const drift = this.anchor ? motionBetween(this.anchor, frame) : 0;
    // A drift twice the step limit over the stretch: a slow, steady slide of the stage.
    if ((motion !== null && motion > this.limits.maxMotion) || drift > 2 * this.limits.maxMotion) {
      this.steadySince = null;
      this.anchor = null;
      this.judged = null;
      return { phase: 'moving', motion, measures: measureFrame(frame) };
    }
    // Still: what differs from the previous frame is the camera's noise.
    const measures = measureFrame(frame, prev ? noiseBetween(prev, frame) : 0);
    if (this.steadySince === null) {
      this.steadySince = at;
      this.anchor = frame;
    }
    const decision = (phase: LivePhase): LiveDecision => ({ phase, motion, measures });
    if (measures.contrast < this.limits.minContrast) return decision('empty');
    if (measures.focus < this.limits.minFocus) return decision('blurred');
    // Said at once, so that the nurse moves on without waiting.
    this.judged ??= this.compareWithTaken(frame) ?? 'new';
    if (this.judged !== 'new') return decision(this.judged);
    if (at - this.steadySince < this.limits.settleMs) return decision('settling');
    const takeId = this.nextId++;
    this.views.unshift({ frame, id: takeId });
    this.views.length = Math.min(this.views.length, REMEMBERED_VIEWS);
    this.released = null;
    this.judged = 'same';
    return { phase: 'take', takeId, motion, measures };
  }

  private compareWithTaken(frame: PreviewFrame): 'same' | 'unchanged' | null {
    if (this.released && motionBetween(this.released.frame, frame) <= this.limits.maxMotion) return 'unchanged';
    const same = this.views.some((v) => viewOverlap(v.frame, frame, this.limits.maxOverlap, this.limits.minMatch).overlap > 0);
    return same ? 'same' : null;
  }
}
