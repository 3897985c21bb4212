/**
 * How much two photos of microscope fields overlap: the same area of the slide photographed twice
 * (moved a little, re-exposed, recompressed) would have its cells counted twice.
 *
 * A fingerprint is the photo in grey, shrunk so that its longer side is WORKING_SIDE pixels, with
 * the light taken out: the slowly varying background (exposure, vignetting, the lamp) is
 * subtracted and the rest scaled to zero mean and unit variance, so that a brighter, darker or
 * gamma-changed shot of the same field looks alike.
 *
 * Registration: the two fingerprints are correlated through the FFT, zero-padded to twice their
 * size so that a shift and its wrap-around never mix (no sign ambiguity to resolve afterwards).
 * With summed-area tables for the window sums this gives, for every translation at once, the
 * normalised cross-correlation (NCC) of the overlapping parts alone, so a 10 % sliver is judged on
 * its own pixels instead of being drowned by the 90 % that differ. The best-scoring translations
 * are then verified: the overlap must correlate as a whole and in each of its thirds, which
 * unrelated fields (a few cell edges lining up by chance) do not.
 *
 * Limits: only translation is estimated. Photos are compared when their aspect ratios agree within
 * ASPECT_TOLERANCE and are assumed to show the same field of view (same objective and camera
 * framing), at any resolution; a rotated photo or another magnification gives share 0. Overlaps
 * under MIN_JUDGED_SHARE are not measured (too few pixels to tell a match from chance) and give 0.
 * A featureless photo (blank glass, a flat test image) has nothing to register and overlaps nothing.
 */
import FFT from 'fft.js';
import sharp from 'sharp';

/** Longer side of the working image, in pixels. */
const WORKING_SIDE = 128;
/** FFT size: twice the working side, so circular correlation equals linear correlation. */
const GRID = 2 * WORKING_SIDE;
/** Aspect ratios (width / height) further apart than this are not compared. */
const ASPECT_TOLERANCE = 0.03;
/** Radius, in working pixels, of the box blur (3 passes) that estimates the background light. */
const BACKGROUND_RADIUS = 3;
/** Background-free grey levels (of 255) with less spread than this count as featureless. */
const FEATURELESS_STD = 1;
/** Smallest overlap measured, as a share of the new photo. */
const MIN_JUDGED_SHARE = 0.08;
/** Best-scoring translations verified, at least CANDIDATE_SPACING working pixels apart. */
const CANDIDATES = 5;
const CANDIDATE_SPACING = 3;
/**
 * NCC of the whole overlap, and of each of its thirds, from which two photos show the same slide
 * area. On the demo photos, an area retaken (brighter, other gamma, JPEG 40-60, slightly blurred)
 * correlates at 0.77 or more even over 10 % of the field; a few large red cells lining up by chance
 * between different areas reach 0.72, and then fail in one of the thirds.
 */
const MIN_CORRELATION = 0.75;
const MIN_PART_CORRELATION = 0.45;

export interface FieldPixels {
  /** 8-bit sRGB, HWC, 3 channels. */
  rgb: Buffer;
  width: number;
  height: number;
}

export interface FieldFingerprint {
  /** Size of the photo, in its own pixels. */
  width: number;
  height: number;
  /** Size of the working image (longer side WORKING_SIDE). */
  gridWidth: number;
  gridHeight: number;
  /** Background-free, zero-mean, unit-variance grey levels, gridWidth x gridHeight, row-major; null when featureless. */
  texture: Float32Array | null;
}

export interface FieldOverlap {
  /** Area shared with the earlier photo, as a share of the new photo's area (0..1); 0 when none was found. */
  share: number;
  /**
   * Where the new photo lies in the earlier one, in the new photo's pixels: new(x, y) shows
   * earlier(x + dx, y + dy). 0 when no overlap was found.
   */
  dx: number;
  dy: number;
  /** NCC of the overlapping parts at that shift; 0 when no overlap was found. */
  correlation: number;
}

const NO_OVERLAP: FieldOverlap = { share: 0, dx: 0, dy: 0, correlation: 0 };

export async function fieldFingerprint(photo: FieldPixels): Promise<FieldFingerprint> {
  const scale = WORKING_SIDE / Math.max(photo.width, photo.height);
  const gridWidth = Math.max(1, Math.round(photo.width * scale));
  const gridHeight = Math.max(1, Math.round(photo.height * scale));
  const grey = await sharp(photo.rgb, { raw: { width: photo.width, height: photo.height, channels: 3 } })
    .greyscale()
    .resize(gridWidth, gridHeight, { fit: 'fill' })
    .raw()
    .toBuffer();
  const texture = backgroundFree(grey, gridWidth, gridHeight);
  return { width: photo.width, height: photo.height, gridWidth, gridHeight, texture: normalise(texture) ? texture : null };
}

/** How much `newer` overlaps `earlier`; see FieldOverlap. */
export function overlapShare(newer: FieldFingerprint, earlier: FieldFingerprint): FieldOverlap {
  if (!newer.texture || !earlier.texture) return NO_OVERLAP;
  const aspect = newer.width / newer.height / (earlier.width / earlier.height);
  if (Math.abs(aspect - 1) > ASPECT_TOLERANCE) return NO_OVERLAP;

  const area = newer.gridWidth * newer.gridHeight;
  for (const c of bestShifts(newer, earlier, MIN_JUDGED_SHARE * area)) {
    if (!holdsInEveryThird(newer, earlier, c.dx, c.dy)) continue;
    const toPixels = newer.width / newer.gridWidth;
    return { share: c.area / area, dx: Math.round(c.dx * toPixels), dy: Math.round(c.dy * toPixels), correlation: Math.min(1, c.correlation) };
  }
  return NO_OVERLAP;
}

interface Shift {
  dx: number;
  dy: number;
  /** Overlapping working pixels. */
  area: number;
  correlation: number;
  score: number;
}

/**
 * Of the translations whose overlap correlates at MIN_CORRELATION or more, the CANDIDATES with the
 * highest NCC x sqrt(overlap), best first: a large overlap that correlates well beats a sliver
 * whose high correlation may be luck.
 */
function bestShifts(newer: FieldFingerprint, earlier: FieldFingerprint, minArea: number): Shift[] {
  const cross = crossCorrelation(newer, earlier);
  const a = summedAreas(newer);
  const b = summedAreas(earlier);
  const wa = newer.gridWidth;
  const ha = newer.gridHeight;
  const wb = earlier.gridWidth;
  const hb = earlier.gridHeight;
  const best: Shift[] = [];
  for (let dy = 1 - ha; dy < hb; dy++) {
    const y0 = Math.max(0, -dy);
    const y1 = Math.min(ha, hb - dy);
    for (let dx = 1 - wa; dx < wb; dx++) {
      const x0 = Math.max(0, -dx);
      const x1 = Math.min(wa, wb - dx);
      const n = (x1 - x0) * (y1 - y0);
      if (n < minArea) continue;
      const sa = a.sum(a.values, x0, y0, x1, y1);
      const sb = b.sum(b.values, x0 + dx, y0 + dy, x1 + dx, y1 + dy);
      const varA = a.sum(a.squares, x0, y0, x1, y1) - (sa * sa) / n;
      const varB = b.sum(b.squares, x0 + dx, y0 + dy, x1 + dx, y1 + dy) - (sb * sb) / n;
      if (varA <= 1e-6 * n || varB <= 1e-6 * n) continue;
      const sab = cross[((dy + GRID) % GRID) * GRID + ((dx + GRID) % GRID)];
      const correlation = (sab - (sa * sb) / n) / Math.sqrt(varA * varB);
      if (correlation < MIN_CORRELATION) continue;
      const score = correlation * Math.sqrt(n);
      if (best.length === CANDIDATES && score <= best[CANDIDATES - 1].score) continue;
      keep(best, { dx, dy, area: n, correlation, score });
    }
  }
  return best;
}

/** Adds a shift to the sorted list, unless a better one lies within CANDIDATE_SPACING (it replaces worse ones there). */
function keep(best: Shift[], s: Shift): void {
  const near = best.findIndex((o) => Math.abs(o.dx - s.dx) <= CANDIDATE_SPACING && Math.abs(o.dy - s.dy) <= CANDIDATE_SPACING);
  if (near >= 0) {
    if (best[near].score >= s.score) return;
    best.splice(near, 1);
  } else if (best.length === CANDIDATES) {
    best.pop();
  }
  const at = best.findIndex((o) => o.score < s.score);
  best.splice(at < 0 ? best.length : at, 0, s);
}

/** The overlap, cut in three along its longer side, correlates in every part. */
function holdsInEveryThird(newer: FieldFingerprint, earlier: FieldFingerprint, dx: number, dy: number): boolean {
  const x0 = Math.max(0, -dx);
  const x1 = Math.min(newer.gridWidth, earlier.gridWidth - dx);
  const y0 = Math.max(0, -dy);
  const y1 = Math.min(newer.gridHeight, earlier.gridHeight - dy);
  const alongX = x1 - x0 >= y1 - y0;
  for (let part = 0; part < 3; part++) {
    const cut = (from: number, to: number, k: number) => from + Math.round(((to - from) * k) / 3);
    const r = alongX ? { x0: cut(x0, x1, part), x1: cut(x0, x1, part + 1), y0, y1 } : { x0, x1, y0: cut(y0, y1, part), y1: cut(y0, y1, part + 1) };
    if (regionCorrelation(newer, earlier, dx, dy, r) < MIN_PART_CORRELATION) return false;
  }
  return true;
}

/** NCC of newer(x, y) and earlier(x + dx, y + dy) over [x0, x1) x [y0, y1) of the newer photo. */
function regionCorrelation(newer: FieldFingerprint, earlier: FieldFingerprint, dx: number, dy: number, r: { x0: number; x1: number; y0: number; y1: number }): number {
  const a = newer.texture!;
  const b = earlier.texture!;
  let sa = 0;
  let sb = 0;
  let saa = 0;
  let sbb = 0;
  let sab = 0;
  for (let y = r.y0; y < r.y1; y++) {
    const rowA = y * newer.gridWidth;
    const rowB = (y + dy) * earlier.gridWidth + dx;
    for (let x = r.x0; x < r.x1; x++) {
      const va = a[rowA + x];
      const vb = b[rowB + x];
      sa += va;
      sb += vb;
      saa += va * va;
      sbb += vb * vb;
      sab += va * vb;
    }
  }
  const n = (r.x1 - r.x0) * (r.y1 - r.y0);
  if (n <= 0) return 0;
  const varA = saa - (sa * sa) / n;
  const varB = sbb - (sb * sb) / n;
  return varA > 1e-6 * n && varB > 1e-6 * n ? (sab - (sa * sb) / n) / Math.sqrt(varA * varB) : 0;
}

/** The grey levels minus their local background (a wide blur), as floats. */
function backgroundFree(grey: Buffer, width: number, height: number): Float32Array {
  const background = Float32Array.from(grey);
  for (let pass = 0; pass < 3; pass++) boxBlur(background, width, height, BACKGROUND_RADIUS);
  const out = new Float32Array(width * height);
  for (let i = 0; i < out.length; i++) out[i] = grey[i] - background[i];
  return out;
}

/** In-place box blur, rows then columns; near the borders it averages the pixels that exist. */
function boxBlur(values: Float32Array, width: number, height: number, radius: number): void {
  const line = new Float32Array(Math.max(width, height));
  const pass = (count: number, length: number, at: (line: number, i: number) => number) => {
    for (let l = 0; l < count; l++) {
      for (let i = 0; i < length; i++) line[i] = values[at(l, i)];
      let sum = 0;
      for (let i = 0; i < Math.min(radius, length); i++) sum += line[i];
      for (let i = 0; i < length; i++) {
        if (i + radius < length) sum += line[i + radius];
        if (i - radius - 1 >= 0) sum -= line[i - radius - 1];
        values[at(l, i)] = sum / (Math.min(length - 1, i + radius) - Math.max(0, i - radius) + 1);
      }
    }
  };
  pass(height, width, (y, x) => y * width + x);
  pass(width, height, (x, y) => y * width + x);
}

/** Scales to zero mean and unit variance in place; false when there is no texture to scale. */
function normalise(values: Float32Array): boolean {
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / values.length;
  let squares = 0;
  for (const v of values) squares += (v - mean) ** 2;
  const std = Math.sqrt(squares / values.length);
  if (std < FEATURELESS_STD) return false;
  for (let i = 0; i < values.length; i++) values[i] = (values[i] - mean) / std;
  return true;
}

interface SummedAreas {
  values: Float64Array;
  squares: Float64Array;
  /** Sum over [x0, x1) x [y0, y1) of one of the tables. */
  sum(table: Float64Array, x0: number, y0: number, x1: number, y1: number): number;
}

/** Summed-area tables of the texture and of its square, (width + 1) x (height + 1). */
function summedAreas(f: FieldFingerprint): SummedAreas {
  const t = f.texture!;
  const w = f.gridWidth;
  const stride = w + 1;
  const values = new Float64Array(stride * (f.gridHeight + 1));
  const squares = new Float64Array(values.length);
  for (let y = 0; y < f.gridHeight; y++) {
    let row = 0;
    let rowSquares = 0;
    for (let x = 0; x < w; x++) {
      const v = t[y * w + x];
      row += v;
      rowSquares += v * v;
      values[(y + 1) * stride + x + 1] = values[y * stride + x + 1] + row;
      squares[(y + 1) * stride + x + 1] = squares[y * stride + x + 1] + rowSquares;
    }
  }
  return {
    values,
    squares,
    sum: (table, x0, y0, x1, y1) => table[y1 * stride + x1] - table[y0 * stride + x1] - table[y1 * stride + x0] + table[y0 * stride + x0],
  };
}

const fft = new FFT(GRID);
/** Columns kept of a real image's spectrum: the others mirror them. */
const HALF = GRID / 2 + 1;
// Scratch buffers for one correlation at a time (nothing here awaits).
const realLine = new Float64Array(GRID);
const lineIn = new Float64Array(2 * GRID);
const lineOut = new Float64Array(2 * GRID);
const product = new Float64Array(2 * HALF * GRID);
const earlierSpectrum = new Float64Array(2 * HALF * GRID);
const correlations = new Float64Array(GRID * GRID);
/** The spectrum of the last newer photo: one new photo is compared with many earlier ones in a row. */
const newerSpectrum = { of: null as FieldFingerprint | null, values: new Float64Array(2 * HALF * GRID) };

/**
 * sum over x, y of newer(x, y) * earlier(x + dx, y + dy), for every shift, at
 * [(dy mod GRID) * GRID + (dx mod GRID)]: the inverse transform of conj(N) x E. The returned
 * array is reused by the next call.
 */
function crossCorrelation(newer: FieldFingerprint, earlier: FieldFingerprint): Float64Array {
  if (newerSpectrum.of !== newer) {
    halfSpectrum(newer, newerSpectrum.values);
    newerSpectrum.of = newer;
  }
  halfSpectrum(earlier, earlierSpectrum);
  const a = newerSpectrum.values;
  const b = earlierSpectrum;
  for (let i = 0; i < product.length; i += 2) {
    product[i] = a[i] * b[i] + a[i + 1] * b[i + 1];
    product[i + 1] = a[i] * b[i + 1] - a[i + 1] * b[i];
  }
  // Inverse along y (each kept column), then along x, rebuilding each row's mirrored half. Rows
  // whose shift leaves no overlap are skipped.
  transformColumns(product, true);
  for (let y = 0; y < GRID; y++) {
    if (y >= earlier.gridHeight && y <= GRID - newer.gridHeight) continue;
    lineIn.set(product.subarray(2 * HALF * y, 2 * HALF * (y + 1)));
    fft.completeSpectrum(lineIn);
    fft.inverseTransform(lineOut, lineIn);
    for (let x = 0; x < GRID; x++) correlations[y * GRID + x] = lineOut[2 * x];
  }
  return correlations;
}

/** The 2D spectrum of the texture zero-padded to GRID x GRID: columns 0..GRID/2 (HALF wide, row-major). */
function halfSpectrum(f: FieldFingerprint, out: Float64Array): void {
  out.fill(0, 2 * HALF * f.gridHeight);
  for (let y = 0; y < f.gridHeight; y++) {
    realLine.set(f.texture!.subarray(y * f.gridWidth, (y + 1) * f.gridWidth));
    realLine.fill(0, f.gridWidth);
    fft.realTransform(lineOut, realLine);
    out.set(lineOut.subarray(0, 2 * HALF), 2 * HALF * y);
  }
  transformColumns(out, false);
}

function transformColumns(plane: Float64Array, inverse: boolean): void {
  for (let k = 0; k < HALF; k++) {
    for (let y = 0; y < GRID; y++) {
      lineIn[2 * y] = plane[2 * (y * HALF + k)];
      lineIn[2 * y + 1] = plane[2 * (y * HALF + k) + 1];
    }
    if (inverse) fft.inverseTransform(lineOut, lineIn);
    else fft.transform(lineOut, lineIn);
    for (let y = 0; y < GRID; y++) {
      plane[2 * (y * HALF + k)] = lineOut[2 * y];
      plane[2 * (y * HALF + k) + 1] = lineOut[2 * y + 1];
    }
  }
}
