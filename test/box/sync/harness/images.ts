/** Field photos for the fault rounds: noisy JPEGs (several request parts each) and smooth TIFFs (sent gzipped). */
import sharp from 'sharp';
import { rng } from './rng.ts';

export async function noisyJpeg(seed: number, width = 200, height = 150): Promise<Buffer> {
  const r = rng(seed);
  const raw = Buffer.alloc(width * height * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = 60 + Math.floor(r() * 150);
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

export async function smoothTiff(seed: number, width = 200, height = 150): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      raw[i] = (x + seed) % 256;
      raw[i + 1] = (y * 2 + seed) % 256;
      raw[i + 2] = 180;
    }
  }
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .tiff({ compression: 'none' })
    .toBuffer();
}
