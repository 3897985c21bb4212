/**
 * Colour normalisation before the detectors: each channel of a field is moved towards the mean and
 * standard deviation that the typed training fields have (Reinhard-style matching, per RGB channel).
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
  /** 0 leaves the field as it is, 1 matches the target exactly; chosen on val (scripts/tune-colour.ts). */
  strength: number;
  /** What the typed training fields have, on average. */
  target: ChannelStats;
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
 * Lookup tables mapping each channel's bytes to floats 0..1: v -> v + strength * (matched(v) - v),
 * matched(v) = (v - mean) / std * target.std + target.mean, rounded to a byte and clamped.
 * A flat channel (std < 1) keeps its contrast and is only shifted.
 */
export function normalisationLuts(field: ChannelStats, norm: ColourNormalisation): ChannelLuts {
  return [0, 1, 2].map((c) => {
    const gain = field.std[c] >= 1 ? norm.target.std[c] / field.std[c] : 1;
    return Float32Array.from({ length: 256 }, (_, v) => {
      const matched = (v - field.mean[c]) * gain + norm.target.mean[c];
      const out = Math.round(v + norm.strength * (matched - v));
      return Math.max(0, Math.min(255, out)) / 255;
    });
  }) as ChannelLuts;
}

/** The luts for one field, or undefined when there is no normalisation (or its strength is 0). */
export function fieldLuts(rgb: Uint8Array, norm: ColourNormalisation | undefined): ChannelLuts | undefined {
  if (!norm || norm.strength === 0) return undefined;
  // Every 4th pixel: the statistics of a field move by well under one grey level.
  return normalisationLuts(channelStats(rgb, 4), norm);
}
