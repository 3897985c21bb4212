/**
 * Image quality check of one smear field, run before the detectors. It flags the interference
 * factors of the study (wrong focus, low light, a colour cast strong enough to saturate a channel:
 * a milder one is white-balanced away) plus over-exposure, a washed-out field and a colourless
 * image, each with a message that tells the nurse what to do.
 *
 * Everything is measured on a copy reduced by an integer factor to about WORK_SIDE pixels on its
 * long side (between 2/3 and 3/2 of it), so the numbers barely depend on the camera's resolution
 * and a 640x480 field takes a few milliseconds.
 */

export type ImageWarningCode = 'out_of_focus' | 'too_dark' | 'too_bright' | 'colour_cast' | 'greyscale' | 'low_contrast';
/** The image's own faults, and those of its scale (src/core/analysis/field-scale.ts). */
export type QualityWarningCode = ImageWarningCode | 'scale_unmeasured' | 'scale_out_of_range';

/** Why a field's scale is out of range: it decides which fix the warning names. */
export const SCALE_RANGE_REASONS = ['too_low', 'too_high', 'tiles_capped'] as const;
export type ScaleRangeReason = (typeof SCALE_RANGE_REASONS)[number];

export interface QualityWarning {
  code: QualityWarningCode;
  message: string;
  /** scale_out_of_range only, so that the kiosk can name the fix in the nurse's language. */
  reason?: ScaleRangeReason;
}

export interface QualityMetrics {
  /** Variance of the 4-neighbour Laplacian of the grey working image (0..255 scale). */
  focus: number;
  /**
   * focus / variance of the grey working image: how much of the image's contrast is fine detail.
   * Unaffected by the light level; low for a blurred field, but also for a field of large cells.
   */
  focusRatio: number;
  /**
   * focus / the same Laplacian variance on the working image halved once more. Sharp edges give
   * about 0.5 whatever their number or contrast; blur drives it towards 1/16. Noise raises it.
   */
  focusScaleRatio: number;
  /** Mean grey level, 0..255. */
  brightness: number;
  /** Mean grey level of the background (the brightest BACKGROUND_SHARE of the pixels), 0..255. */
  backgroundLevel: number;
  /** Fraction of working pixels with grey level <= 5. */
  clippedDark: number;
  /** Fraction of working pixels with grey level >= 250. */
  clippedBright: number;
  /**
   * Fraction of working pixels at >= 250 in each colour channel, minus that in the least clipped
   * channel: how much of the field one channel alone has saturated (a white balance or light pushed
   * too far one way). Clipping in every channel alike is over-exposure, not colour.
   */
  redClipExcess: number;
  greenClipExcess: number;
  blueClipExcess: number;
  /** CIELAB chroma (sqrt(a*^2 + b*^2)) of the background's mean colour; 0 is neutral grey. */
  backgroundChroma: number;
  /** CIELAB hue angle of the background's mean colour, degrees (0 red, 90 yellow, 180 green, 270 blue). */
  backgroundHue: number;
  /** Mean opponent-colour chroma over all working pixels (0..255 units): near 0 without colour. */
  meanChroma: number;
  /** Standard deviation of the grey working image. */
  contrast: number;
  /** Size of the working copy the metrics were computed on. */
  workWidth: number;
  workHeight: number;
}

export interface QualityReport {
  metrics: QualityMetrics;
  warnings: QualityWarning[];
}

export interface QualityImage {
  /** 8-bit sRGB, HWC, 3 channels. */
  rgb: Buffer | Uint8Array;
  width: number;
  height: number;
}

export const WORK_SIDE = 320;
/** Share of the brightest working pixels taken as the background between the cells. */
export const BACKGROUND_SHARE = 0.2;

/**
 * Decision thresholds. Calibrated on all 1,440 TXL-PBC fields (four sources: BCCD, BCD, PBC,
 * Raabin-WBC; none of them warns) and on blurred, darkened, brightened and tinted copies; the
 * numbers seen are in test/core/analysis/quality.test.ts.
 */
export const QUALITY_THRESHOLDS = {
  /** Out of focus when focusScaleRatio is below this (clean fields: >= 0.134)... */
  minFocusScaleRatio: 0.125,
  /** ...or focusRatio is below this (clean fields: >= 0.0069). */
  minFocusRatio: 0.005,
  /** Too dark when the background's grey level is below this (clean fields: >= 109). */
  minBackgroundLevel: 100,
  /** Too dark when more than this fraction of the field is black. */
  maxClippedDark: 0.2,
  /** Too bright when more than this fraction of the field is blown out (clean fields: <= 0.001). */
  maxClippedBright: 0.2,
  /**
   * Colour cast when one channel alone is saturated over this share of the field. The analysis
   * white-balances each field from its background (src/core/inference/colour.ts, and the classifier's
   * optical densities), so a cast costs little until a channel clips: clipped green, which
   * carries most of a stained cell's contrast, cost the detectors 0.07-0.28 mAP; clipped red or
   * blue far less. Clean fields: green 0, red up to 0.67 (PBC's analyser crops clip red in the
   * background), blue <= 0.04. Measured in models/README.md, "Colour casts: what they cost, and
   * when the warning fires".
   */
  maxGreenClipExcess: 0.4,
  maxRedBlueClipExcess: 0.75,
  /** Greyscale when the mean chroma is below this (clean fields: >= 10). */
  minMeanChroma: 2,
  /** Washed out when the grey standard deviation is below this (clean fields: >= 10.7). */
  minContrast: 6,
};
export type QualityThresholds = typeof QUALITY_THRESHOLDS;

export const QUALITY_MESSAGES: Record<ImageWarningCode, string> = {
  out_of_focus: 'out of focus: turn the fine focus until the cell edges are sharp, then retake',
  too_dark: 'too dark: open the microscope diaphragm or raise the light, then retake',
  too_bright: 'too bright: lower the light or the camera exposure, then retake',
  colour_cast: 'colour cast: one colour is saturated, so detail is lost; set the camera white balance (or auto) and check the light source, then retake',
  greyscale: 'greyscale image: cell types are unreliable without colour; use a colour camera',
  low_contrast: 'washed out, almost no contrast: check that a smear is in view, the light and the condenser, then retake',
};

export function qualityWarning(code: ImageWarningCode): QualityWarning {
  return { code, message: QUALITY_MESSAGES[code] };
}

/** Concatenates warning lists, keeping the first warning of each code. */
export function mergeWarnings(...lists: QualityWarning[][]): QualityWarning[] {
  const seen = new Set<string>();
  const out: QualityWarning[] = [];
  for (const list of lists) {
    for (const w of list) {
      if (seen.has(w.code)) continue;
      seen.add(w.code);
      out.push(w);
    }
  }
  return out;
}

export function assessQuality(img: QualityImage, thresholds: Partial<QualityThresholds> = {}): QualityReport {
  const metrics = measureQuality(img);
  return { metrics, warnings: judgeQuality(metrics, thresholds) };
}

/** The decision part of assessQuality, on metrics already measured. */
export function judgeQuality(m: QualityMetrics, thresholds: Partial<QualityThresholds> = {}): QualityWarning[] {
  const t = { ...QUALITY_THRESHOLDS, ...thresholds };
  const black = m.clippedDark > t.maxClippedDark;
  const tooDark = black || m.backgroundLevel < t.minBackgroundLevel;
  const tooBright = m.clippedBright > t.maxClippedBright;
  // A check is skipped where an earlier problem leaves nothing to judge: a black or blown-out field
  // has no detail, a dim one too little colour, and a field without contrast no edges.
  const lowContrast = !tooDark && !tooBright && m.contrast < t.minContrast;
  const blurred = !black && !tooBright && !lowContrast && (m.focusScaleRatio < t.minFocusScaleRatio || m.focusRatio < t.minFocusRatio);
  const greyscale = !tooDark && !tooBright && !lowContrast && m.meanChroma < t.minMeanChroma;
  const cast = !tooBright && !greyscale && (m.greenClipExcess > t.maxGreenClipExcess || Math.max(m.redClipExcess, m.blueClipExcess) > t.maxRedBlueClipExcess);

  const warnings: QualityWarning[] = [];
  if (tooDark) warnings.push(qualityWarning('too_dark'));
  if (tooBright) warnings.push(qualityWarning('too_bright'));
  if (lowContrast) warnings.push(qualityWarning('low_contrast'));
  if (blurred) warnings.push(qualityWarning('out_of_focus'));
  if (greyscale) warnings.push(qualityWarning('greyscale'));
  if (cast) warnings.push(qualityWarning('colour_cast'));
  return warnings;
}

/** Computes the metrics only (no decision). */
export function measureQuality(img: QualityImage): QualityMetrics {
  const { rgb, width, height } = img;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`assessQuality: bad size ${width}x${height}`);
  }
  if (rgb.length < width * height * 3) {
    throw new RangeError(`assessQuality: buffer holds ${rgb.length} bytes, ${width}x${height}x3 needs ${width * height * 3}`);
  }

  const k = Math.max(1, Math.min(Math.round(Math.max(width, height) / WORK_SIDE), width, height));
  const tw = Math.max(1, Math.floor(width / k));
  const th = Math.max(1, Math.floor(height / k));
  const n = tw * th;

  const [r, g, b] = blockAverage(rgb, width, k, tw, th);
  const grey = new Float32Array(n);
  const hist = new Float64Array(256);
  // Colour sums per grey level, so the background's mean colour needs no second pass.
  const histR = new Float64Array(256);
  const histG = new Float64Array(256);
  const histB = new Float64Array(256);
  const histGrey = new Float64Array(256);
  let greySum = 0;
  let greySq = 0;
  let dark = 0;
  let bright = 0;
  let clipR = 0;
  let clipG = 0;
  let clipB = 0;
  let chromaSum = 0;
  for (let i = 0; i < n; i++) {
    const ri = r[i];
    const gi = g[i];
    const bi = b[i];
    const v = 0.299 * ri + 0.587 * gi + 0.114 * bi;
    grey[i] = v;
    greySum += v;
    greySq += v * v;
    const bin = (v + 0.5) | 0;
    hist[bin]++;
    histR[bin] += ri;
    histG[bin] += gi;
    histB[bin] += bi;
    histGrey[bin] += v;
    if (v <= 5) dark++;
    else if (v >= 250) bright++;
    if (ri >= 250) clipR++;
    if (gi >= 250) clipG++;
    if (bi >= 250) clipB++;
    // Cheap opponent-colour chroma in 0..255 units; only used to spot a colourless image.
    const rg = ri - gi;
    const yb = 0.5 * (ri + gi) - bi;
    chromaSum += Math.sqrt(rg * rg + yb * yb);
  }
  const brightness = greySum / n;
  const greyVar = Math.max(0, greySq / n - brightness * brightness);

  // Background: the brightest share of the pixels (plasma between the cells, pale RBC centres).
  const want = Math.max(1, Math.round(n * BACKGROUND_SHARE));
  let bgR = 0;
  let bgG = 0;
  let bgB = 0;
  let bgGrey = 0;
  let bgN = 0;
  for (let bin = 255; bin >= 0 && bgN < want; bin--) {
    bgR += histR[bin];
    bgG += histG[bin];
    bgB += histB[bin];
    bgGrey += histGrey[bin];
    bgN += hist[bin];
  }
  bgR /= bgN;
  bgG /= bgN;
  bgB /= bgN;
  const [, aStar, bStar] = srgbToLab(bgR, bgG, bgB);
  const backgroundChroma = Math.hypot(aStar, bStar);
  let backgroundHue = (Math.atan2(bStar, aStar) * 180) / Math.PI;
  if (backgroundHue < 0) backgroundHue += 360;

  const focus = laplacianVariance(grey, tw, th);
  const focusHalf = laplacianVariance(halve(grey, tw, th), tw >> 1, th >> 1);

  return {
    focus,
    focusRatio: greyVar > 1e-6 ? focus / greyVar : 0,
    focusScaleRatio: focusHalf > 1e-9 ? focus / focusHalf : 0,
    brightness,
    backgroundLevel: bgGrey / bgN,
    clippedDark: dark / n,
    clippedBright: bright / n,
    redClipExcess: (clipR - Math.min(clipR, clipG, clipB)) / n,
    greenClipExcess: (clipG - Math.min(clipR, clipG, clipB)) / n,
    blueClipExcess: (clipB - Math.min(clipR, clipG, clipB)) / n,
    backgroundChroma,
    backgroundHue,
    meanChroma: chromaSum / n,
    contrast: Math.sqrt(greyVar),
    workWidth: tw,
    workHeight: th,
  };
}

/**
 * Mean of each k x k block (the last partial row and column of blocks are left out), one plane per
 * channel. An integer factor keeps every working pixel the same footprint: a fractional reduction
 * would blur some pixels more than others and the Laplacian would read that as a focus change.
 */
function blockAverage(rgb: Buffer | Uint8Array, w: number, k: number, tw: number, th: number): [Float32Array, Float32Array, Float32Array] {
  const n = tw * th;
  const r = new Float32Array(n);
  const g = new Float32Array(n);
  const b = new Float32Array(n);
  const acc = new Uint32Array(tw * 3);
  const inv = 1 / (k * k);
  for (let ty = 0; ty < th; ty++) {
    acc.fill(0);
    for (let y = ty * k; y < (ty + 1) * k; y++) {
      let p = y * w * 3;
      for (let t = 0, q = 0; t < tw; t++, q += 3) {
        let sr = 0;
        let sg = 0;
        let sb = 0;
        for (let j = 0; j < k; j++, p += 3) {
          sr += rgb[p];
          sg += rgb[p + 1];
          sb += rgb[p + 2];
        }
        acc[q] += sr;
        acc[q + 1] += sg;
        acc[q + 2] += sb;
      }
    }
    const row = ty * tw;
    for (let t = 0, q = 0; t < tw; t++, q += 3) {
      r[row + t] = acc[q] * inv;
      g[row + t] = acc[q + 1] * inv;
      b[row + t] = acc[q + 2] * inv;
    }
  }
  return [r, g, b];
}

function halve(src: Float32Array, w: number, h: number): Float32Array {
  const w2 = w >> 1;
  const h2 = h >> 1;
  const out = new Float32Array(w2 * h2);
  for (let y = 0; y < h2; y++) {
    for (let x = 0; x < w2; x++) {
      const i = 2 * y * w + 2 * x;
      out[y * w2 + x] = 0.25 * (src[i] + src[i + 1] + src[i + w] + src[i + w + 1]);
    }
  }
  return out;
}

function laplacianVariance(grey: Float32Array, w: number, h: number): number {
  let sum = 0;
  let sq = 0;
  let n = 0;
  for (let y = 1; y < h - 1; y++) {
    let i = y * w + 1;
    for (let x = 1; x < w - 1; x++, i++) {
      const l = grey[i - 1] + grey[i + 1] + grey[i - w] + grey[i + w] - 4 * grey[i];
      sum += l;
      sq += l * l;
      n++;
    }
  }
  if (!n) return 0;
  const mean = sum / n;
  return Math.max(0, sq / n - mean * mean);
}

/** sRGB (0..255) to CIELAB under D65. */
function srgbToLab(r8: number, g8: number, b8: number): [number, number, number] {
  const lin = (c: number) => {
    const v = c / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  const r = lin(r8);
  const g = lin(g8);
  const b = lin(b8);
  const x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047;
  const y = 0.2126729 * r + 0.7151522 * g + 0.072175 * b;
  const z = (0.0193339 * r + 0.119192 * g + 0.9503041 * b) / 1.08883;
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : ((24389 / 27) * t + 16) / 116);
  const fx = f(x);
  const fy = f(y);
  const fz = f(z);
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}
