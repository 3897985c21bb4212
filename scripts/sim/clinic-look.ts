/**
 * How a clinic's microscope, camera and stain would show a smear photo taken elsewhere: a
 * resampling (magnification), a linear map of each pixel's optical densities (stain), a new light
 * source (background colour) and the camera's JPEG quality.
 */
import sharp from 'sharp';
import { backgroundRgb } from '../../src/core/analysis/background.ts';

export interface ClinicLook {
  id: string;
  /** Resampling factor of the photo (0.6: a lower magnification; the cells 0.6x as many pixels wide). */
  scale: number;
  /** 3x3 row-major matrix applied to each pixel's optical density vector (Beer-Lambert, per channel R,G,B, against the photo's own background): od' = M od. Identity keeps the stain. */
  stain: readonly number[];
  /** The light source of the new camera: the background RGB (0..255) the transformed photo gets. */
  light: readonly [number, number, number];
  /** JPEG quality of the new camera. */
  jpegQuality: number;
  /** The camera's colour processing after the light has passed the stain (a phone's white balance and vivid mode): hue turned by degrees, saturation multiplied. */
  camera?: { hue: number; saturation: number };
}

/** Share of a photo's pixels that is its background (brightest) and its stained cells (darkest); as `background_rgb` in scripts/train/cellcls/common.py. */
const SHARE = 0.2;
const OD_MAX = 3;

export const CLINIC_LOOKS: Record<'a' | 'b', ClinicLook> = {
  a: {
    id: 'a',
    scale: 0.8,
    // A stronger eosin: eosin absorbs green (and a little blue), so the pink cytoplasm, granules and red cells absorb 10 % more there.
    stain: [1.0, 0.0, 0.0, 0.0, 1.1, 0.0, 0.0, 0.03, 1.0],
    light: [250, 240, 220],
    jpegQuality: 90,
  },
  b: {
    id: 'b',
    scale: 0.6,
    // The nucleus (absorbing green and red) absorbs more red and less blue, so it turns from blue-purple to deep blue;
    // green and blue absorbance falls by 15-20 %, so the eosin-pink cytoplasm, granules and red cells are paler.
    stain: [1.15, 0.1, 0.0, 0.0, 0.8, 0.05, 0.0, 0.05, 0.85],
    light: [235, 245, 255],
    jpegQuality: 75,
    // A phone camera's processing, which no optical-density normalisation undoes: colours turned 30 degrees and made 1.6x as vivid.
    // Measured with the shipped models (100 held-out photos): lymphocytes and monocytes fall to about half right, mostly called basophils.
    camera: { hue: -30, saturation: 1.6 },
  },
};

interface Raw {
  rgb: Uint8Array;
  width: number;
  height: number;
}

async function decode(photo: Buffer): Promise<Raw> {
  const { data, info } = await sharp(photo).rotate().removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { rgb: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

/** OD of each value 0..255 per channel against `bg`, clamped to [0, OD_MAX]: 256 entries per channel. */
function odTable(bg: readonly number[]): Float32Array {
  const lut = new Float32Array(256 * 3);
  for (let c = 0; c < 3; c++) {
    for (let v = 0; v < 256; v++) lut[c * 256 + v] = Math.min(OD_MAX, Math.max(0, -Math.log((v + 1) / (bg[c] + 1))));
  }
  return lut;
}

function checkLook(look: ClinicLook) {
  if (look.stain.length !== 9 || !look.stain.every(Number.isFinite)) throw new Error(`look ${look.id}: stain must be 9 finite numbers`);
  if (!(look.scale > 0) || !Number.isFinite(look.scale)) throw new Error(`look ${look.id}: scale must be positive`);
  if (look.light.length !== 3 || look.light.some((v) => !(v >= 0 && v <= 255))) throw new Error(`look ${look.id}: light must be 3 values in 0..255`);
}

export async function applyLook(photo: Buffer, look: ClinicLook): Promise<{ jpeg: Buffer; width: number; height: number }> {
  checkLook(look);
  let img = await decode(photo);
  const width = Math.max(1, Math.round(img.width * look.scale));
  const height = Math.max(1, Math.round(img.height * look.scale));
  if (width !== img.width || height !== img.height) {
    const data = await sharp(img.rgb, { raw: { width: img.width, height: img.height, channels: 3 } })
      .resize(width, height, { kernel: 'lanczos3', fit: 'fill' })
      .raw()
      .toBuffer();
    img = { rgb: new Uint8Array(data.buffer, data.byteOffset, data.length), width, height };
  }
  const lut = odTable(backgroundRgb(img, SHARE, 1));
  const [m0, m1, m2, m3, m4, m5, m6, m7, m8] = look.stain;
  const l0 = look.light[0] + 1;
  const l1 = look.light[1] + 1;
  const l2 = look.light[2] + 1;
  const src = img.rgb;
  // Clamped stores give the 0..255 clamp of the rounded values.
  const out = new Uint8ClampedArray(src.length);
  for (let i = 0; i < src.length; i += 3) {
    const r = lut[src[i]];
    const g = lut[256 + src[i + 1]];
    const b = lut[512 + src[i + 2]];
    // Absorbance is never negative: a mixing term cannot make a pixel brighter than the light.
    const r2 = Math.max(0, m0 * r + m1 * g + m2 * b);
    const g2 = Math.max(0, m3 * r + m4 * g + m5 * b);
    const b2 = Math.max(0, m6 * r + m7 * g + m8 * b);
    out[i] = Math.round(l0 * Math.exp(-r2) - 1);
    out[i + 1] = Math.round(l1 * Math.exp(-g2) - 1);
    out[i + 2] = Math.round(l2 * Math.exp(-b2) - 1);
  }
  let encoder = sharp(out, { raw: { width, height, channels: 3 } });
  if (look.camera) encoder = encoder.modulate({ hue: look.camera.hue, saturation: look.camera.saturation });
  const jpeg = await encoder.jpeg({ quality: look.jpegQuality }).toBuffer();
  return { jpeg, width, height };
}

/** Mean OD per channel (against the photo's own background) of the darkest `SHARE` of its pixels by grey. */
function stainedOd(img: Raw): [number, number, number] {
  const lut = odTable(backgroundRgb(img, SHARE, 1));
  const count = new Float64Array(766);
  const sums = new Float64Array(766 * 3);
  const { rgb } = img;
  for (let i = 0; i < rgb.length; i += 3) {
    const grey = rgb[i] + rgb[i + 1] + rgb[i + 2];
    count[grey]++;
    sums[grey * 3] += lut[rgb[i]];
    sums[grey * 3 + 1] += lut[256 + rgb[i + 1]];
    sums[grey * 3 + 2] += lut[512 + rgb[i + 2]];
  }
  const want = Math.max(1, Math.floor((rgb.length / 3) * SHARE));
  let taken = 0;
  const acc: [number, number, number] = [0, 0, 0];
  for (let grey = 0; grey < 766 && taken < want; grey++) {
    if (!count[grey]) continue;
    const take = Math.min(count[grey], want - taken);
    const f = take / count[grey];
    for (let c = 0; c < 3; c++) acc[c] += sums[grey * 3 + c] * f;
    taken += take;
  }
  return acc.map((v) => v / Math.max(1, taken)) as [number, number, number];
}

/** Measures a look's effect on a photo pair: the ratio of the output's size to the input's (mean of width and height ratios), and the mean optical density per channel (R,G,B) of the darkest 20 % of pixels (the stained cells) before and after. */
export async function measureLook(before: Buffer, after: Buffer): Promise<{ scale: number; odBefore: [number, number, number]; odAfter: [number, number, number] }> {
  const [a, b] = await Promise.all([decode(before), decode(after)]);
  const scale = (b.width / a.width + b.height / a.height) / 2;
  return { scale, odBefore: stainedOd(a), odAfter: stainedOd(b) };
}
