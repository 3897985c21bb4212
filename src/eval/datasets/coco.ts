/** COCO detection json: writing the built datasets and reading any COCO file back. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CELL_TYPE_CODES, CELL_TYPES } from '../../contracts/vocabulary.ts';
import { type MappedClass, mapClassName } from './classmap.ts';
import { mapLimit, probeImage } from './image.ts';
import type { Field, FieldBox } from './types.ts';

export interface CocoCategory {
  id: number;
  name: string;
  supercategory?: string;
  code?: string;
}

export interface CocoImage {
  id: number;
  file_name: string;
  width: number;
  height: number;
  sha256?: string;
}

export interface CocoAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  /** x, y, width, height in pixels. */
  bbox: [number, number, number, number];
  area: number;
  iscrowd: 0 | 1;
  /** A leukocyte whose type could not be assigned (category_id 0). */
  type_unknown?: boolean;
}

export interface CocoDataset {
  info: Record<string, unknown> & { image_root?: string };
  licenses?: { id: number; name: string; url?: string }[];
  images: CocoImage[];
  annotations: CocoAnnotation[];
  categories: CocoCategory[];
}

/** bccd-typed: COCO id = type index + 1. */
export const TYPE_CATEGORIES: CocoCategory[] = CELL_TYPES.map((name, t) => ({
  id: t + 1,
  name,
  supercategory: 'leukocyte',
  code: CELL_TYPE_CODES[t],
}));

/** txl-wbc: class-agnostic leukocytes plus the extra classes. */
export const CELL_CATEGORIES: CocoCategory[] = [
  { id: 1, name: 'WBC', supercategory: 'cell' },
  { id: 2, name: 'RBC', supercategory: 'cell' },
  { id: 3, name: 'Platelets', supercategory: 'cell' },
];

export function typedCategoryOf(b: FieldBox): number | null {
  if (b.kind !== 'leukocyte') return null;
  return b.type === null ? 0 : b.type + 1;
}

export function cellCategoryOf(b: FieldBox): number | null {
  return b.kind === 'leukocyte' ? 1 : b.kind === 'rbc' ? 2 : 3;
}

const r3 = (v: number): number => Math.round(v * 1000) / 1000;

export interface ToCocoOptions {
  info: Record<string, unknown> & { image_root: string };
  licenses?: CocoDataset['licenses'];
  categories: CocoCategory[];
  /** COCO category id of a box; null leaves the box out; 0 marks an unknown-type leukocyte. */
  categoryOf: (b: FieldBox) => number | null;
}

/** Fields (in the given order) to COCO; image and annotation ids count from 1. */
export function toCoco(fields: readonly Field[], opts: ToCocoOptions): CocoDataset {
  const images: CocoImage[] = [];
  const annotations: CocoAnnotation[] = [];
  fields.forEach((f, i) => {
    const imageId = i + 1;
    images.push({ id: imageId, file_name: f.name, width: f.width, height: f.height, sha256: f.sha256 });
    for (const b of f.boxes) {
      const cat = opts.categoryOf(b);
      if (cat === null) continue;
      const [x1, y1, x2, y2] = b.box;
      const ann: CocoAnnotation = {
        id: annotations.length + 1,
        image_id: imageId,
        category_id: cat,
        bbox: [r3(x1), r3(y1), r3(x2 - x1), r3(y2 - y1)],
        area: r3((x2 - x1) * (y2 - y1)),
        iscrowd: 0,
      };
      if (cat === 0) ann.type_unknown = true;
      annotations.push(ann);
    }
  });
  return { info: opts.info, licenses: opts.licenses, images, annotations, categories: opts.categories };
}

export interface ReadCocoOptions {
  /** Folder that file_name is relative to; default info.image_root, else the json's folder. */
  imageRoot?: string;
  /** Read hash and size from the image files (default true); false trusts the json. */
  probeImages?: boolean;
}

/**
 * COCO json -> fields. Category names go through the class map (so NG/EG/BG/L/M, neutrophil, WBC,
 * RBC, Platelets all work); category_id 0 is an unknown-type leukocyte.
 */
export async function readCoco(jsonPath: string, opts: ReadCocoOptions = {}): Promise<Field[]> {
  const ds = JSON.parse(await readFile(jsonPath, 'utf8')) as CocoDataset;
  const root = path.resolve(path.dirname(jsonPath), opts.imageRoot ?? ds.info?.image_root ?? '.');
  return cocoToFields(ds, root, jsonPath, opts.probeImages ?? true);
}

export async function cocoToFields(ds: CocoDataset, imageRoot: string, where = 'COCO', probe = true): Promise<Field[]> {
  if (!Array.isArray(ds.images) || !Array.isArray(ds.annotations) || !Array.isArray(ds.categories)) {
    throw new Error(`${where}: not a COCO detection file (images, annotations, categories)`);
  }
  const cats = new Map<number, MappedClass>([[0, { kind: 'leukocyte', type: null }]]);
  for (const c of ds.categories) {
    const m = mapClassName(c.name) ?? (c.code ? mapClassName(c.code) : undefined);
    if (!m) throw new Error(`${where}: unknown category name '${c.name}'`);
    cats.set(c.id, m);
  }
  const boxesByImage = new Map<number, FieldBox[]>();
  for (const a of ds.annotations) {
    const m = cats.get(a.category_id);
    if (!m) throw new Error(`${where}: annotation ${a.id} has unknown category_id ${a.category_id}`);
    const [x, y, w, h] = a.bbox;
    if (!(w > 0 && h > 0)) continue;
    const list = boxesByImage.get(a.image_id) ?? [];
    list.push({ box: [x, y, x + w, y + h], kind: m.kind, type: a.category_id === 0 ? null : m.type });
    boxesByImage.set(a.image_id, list);
  }
  return mapLimit(ds.images, 8, async (img): Promise<Field> => {
    const file = path.resolve(imageRoot, img.file_name);
    let facts = { sha256: img.sha256 ?? '', width: img.width, height: img.height };
    if (probe) {
      facts = await probeImage(file);
      if (img.sha256 && img.sha256 !== facts.sha256) throw new Error(`${where}: ${img.file_name} does not match its sha256`);
    }
    return { file, name: img.file_name, ...facts, boxes: boxesByImage.get(img.id) ?? [] };
  });
}
