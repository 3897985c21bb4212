/** Pascal VOC reader: a folder of XML annotations and a folder of images. */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Box } from '../../core/types.ts';
import { mapClassName } from './classmap.ts';
import { mapLimit, probeImage } from './image.ts';
import type { Field, FieldBox } from './types.ts';
import { child, childText, children, parseXml } from './xml.ts';

export interface VocOptions {
  /** Default: <root>/Annotations. */
  annotationsDir?: string;
  /** Default: <root>/JPEGImages. */
  imagesDir?: string;
  /** Called for each box that was dropped (degenerate, or outside the image). */
  onWarning?: (message: string) => void;
}

export interface VocObject {
  name: string;
  xmin: number;
  ymin: number;
  xmax: number;
  ymax: number;
}

export interface VocAnnotation {
  filename?: string;
  width?: number;
  height?: number;
  objects: VocObject[];
}

export function parseVocXml(xml: string): VocAnnotation {
  const root = parseXml(xml);
  if (root.name !== 'annotation') throw new Error(`root element is <${root.name}>, not <annotation>`);
  const size = child(root, 'size');
  const num = (v: string | undefined): number | undefined => (v === undefined || v === '' ? undefined : Number(v));
  const objects = children(root, 'object').map((o): VocObject => {
    const bb = child(o, 'bndbox');
    const name = childText(o, 'name');
    if (!bb || !name) throw new Error('<object> without <name> or <bndbox>');
    const coord = (k: string): number => {
      const v = Number(childText(bb, k));
      if (!Number.isFinite(v)) throw new Error(`<object> ${name}: bad <${k}>`);
      return v;
    };
    return { name, xmin: coord('xmin'), ymin: coord('ymin'), xmax: coord('xmax'), ymax: coord('ymax') };
  });
  return {
    filename: childText(root, 'filename') || undefined,
    width: size && num(childText(size, 'width')),
    height: size && num(childText(size, 'height')),
    objects,
  };
}

/**
 * VOC coordinates are 1-based and inclusive (xmin 1 .. xmax 640 spans a 640-pixel image), so the
 * pixel-edge box is [xmin - 1, ymin - 1, xmax, ymax], clipped to the image. Returns null for a box
 * with no area left.
 */
export function vocBoxToPixels(o: VocObject, width: number, height: number): Box | null {
  const x1 = Math.max(0, Math.min(width, o.xmin - 1));
  const y1 = Math.max(0, Math.min(height, o.ymin - 1));
  const x2 = Math.max(0, Math.min(width, o.xmax));
  const y2 = Math.max(0, Math.min(height, o.ymax));
  return x2 > x1 && y2 > y1 ? [x1, y1, x2, y2] : null;
}

/** Read every *.xml in the annotations folder; the image is <filename> (or the XML's stem + .jpg). */
export async function readVoc(root: string, opts: VocOptions = {}): Promise<Field[]> {
  const annDir = opts.annotationsDir ?? path.join(root, 'Annotations');
  const imgDir = opts.imagesDir ?? path.join(root, 'JPEGImages');
  const xmls = (await readdir(annDir)).filter((f) => f.toLowerCase().endsWith('.xml')).sort();
  return mapLimit(xmls, 8, async (xmlName) => {
    const xmlPath = path.join(annDir, xmlName);
    let ann: VocAnnotation;
    try {
      ann = parseVocXml(await readFile(xmlPath, 'utf8'));
    } catch (e) {
      throw new Error(`${xmlPath}: ${(e as Error).message}`);
    }
    const name = ann.filename ? path.basename(ann.filename) : xmlName.replace(/\.xml$/i, '.jpg');
    const file = path.join(imgDir, name);
    const facts = await probeImage(file);
    if ((ann.width && ann.width !== facts.width) || (ann.height && ann.height !== facts.height)) {
      opts.onWarning?.(`${xmlPath}: <size> ${ann.width}x${ann.height} but the image is ${facts.width}x${facts.height}; using the image's`);
    }
    const boxes: FieldBox[] = [];
    for (const o of ann.objects) {
      const cls = mapClassName(o.name);
      if (!cls) throw new Error(`${xmlPath}: unknown class name '${o.name}'`);
      const box = vocBoxToPixels(o, facts.width, facts.height);
      if (!box) {
        opts.onWarning?.(`${xmlPath}: dropped empty ${o.name} box ${o.xmin},${o.ymin},${o.xmax},${o.ymax}`);
        continue;
      }
      boxes.push({ box, kind: cls.kind, type: cls.type });
    }
    return { file, name, ...facts, boxes };
  });
}
