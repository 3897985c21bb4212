/**
 * `leukodiff eval --calibrate`: the dataset's fields calibrate the microscope as a box's nurse does
 * in Settings (the median of the measured fields' scales), without reading a label. Each field then
 * uses that calibration where its own red cells cannot be measured or are measured far from it
 * (src/analysis/field-scale.ts), as on a box.
 */
import path from 'node:path';
import { CALIBRATION_MIN_FIELDS, resolveFieldScale } from '../analysis/field-scale.ts';
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
  return { umPerPixel: median(scales), measuredFields: scales.length, fields: gt.images.length };
}
