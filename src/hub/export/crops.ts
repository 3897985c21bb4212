/**
 * Classifier crops of exported cells, cut exactly as the box cuts them before typing
 * (src/core/analysis/typing.ts): the photo decoded by the analysis's own decoder, the field's
 * background colour, a square of the classifier's cropRbc red-cell diameters centred on the box,
 * resampled to its inputPx by the classifier's cropInto. The red-cell diameter comes from the
 * field's scale as the box used it, or, unmeasured, from the same fallback as typing. So a training
 * crop is the picture the classifier sees of that cell at inference.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { backgroundRgb } from '../../core/analysis/background.ts';
import { withDecodedImage } from '../../core/analysis/image-input.ts';
import { REFERENCE_RBC_UM } from '../../core/analysis/scale.ts';
import { UNMEASURED_FIELD_RBC } from '../../core/analysis/typing.ts';
import { cropInto } from '../../core/inference/cell-classifier.ts';
import { parseManifest } from '../../core/inference/manifest.ts';

export interface CropSpec {
  /** The crop's side in pixels (the classifier's input). */
  inputPx: number;
  /** The crop's side in red-cell diameters. */
  cropRbc: number;
  /** The classifier these crops are for. */
  classifierSha256: string;
}

/** The crop geometry of the classifier in models/manifest.json. */
export async function cropSpecOf(modelsDir: string): Promise<CropSpec> {
  const file = path.join(modelsDir, 'manifest.json');
  const manifest = parseManifest(JSON.parse(await readFile(file, 'utf8')));
  const c = manifest.cellClassifier;
  if (!c) throw new Error(`${file} has no cellClassifier: training crops need its crop size (set LEUKODIFF_MODELS to a models folder with one)`);
  return { inputPx: c.inputPx, cropRbc: c.cropRbc, classifierSha256: c.sha256 };
}

/** A field's red-cell diameter in its pixels, as typing takes it (typing.ts: the scale, else UNMEASURED_FIELD_RBC per long side). */
export function rbcPxOf(umPerPixel: number | null, width: number, height: number): number {
  return umPerPixel !== null && umPerPixel > 0 ? REFERENCE_RBC_UM / umPerPixel : Math.max(width, height) / UNMEASURED_FIELD_RBC;
}

/**
 * The field's files for the export, from one decoding: the photo as a PNG of the pixels the boxes
 * are in (its EXIF orientation applied, the report's size, and none of the file's metadata: a camera
 * may write dates, serial numbers, places or names there), and PNG crops of the boxes (in the
 * field's pixels as its report gives them), in order. Throws the decoder's InputError for a photo
 * that cannot be decoded.
 */
export async function fieldFiles(
  bytes: Buffer,
  declared: { width: number; height: number },
  rbcPx: number,
  boxes: [number, number, number, number][],
  spec: CropSpec,
): Promise<{ photo: Buffer; crops: Buffer[] }> {
  return withDecodedImage(bytes, {}, async (img) => {
    const background = backgroundRgb(img);
    // The report's size is what the boxes are in; a decoded photo of another size is scaled to it.
    const sx = img.width / (declared.width || img.width);
    const sy = img.height / (declared.height || img.height);
    const side = spec.cropRbc * rbcPx * sx;
    const s = spec.inputPx;
    const planar = new Float32Array(3 * s * s);
    const out: Buffer[] = [];
    for (const b of boxes) {
      cropInto(planar, 0, img, ((b[0] + b[2]) / 2) * sx, ((b[1] + b[3]) / 2) * sy, side, s, background);
      const hwc = Buffer.alloc(3 * s * s);
      for (let p = 0; p < s * s; p++) for (let k = 0; k < 3; k++) hwc[p * 3 + k] = Math.round(Math.min(1, Math.max(0, planar[p + k * s * s])) * 255);
      out.push(
        await sharp(hwc, { raw: { width: s, height: s, channels: 3 } })
          .png()
          .toBuffer(),
      );
    }
    let photo = sharp(img.rgb, { raw: { width: img.width, height: img.height, channels: 3 } });
    if (img.width !== declared.width || img.height !== declared.height) photo = photo.resize(declared.width, declared.height, { fit: 'fill' });
    return { photo: await photo.png().toBuffer(), crops: out };
  });
}
