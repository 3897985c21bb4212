/**
 * A field's scale, from the best evidence there is: a scale the user gave (`--scale`, a known
 * camera), the field's own red cells, or the box's microscope calibration; and the warnings when
 * the scale is unknown or outside what typing can work with.
 */
import { median } from '../util/median.ts';
import { measureScale, REFERENCE_RBC_UM } from './scale.ts';
import type { QualityWarning, ScaleRangeReason } from './quality.ts';

export const SCALE_SOURCES = ['given', 'measured', 'calibrated'] as const;
export type ScaleSource = (typeof SCALE_SOURCES)[number];

export interface FieldScale {
  /** Micrometres per pixel of the field as photographed; null when unknown. */
  umPerPixel: number | null;
  source: ScaleSource | 'unmeasured';
  /** Red cells the field's own measurement was taken over (0 when it was not measured). */
  rbcCount: number;
  /** The field's own measurement where the calibration was believed over it (CALIBRATION_AGREEMENT):
   * what a new calibration, after a change of objective, is taken from. */
  measuredUmPerPixel?: number;
}

export interface ScaleInputs {
  /** A known scale, um per pixel: used as it is, never measured over. */
  given?: number;
  /** The box's calibration, um per pixel: used when the field's red cells cannot be measured, or
   * when their measurement is further from it than CALIBRATION_AGREEMENT. */
  calibrated?: number;
}

/**
 * How far a field's measurement may stray from the box's calibration and still be believed. The
 * measurement's own spread is about +-15 % (p10-p90 on every TXL-PBC source), while on a thick or
 * crowded field it can go wrong by 2 to 4 times (packed red cells measured as clumps, gaps or
 * fragments). A change of objective (1.67x from 60x to 100x, 2.5x from 40x) is therefore also read
 * at the calibration until the box is calibrated again; the field keeps its own measurement
 * (`measuredUmPerPixel`) for that new calibration.
 */
export const CALIBRATION_AGREEMENT = 1.5;

/** Fewest measured fields that must agree for a calibration. */
export const CALIBRATION_MIN_FIELDS = 3;
/** A field agrees with the calibration when its measured scale is within this factor of the fields' median. */
export const CALIBRATION_MAX_SPREAD = 1.25;

export type CalibrationResult =
  | { umPerPixel: number; /** The agreeing fields it was taken from. */ fields: number; /** Largest / smallest of their scales. */ spread: number }
  | { error: 'too_few_fields' | 'fields_disagree'; measured: number; agreeing: number };

/**
 * One microscope's scale from its fields' measurements: the median of the fields within
 * CALIBRATION_MAX_SPREAD of the median of all (either way), when at least half of them and at least
 * CALIBRATION_MIN_FIELDS agree. A field measured 2 to 4 times off (a thick area, red cells packed into clumps:
 * about 1 in 4 fields of a phone on a low-power objective) is left out instead of refusing the
 * others; fields of two objectives in about equal share are refused.
 */
export function calibrationFrom(scales: readonly number[]): CalibrationResult {
  if (scales.length < CALIBRATION_MIN_FIELDS) return { error: 'too_few_fields', measured: scales.length, agreeing: scales.length };
  const middle = median(scales);
  const agreeing = scales.filter((s) => Math.max(s / middle, middle / s) <= CALIBRATION_MAX_SPREAD);
  if (agreeing.length < scales.length / 2) return { error: 'fields_disagree', measured: scales.length, agreeing: agreeing.length };
  if (agreeing.length < CALIBRATION_MIN_FIELDS) return { error: 'too_few_fields', measured: scales.length, agreeing: agreeing.length };
  return { umPerPixel: median(agreeing), fields: agreeing.length, spread: Math.max(...agreeing) / Math.min(...agreeing) };
}

/**
 * The scales typing works at: a leukocyte (about 12 um) must span at least ~24 pixels to show its
 * nucleus and granules (0.5 um per pixel: a 40x objective on a phone camera is about there), and a
 * field must hold at least a leukocyte's width (a crop of a few hundred pixels at 0.02 um per pixel).
 */
export const TYPING_SCALE_UM_PER_PX: readonly [number, number] = [0.02, 0.5];

export const SCALE_MESSAGES = {
  scale_unmeasured: 'scale not measured: too few separate red cells in this field; calibrate the microscope in Settings (or photograph a thinner part of the smear)',
  too_low: "magnification too low for typing: use the 100x oil objective (or at least 50x) at the camera's full resolution, and retake",
  too_high: 'magnification too high: the field is smaller than a leukocyte; use the 100x objective without extra zoom and retake',
  tiles_capped: 'field too large for its magnification: only part of the detail is used; use the 100x oil objective or crop the photo to the smear',
} as const;

export function resolveFieldScale(img: { rgb: Uint8Array; width: number; height: number }, inputs: ScaleInputs = {}): FieldScale {
  if (inputs.given !== undefined) return { umPerPixel: inputs.given, source: 'given', rbcCount: 0 };
  const m = measureScale(img);
  const c = inputs.calibrated;
  if (m.umPerPixel !== null && (c === undefined || Math.max(m.umPerPixel / c, c / m.umPerPixel) <= CALIBRATION_AGREEMENT)) {
    return { umPerPixel: m.umPerPixel, source: 'measured', rbcCount: m.rbcCount };
  }
  if (c !== undefined) {
    const own = m.umPerPixel === null ? {} : { measuredUmPerPixel: m.umPerPixel };
    return { umPerPixel: c, source: 'calibrated', rbcCount: m.rbcCount, ...own };
  }
  return { umPerPixel: null, source: 'unmeasured', rbcCount: m.rbcCount };
}

/**
 * A leukocyte's box side over the red-cell diameter, as far as it can be: a small lymphocyte is about
 * one red cell, a large monocyte under three, and boxes are a little loose.
 */
export const LEUKOCYTE_RBC_RATIO: readonly [number, number] = [0.9, 3.2];

/**
 * The measured scale, unless the leukocytes found in the field contradict it (the median box side
 * of the sure ones, over the red-cell diameter, outside LEUKOCYTE_RBC_RATIO): pale red cells seen
 * only as their rims, or platelets taken for red cells, then measured a fraction of the truth. A
 * contradicted scale is unknown (or the calibration); a given or calibrated one is kept.
 */
export function checkedScale(scale: FieldScale, leukocytes: { box: [number, number, number, number]; leukocyte: number }[], inputs: ScaleInputs = {}): FieldScale {
  const sides = leukocytes.filter((c) => c.leukocyte >= 0.5).map((c) => Math.sqrt((c.box[2] - c.box[0]) * (c.box[3] - c.box[1])));
  const agrees = (umPerPixel: number) => {
    if (sides.length === 0) return true;
    const ratio = median(sides) / (REFERENCE_RBC_UM / umPerPixel);
    return ratio >= LEUKOCYTE_RBC_RATIO[0] && ratio <= LEUKOCYTE_RBC_RATIO[1];
  };
  // A measurement the calibration was believed over is kept for a new calibration only if the
  // leukocytes agree with it too: a thick field's wrong measurement must not calibrate the box.
  if (scale.source === 'calibrated' && scale.measuredUmPerPixel !== undefined && !agrees(scale.measuredUmPerPixel)) {
    return { umPerPixel: scale.umPerPixel, source: 'calibrated', rbcCount: scale.rbcCount };
  }
  if (scale.source !== 'measured' || scale.umPerPixel === null || agrees(scale.umPerPixel)) return scale;
  if (inputs.calibrated !== undefined) return { umPerPixel: inputs.calibrated, source: 'calibrated', rbcCount: scale.rbcCount };
  return { umPerPixel: null, source: 'unmeasured', rbcCount: scale.rbcCount };
}

export function rbcDiameterPx(scale: FieldScale): number | null {
  return scale.umPerPixel === null ? null : REFERENCE_RBC_UM / scale.umPerPixel;
}

/** The warnings a field's scale calls for (none for a scale that typing works at). */
export function scaleWarnings(scale: FieldScale, tilesCapped: boolean): QualityWarning[] {
  if (scale.umPerPixel === null) return [{ code: 'scale_unmeasured', message: SCALE_MESSAGES.scale_unmeasured }];
  const [finest, coarsest] = TYPING_SCALE_UM_PER_PX;
  const outOfRange = (reason: ScaleRangeReason): QualityWarning[] => [{ code: 'scale_out_of_range', message: SCALE_MESSAGES[reason], reason }];
  if (scale.umPerPixel > coarsest) return outOfRange('too_low');
  if (scale.umPerPixel < finest) return outOfRange('too_high');
  if (tilesCapped) return outOfRange('tiles_capped');
  return [];
}

/** Parses a user's um-per-pixel value; an error message when it is not a plausible scale. */
export function parseUmPerPixel(text: string): number | string {
  const v = Number(text);
  if (!Number.isFinite(v) || v <= 0) return `scale must be a positive number of micrometres per pixel, got '${text}'`;
  if (v < 0.005 || v > 5) return `scale ${v} um per pixel is outside 0.005 to 5: a 100x objective on a camera gives about 0.05 to 0.15`;
  return v;
}
