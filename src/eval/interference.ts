/**
 * The study's interference factors, applied synthetically and deterministically to a decoded field:
 * colour cast, low illumination, defocus blur, stain pH shifts (acid: redder; alkaline: bluer) and
 * heavy JPEG compression. `cast:R,G,B` is a colour cast of any strength: a gain per channel, as a
 * camera's white balance or the light's colour makes it.
 */
import sharp from 'sharp';

export const INTERFERENCES = ['colour-cast', 'low-light', 'defocus', 'stain-acid', 'stain-alkaline', 'jpeg30'] as const;
export type Interference = (typeof INTERFERENCES)[number] | `cast:${number},${number},${number}`;

/** The study's colour cast: a warm light (R, G, B gains). */
const EVAL_CAST: [number, number, number] = [1.15, 1, 0.78];
/** Channel gains a `cast:` factor may take: beyond them nothing of the channel is left to judge. */
const CAST_GAIN_RANGE: readonly [number, number] = [0.2, 4];

export interface RgbImage {
  rgb: Buffer;
  width: number;
  height: number;
}

export function parseInterference(spec: string): Interference[] {
  if (spec === 'all') return [...INTERFERENCES];
  // A cast's own commas separate its gains: split on the commas before a name only.
  const names = spec.split(/,(?=[a-zA-Z])/);
  for (const n of names) {
    if (n.startsWith('cast:')) castGains(n as `cast:${string}`);
    else if (!(INTERFERENCES as readonly string[]).includes(n)) {
      throw new Error(`unknown interference '${n}': choose all, cast:R,G,B or one of ${INTERFERENCES.join(', ')}`);
    }
  }
  return names as Interference[];
}

/** The channel gains of a `cast:R,G,B` factor. */
function castGains(factor: `cast:${string}`): [number, number, number] {
  const parts = factor.slice('cast:'.length).split(',');
  const gains = parts.map(Number);
  const [lo, hi] = CAST_GAIN_RANGE;
  if (parts.length !== 3 || !parts.every((p) => /^\d*\.?\d+$/.test(p)) || !gains.every((g) => g >= lo && g <= hi)) {
    throw new Error(`bad colour cast '${factor}': give three channel gains between ${lo} and ${hi}, e.g. cast:1.25,1,0.7`);
  }
  return gains as [number, number, number];
}

export async function applyInterference(img: RgbImage, factor: Interference): Promise<RgbImage> {
  const raw = { raw: { width: img.width, height: img.height, channels: 3 as const } };
  let pipeline = sharp(img.rgb, raw);
  // Scale blur with the field so that the same factor means the same defocus at any resolution.
  const scale = Math.max(img.width, img.height) / 640;
  const gains = factor === 'colour-cast' ? EVAL_CAST : factor.startsWith('cast:') ? castGains(factor as `cast:${string}`) : null;
  if (gains) pipeline = pipeline.linear(gains, [0, 0, 0]);
  switch (factor) {
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
