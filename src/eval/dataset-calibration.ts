/**
 * `leukodiff eval --calibrate`: the dataset's fields calibrate the microscope as a box's supervisor
 * does in Settings (the median of the measured fields' scales), without reading a label. Each field then
 * uses that calibration where its own red cells cannot be measured or are measured far from it
 * (src/analysis/field-scale.ts), as on a box.
 */
import path from 'node:path';
import { CALIBRATION_AGREEMENT, CALIBRATION_MIN_FIELDS, resolveFieldScale } from '../analysis/field-scale.ts';
import { decodeImage } from '../analysis/image-input.ts';
import { median } from '../util/median.ts';
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
  if (scales.length < CALIBRATION_MIN_FIELDS) {
    throw new Error(`--calibrate: the red cells of ${scales.length} of ${gt.images.length} fields could be measured; calibrating needs ${CALIBRATION_MIN_FIELDS} (or give --scale)`);
  }
  // One microscope: the middle half of the fields agree closely (a box's calibration asks 25 % of
  // all its fields; a dataset's thick fields are left to the agreement rule instead). Several
  // sources at their own scales (TXL-PBC: 74 to 125 px red cells) must not share one.
  scales.sort((a, b) => a - b);
  const spread = scales[Math.floor((3 * (scales.length - 1)) / 4)] / scales[Math.floor((scales.length - 1) / 4)];
  if (spread > CALIBRATION_AGREEMENT) {
    throw new Error(`--calibrate: the middle half of the fields' scales differ ${spread.toFixed(2)}-fold: the dataset looks like several microscopes; calibrate each source apart or give --scale`);
  }
  return { umPerPixel: median(scales), measuredFields: scales.length, fields: gt.images.length };
}
