/**
 * Letterboxing per the detector contract: scale to fit keeping aspect, centre, pad with 114/255.
 * With a canvas (a field placed on a larger background, src/core/analysis/detector-view.ts) the canvas
 * is what is fitted: the image sits unscaled in its middle and the rest of it is the fill colour.
 */
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

/** A larger field of one colour that the image is centred on before letterboxing. */
export interface Canvas {
  width: number;
  height: number;
  /** RGB bytes of the canvas around the image (the field's background). */
  fill: [number, number, number];
}

export function letterboxGeometry(width: number, height: number, inputH: number, inputW: number, canvas?: { width: number; height: number }): Letterbox {
  const cw = Math.max(width, canvas?.width ?? width);
  const ch = Math.max(height, canvas?.height ?? height);
  const scale = Math.min(inputW / cw, inputH / ch);
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
  canvas?: Canvas,
): Promise<{ tensor: Float32Array; letterbox: Letterbox }> {
  const lb = letterboxGeometry(img.width, img.height, inputH, inputW, canvas);
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
  if (canvas) fillCanvas(tensor, inputH, inputW, lb, canvas, [toR, toG, toB]);
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

/** Paints the canvas's part of the input (centred, the canvas fitted like an image) in its fill colour. */
function fillCanvas(tensor: Float32Array, inputH: number, inputW: number, lb: Letterbox, canvas: Canvas, luts: ChannelLuts): void {
  const plane = inputH * inputW;
  const w = Math.min(inputW, Math.round(canvas.width * lb.scale));
  const h = Math.min(inputH, Math.round(canvas.height * lb.scale));
  const x0 = Math.floor((inputW - w) / 2);
  const y0 = Math.floor((inputH - h) / 2);
  for (let c = 0; c < 3; c++) {
    const v = luts[c][canvas.fill[c]];
    for (let y = y0; y < y0 + h; y++) tensor.fill(v, c * plane + y * inputW + x0, c * plane + y * inputW + x0 + w);
  }
}
