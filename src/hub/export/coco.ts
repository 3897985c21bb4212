/**
 * The COCO entries of a training export: categories, one image per field of a signed sample, one
 * annotation per verified cell. Only ids, geometry, classes, scales and model versions go in: no
 * patient id, sample reference, comment or person's name (a cell's verifier is a role). The sample
 * is named by an opaque key (a hash of its id) so that a trainer can keep a sample on one side of a
 * split without learning which sample it was.
 */
import { createHash } from 'node:crypto';
import { CELL_CLASSES, isCountedClass, type CellClass } from '../../contracts/vocabulary.ts';
import type { VerifiedBy } from './verified.ts';

export const CATEGORIES = CELL_CLASSES.map((name, i) => ({ id: i + 1, name, supercategory: isCountedClass(name) ? 'leukocyte' : 'not_counted' }));

export const categoryId = (type: CellClass): number => CELL_CLASSES.indexOf(type) + 1;

/** The classes that get a classifier crop: every class a person can name ('unclassified' is no class). */
export const hasCrop = (type: CellClass): boolean => type !== 'unclassified';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** A sample's opaque key: stable for the sample, says nothing of it. */
export const sampleKey = (sampleId: string): string => sha256(`leukodiff.training.sample\0${sampleId}`).slice(0, 32);

export interface ModelRef {
  id: string;
  sha256: string;
}

/** The key of the set of models that analysed a sample (its report's analysis.models). */
export function modelSetKey(models: ModelRef[]): string {
  const sorted = [...models].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.sha256 < b.sha256 ? -1 : 1));
  return `ms-${sha256(sorted.map((m) => `${m.id}:${m.sha256}`).join('\n')).slice(0, 16)}`;
}

/** A field photo in the export: a PNG named by the sha256 of the photo as the box sent it (the hub's id of it). */
export const imageFileName = (sha: string): string => `images/${sha}.png`;

export const cropFileName = (type: CellClass, annotationId: number): string => `crops/${type}/${annotationId}.png`;

export interface CocoImage {
  id: number;
  file_name: string;
  width: number;
  height: number;
  sha256: string;
  clinic_id: string;
  device_id: string;
  sample_key: string;
  field_seq: number;
  /** The field's scale as the box used it; null: not measured (source 'unmeasured'). */
  um_per_pixel: number | null;
  scale_source: string;
  /** The red-cell diameter in pixels the crops were cut at. */
  crop_rbc_px: number;
}

export interface CocoAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  /** x, y, width, height in the image's pixels. */
  bbox: [number, number, number, number];
  area: number;
  iscrowd: 0;
  attributes: {
    verifiedBy: VerifiedBy;
    /** What the analysis called the cell; null for a cell a person drew. */
    proposedType: string | null;
    confidence: number | null;
    /** The key of model_sets that analysed the sample. */
    modelSet: string;
    flagged: boolean;
    /** The classifier crop, relative to the export; null for a class without one. */
    crop: string | null;
  };
}

export function cocoBbox(box: [number, number, number, number]): [number, number, number, number] {
  const [x1, y1, x2, y2] = box;
  return [x1, y1, x2 - x1, y2 - y1];
}
