/**
 * Any labelled dataset as a COCO ground truth for `leukodiff eval`: a COCO json file, a Pascal VOC
 * folder (Annotations/ + JPEGImages/, e.g. the study's own layout with NG/EG/BG/L/M) or a YOLO
 * folder (images/ + labels/ with data.yaml or classes.txt).
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { CocoDataset as EvalDataset } from '../coco-types.ts';
import { CELL_CATEGORIES, TYPE_CATEGORIES, cellCategoryOf, toCoco, typedCategoryOf } from './coco.ts';
import type { Field } from './types.ts';
import { readVoc } from './voc.ts';
import { readYolo } from './yolo.ts';

const isDir = async (p: string) => (await stat(p).catch(() => null))?.isDirectory() ?? false;

function fieldsToCoco(fields: Field[], imageRoot: string, source: string): EvalDataset {
  const typed = fields.some((f) => f.boxes.some((b) => b.kind === 'leukocyte' && b.type !== null));
  return toCoco(fields, {
    info: { description: `converted from ${source}`, image_root: imageRoot },
    categories: typed ? TYPE_CATEGORIES : CELL_CATEGORIES,
    categoryOf: typed ? typedCategoryOf : cellCategoryOf,
  }) as unknown as EvalDataset;
}

export async function loadEvalDataset(p: string): Promise<EvalDataset> {
  if (await isDir(p)) {
    if (await isDir(path.join(p, 'Annotations'))) return fieldsToCoco(await readVoc(p), path.join(p, 'JPEGImages'), `Pascal VOC ${p}`);
    if (await isDir(path.join(p, 'labels'))) return fieldsToCoco(await readYolo(p), path.join(p, 'images'), `YOLO ${p}`);
    throw new Error(`${p} is a folder but neither Pascal VOC (Annotations/, JPEGImages/) nor YOLO (images/, labels/)`);
  }
  const ds = JSON.parse(await readFile(p, 'utf8')) as EvalDataset;
  if (!Array.isArray(ds.images) || !Array.isArray(ds.annotations) || !Array.isArray(ds.categories)) {
    throw new Error('not a COCO dataset (images, annotations, categories)');
  }
  return ds;
}
