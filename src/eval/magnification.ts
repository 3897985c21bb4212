/**
 * A test field as another objective or camera would show it. m > 1 (higher magnification): the
 * middle 1/m of the field, enlarged m times; a labelled cell keeps its box clipped to the view when
 * at least half of it is in view, and is an ignore region otherwise. m < 1 (lower magnification):
 * the field, reduced m times, in the middle of a canvas of its background colour of the original
 * size (the smear beyond the photo is not known, so it is left empty). Boxes follow exactly.
 */
import sharp from 'sharp';
import { backgroundRgb } from '../core/analysis/background.ts';
import type { CocoAnnotation, CocoBbox } from './coco-types.ts';

export interface MagnifiedField {
  /** PNG of the same size as the input. */
  png: Buffer;
  annotations: Omit<CocoAnnotation, 'id' | 'image_id'>[];
}

type Ann = Omit<CocoAnnotation, 'id' | 'image_id'>;

export async function magnify(img: { rgb: Uint8Array; width: number; height: number }, annotations: Ann[], m: number): Promise<MagnifiedField> {
  const { width: w, height: h } = img;
  const raw = { raw: { width: w, height: h, channels: 3 as const } };
  if (m >= 1) {
    const cw = Math.round(w / m);
    const ch = Math.round(h / m);
    const x0 = Math.floor((w - cw) / 2);
    const y0 = Math.floor((h - ch) / 2);
    const png = await sharp(img.rgb, raw).extract({ left: x0, top: y0, width: cw, height: ch }).resize(w, h, { kernel: 'linear', fit: 'fill' }).png().toBuffer();
    const sx = w / cw;
    const sy = h / ch;
    const out: MagnifiedField['annotations'] = [];
    for (const a of annotations) {
      const [bx, by, bw, bh] = a.bbox;
      const ix0 = Math.max(bx, x0);
      const iy0 = Math.max(by, y0);
      const ix1 = Math.min(bx + bw, x0 + cw);
      const iy1 = Math.min(by + bh, y0 + ch);
      if (ix1 <= ix0 || iy1 <= iy0) continue;
      const bbox: CocoBbox = [(ix0 - x0) * sx, (iy0 - y0) * sy, (ix1 - ix0) * sx, (iy1 - iy0) * sy];
      const inView = ((ix1 - ix0) * (iy1 - iy0)) / (bw * bh);
      out.push({ ...a, bbox, area: bbox[2] * bbox[3], iscrowd: inView >= 0.5 ? (a.iscrowd ?? 0) : 1 });
    }
    return { png, annotations: out };
  }
  const rw = Math.max(1, Math.round(w * m));
  const rh = Math.max(1, Math.round(h * m));
  const x0 = Math.floor((w - rw) / 2);
  const y0 = Math.floor((h - rh) / 2);
  const bg = backgroundRgb(img).map(Math.round);
  const small = await sharp(img.rgb, raw).resize(rw, rh, { kernel: 'linear', fit: 'fill' }).png().toBuffer();
  const png = await sharp({ create: { width: w, height: h, channels: 3, background: { r: bg[0], g: bg[1], b: bg[2] } } })
    .composite([{ input: small, left: x0, top: y0 }])
    .png()
    .toBuffer();
  const annotationsOut = annotations.map((a) => {
    const bbox: CocoBbox = [x0 + a.bbox[0] * (rw / w), y0 + a.bbox[1] * (rh / h), a.bbox[2] * (rw / w), a.bbox[3] * (rh / h)];
    return { ...a, bbox, area: bbox[2] * bbox[3] };
  });
  return { png, annotations: annotationsOut };
}
