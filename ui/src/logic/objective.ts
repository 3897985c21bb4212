/**
 * Which objective the box's microscope calibration looks like. The calibration stores a scale (um
 * per camera pixel), not an objective, and the scale depends on the camera too: so this says only
 * whether the scale is typical of the 100x oil objective the analysis is made for.
 */
import type { MicroscopeCalibration } from '../api/types.ts';

/**
 * Scales a 100x oil objective gives on the cameras such boxes use: about 0.05 to 0.15 um per pixel
 * (see src/core/analysis/field-scale.ts; the demo fields measure 0.06 to 0.11), a little less behind a
 * high-resolution sensor. A 40x objective on the same camera gives 2.5 times as much, so above the
 * range it is not 100x; inside it, a 40x on a very fine sensor is possible, hence "typical of".
 */
export const OIL_100X_UM_PER_PX: readonly [number, number] = [0.03, 0.15];

export type CalibrationLabel = { kind: 'none' } | { kind: 'calibrated'; umPerPixel: number; oil100x: boolean };

export function calibrationLabel(cal: MicroscopeCalibration | null | undefined): CalibrationLabel {
  if (!cal || !Number.isFinite(cal.umPerPixel) || cal.umPerPixel <= 0) return { kind: 'none' };
  const [low, high] = OIL_100X_UM_PER_PX;
  return { kind: 'calibrated', umPerPixel: cal.umPerPixel, oil100x: cal.umPerPixel >= low && cal.umPerPixel <= high };
}

/** Decimals for two significant digits: 0.071, 0.15, 0.0085, 1.2. */
export function scaleDigits(umPerPixel: number): number {
  return Math.min(4, Math.max(1, 1 - Math.floor(Math.log10(umPerPixel))));
}
