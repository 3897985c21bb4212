/**
 * The study's interference factors, applied synthetically and deterministically to a decoded field:
 * colour cast, low illumination, defocus blur, stain pH shifts (acid: redder; alkaline: bluer) and
 * heavy JPEG compression.
 */
import sharp from 'sharp';

export const INTERFERENCES = ['colour-cast', 'low-light', 'defocus', 'stain-acid', 'stain-alkaline', 'jpeg30'] as const;
export type Interference = (typeof INTERFERENCES)[number];

export interface RgbImage {
  rgb: Buffer;
  width: number;
  height: number;
}

export function parseInterference(spec: string): Interference[] {
  if (spec === 'all') return [...INTERFERENCES];
  const names = spec.split(',');
  for (const n of names) {
    if (!(INTERFERENCES as readonly string[]).includes(n)) {
      throw new Error(`unknown interference '${n}': choose all or one of ${INTERFERENCES.join(', ')}`);
    }
  }
  return names as Interference[];
}

export async function applyInterference(img: RgbImage, factor: Interference): Promise<RgbImage> {
  const raw = { raw: { width: img.width, height: img.height, channels: 3 as const } };
  let pipeline = sharp(img.rgb, raw);
  // Scale blur with the field so that the same factor means the same defocus at any resolution.
  const scale = Math.max(img.width, img.height) / 640;
  switch (factor) {
    case 'colour-cast':
      pipeline = pipeline.linear([1.15, 1.0, 0.78], [0, 0, 0]);
      break;
    case 'low-light':
      pipeline = pipeline.linear(0.45, 0).gamma(1.2);
      break;
    case 'defocus':
      pipeline = pipeline.blur(Math.max(0.3, 2.5 * scale));
      break;
    case 'stain-acid':
      pipeline = pipeline.modulate({ hue: 25, saturation: 1.2 });
      break;
    case 'stain-alkaline':
      pipeline = pipeline.modulate({ hue: -25, saturation: 1.2 });
      break;
    case 'jpeg30': {
      const jpeg = await pipeline.jpeg({ quality: 30 }).toBuffer();
      pipeline = sharp(jpeg).removeAlpha();
      break;
    }
  }
  const { data, info } = await pipeline.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { rgb: data, width: info.width, height: info.height };
}
