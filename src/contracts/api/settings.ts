/** The workflow API's settings (GET and PATCH /api/settings, the microscope calibration), as the daemon sends them and the kiosk reads them. */
import type { CellType } from '../vocabulary.ts';

export interface Range {
  low: number;
  high: number;
}

/** A reference range of one of the five types. */
export interface TypeRange {
  percent: Range;
  /** 10^9/L; used once a total WBC count is entered. */
  absolute: Range | null;
}

export type ReferenceRanges = Record<CellType, TypeRange>;

/** The box's languages; the kiosk starts in the one chosen at first-boot setup. */
export const LANGUAGES = ['en', 'fr'] as const;
export type Language = (typeof LANGUAGES)[number];

/** The settings kept in the database, each with its default. */
export interface ClinicSettings {
  /** Leukocytes to count per sample. */
  targetCount: number;
  referenceRanges: ReferenceRanges;
  /** Largest share (0.05..0.95) of a new field's area that may show an earlier field of the sample; more is refused (409 overlapping_field). */
  maxFieldOverlap: number;
  /** Minutes without a tap before the kiosk's session locks. */
  idleLockMinutes: number;
  /** The box's language, chosen at first-boot setup; the kiosk starts in it. */
  language: Language;
}

/** The box's microscope scale, from the measured fields of one normal sample. */
export interface MicroscopeCalibration {
  umPerPixel: number;
  /** Fields whose measured scales it was taken from. */
  fields: number;
  /** Largest / smallest of those scales: how well the fields agreed. */
  spread: number;
  sampleId: string;
  sampleReference: string;
  at: string;
  by: string;
}

/** GET /api/settings, and the answer to every change. */
export interface Settings extends ClinicSettings {
  /** null until calibrated. */
  microscopeCalibration: MicroscopeCalibration | null;
}
