/**
 * `leukodiff eval --calibrate`: the dataset's fields calibrate the microscope as a box's supervisor
 * does in Settings (the median of the measured fields' scales), without reading a label. Each field then
 * uses that calibration where its own red cells cannot be measured or are measured far from it
 * (src/core/analysis/field-scale.ts), as on a box.
 */
import path from 'node:path';
import { CALIBRATION_MAX_SPREAD, CALIBRATION_MIN_FIELDS, calibrationFrom, resolveFieldScale } from '../core/analysis/field-scale.ts';
import { decodeImage } from '../core/analysis/image-input.ts';
import type { CocoDataset } from './coco-types.ts';

export interface DatasetCalibration {
  umPerPixel: number;
  /** Fields whose red cells were measured, of `fields`. */
  measuredFields: number;
  fields: number;
}

export async function calibrateFromDataset(gt: CocoDataset, imageRoot: string): Promise<DatasetCalibration> {
  const scales: number[] = [];
  for (const image of gt.images) {
    const s = resolveFieldScale(await decodeImage(path.resolve(imageRoot, image.file_name)));
    if (s.umPerPixel !== null) scales.push(s.umPerPixel);
  }
  const result = calibrationFrom(scales);
  if ('error' in result && result.error === 'too_few_fields') {
    throw new Error(
      `--calibrate: the red cells of ${scales.length} of ${gt.images.length} fields could be measured, ${result.agreeing} of them on one scale; calibrating needs ${CALIBRATION_MIN_FIELDS} (or give --scale)`,
    );
  }
  // --calibrate asserts one microscope; what can be checked is that most fields agree with the
  // median as a box's calibration asks, so that two microscopes of about equal share, or
  // measurements that are mostly wrong, are refused. Thick fields measure 2 to 4 times off: on
  // Chula WBC 64 to 69 % of the fields lie within 25 % of the median, on TXL-PBC's four sources 60 %,
  // so a mixed set with one dominant scale cannot be told apart.
  if ('error' in result) {
    throw new Error(
      `--calibrate: only ${result.agreeing} of ${scales.length} measured fields lie within ${Math.round((CALIBRATION_MAX_SPREAD - 1) * 100)} % of their median scale: the dataset looks like several microscopes; calibrate each source apart or give --scale`,
    );
  }
  const { umPerPixel } = result;
  return { umPerPixel, measuredFields: scales.length, fields: gt.images.length };
}
