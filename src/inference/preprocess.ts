/** Letterboxing per the detector contract: scale to fit keeping aspect, centre, pad with 114/255. */
import sharp from 'sharp';
import type { ChannelLuts } from './colour.ts';

export const PAD_VALUE = 114;

/** byte -> float 0..1, exactly v/255 as float32. */
const UNIT = Float32Array.from({ length: 256 }, (_, v) => v / 255);

/** How original pixels map to model input pixels: input = original * scale + pad. */
export interface Letterbox {
  scale: number;
  padX: number;
  padY: number;
  /** Size of the scaled image inside the input. */
  innerW: number;
  innerH: number;
}

export function letterboxGeometry(width: number, height: number, inputH: number, inputW: number): Letterbox {
  const scale = Math.min(inputW / width, inputH / height);
  const innerW = Math.max(1, Math.min(inputW, Math.round(width * scale)));
  const innerH = Math.max(1, Math.min(inputH, Math.round(height * scale)));
  return { scale, padX: Math.floor((inputW - innerW) / 2), padY: Math.floor((inputH - innerH) / 2), innerW, innerH };
}

/**
 * Builds the float32 NCHW tensor [1,3,H,W] (RGB, 0..1) from an 8-bit RGB HWC image; luts, when
 * given, convert each channel's bytes (colour normalisation) instead of v / 255. The padding stays 114.
 */
export async function letterboxTensor(
  img: { rgb: Buffer; width: number; height: number },
  inputH: number,
  inputW: number,
  luts?: ChannelLuts,
): Promise<{ tensor: Float32Array; letterbox: Letterbox }> {
  const lb = letterboxGeometry(img.width, img.height, inputH, inputW);
  const resized =
    lb.innerW === img.width && lb.innerH === img.height
      ? img.rgb
      : await sharp(img.rgb, { raw: { width: img.width, height: img.height, channels: 3 } })
          .resize(lb.innerW, lb.innerH, { kernel: 'linear', fit: 'fill' })
          .raw()
          .toBuffer();
  const plane = inputH * inputW;
  const tensor = new Float32Array(3 * plane).fill(PAD_VALUE / 255);
  const r = tensor.subarray(0, plane);
  const g = tensor.subarray(plane, 2 * plane);
  const b = tensor.subarray(2 * plane);
  const [toR, toG, toB] = luts ?? [UNIT, UNIT, UNIT];
  for (let y = 0; y < lb.innerH; y++) {
    let src = y * lb.innerW * 3;
    let dst = (y + lb.padY) * inputW + lb.padX;
    const end = dst + lb.innerW;
    for (; dst < end; src += 3, dst++) {
      r[dst] = toR[resized[src]];
      g[dst] = toG[resized[src + 1]];
      b[dst] = toB[resized[src + 2]];
    }
  }
  return { tensor, letterbox: lb };
}
