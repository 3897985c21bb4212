/**
 * Colour normalisation before the detectors. First the light: each channel is scaled so that the
 * field's background (the light through the slide) has the training fields' background, a white
 * balance that undoes a camera's or a lamp's colour, and its level, whatever the stain (not where a
 * background channel is clipped: its true level is unknown). Then the stain: each channel is moved
 * towards the mean and standard deviation that the typed training fields have (Reinhard-style
 * matching, per RGB channel).
 * The type heads learned the granule colours of one centre's stain and camera; a field whose white
 * balance, exposure or stain differs is brought closer to them. It is three lookup tables, applied
 * while letterboxing, so it costs one pass over a subsample of the pixels.
 */

export interface ChannelStats {
  /** Per channel R, G, B, in 0..255. */
  mean: [number, number, number];
  std: [number, number, number];
}

export interface ColourNormalisation {
  /** Of the stain match: 0 leaves the (white-balanced) field as it is, 1 matches the target exactly; chosen on val (scripts/tune-colour.ts). */
  strength: number;
  /** What the typed training fields have, on average. */
  target: ChannelStats;
  /** The typed training fields' mean background colour, R, G, B; absent: no white balance. */
  background?: [number, number, number];
}

/** byte -> float 0..1 per channel: the letterbox's conversion, with the normalisation folded in. */
export type ChannelLuts = [Float32Array, Float32Array, Float32Array];

/** Mean and standard deviation per channel of 8-bit RGB HWC pixels, from every step-th pixel. */
export function channelStats(rgb: Uint8Array, step = 1): ChannelStats {
  const sum = [0, 0, 0];
  const sq = [0, 0, 0];
  let n = 0;
  for (let i = 0; i + 2 < rgb.length; i += 3 * step) {
    for (let c = 0; c < 3; c++) {
      const v = rgb[i + c];
      sum[c] += v;
      sq[c] += v * v;
    }
    n++;
  }
  const mean = sum.map((s) => s / Math.max(1, n)) as ChannelStats['mean'];
  const std = sq.map((s, c) => Math.sqrt(Math.max(0, s / Math.max(1, n) - mean[c] * mean[c]))) as ChannelStats['std'];
  return { mean, std };
}

/**
 * Lookup tables mapping each channel's bytes to floats 0..1: v -> w = white * v, clamped to 255,
 * then w + strength * (matched(w) - w), matched(w) = (w - mean) / std * target.std + target.mean,
 * rounded to a byte and clamped; mean and std are the field's times the gain (ignoring the clamp
 * at 255). A flat channel (std < 1) keeps its contrast and is only shifted.
 */
export function normalisationLuts(field: ChannelStats, norm: ColourNormalisation, white: readonly number[] = [1, 1, 1]): ChannelLuts {
  return [0, 1, 2].map((c) => {
    const mean = field.mean[c] * white[c];
    const std = field.std[c] * white[c];
    const gain = std >= 1 ? norm.target.std[c] / std : 1;
    return Float32Array.from({ length: 256 }, (_, v) => {
      const w = Math.min(255, v * white[c]);
      const matched = (w - mean) * gain + norm.target.mean[c];
      const out = Math.round(w + norm.strength * (matched - w));
      return Math.max(0, Math.min(255, out)) / 255;
    });
  }) as ChannelLuts;
}

/** The white balance's gains are kept within this range: beyond it a channel holds too little to rescue. */
const WHITE_BALANCE_GAINS: readonly [number, number] = [0.25, 4];

/**
 * The white balance gains that give a field of background colour `fieldBackground` the training
 * fields' background; none without a training background.
 */
export function whiteBalance(fieldBackground: readonly number[], norm: ColourNormalisation): [number, number, number] {
  if (!norm.background) return [1, 1, 1];
  const target = norm.background;
  const [lo, hi] = WHITE_BALANCE_GAINS;
  return [0, 1, 2].map((c) => Math.min(hi, Math.max(lo, target[c] / Math.max(1, fieldBackground[c])))) as [number, number, number];
}

/** The luts for one field (its background colour given), or undefined when there is no normalisation. */
export function fieldLuts(rgb: Uint8Array, norm: ColourNormalisation | undefined, background: readonly number[]): ChannelLuts | undefined {
  if (!norm || (norm.strength === 0 && !norm.background)) return undefined;
  // Every 4th pixel: the statistics of a field move by well under one grey level.
  return normalisationLuts(channelStats(rgb, 4), norm, whiteBalance(background, norm));
}
