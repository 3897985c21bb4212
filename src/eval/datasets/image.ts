/** Image facts the datasets need: content hash and pixel size. */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';

export interface ImageFacts {
  sha256: string;
  width: number;
  height: number;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Hash and size of an image file (size from the header; EXIF orientation is not applied). */
export async function probeImage(file: string): Promise<ImageFacts> {
  const bytes = await readFile(file);
  const meta = await sharp(bytes).metadata();
  if (!meta.width || !meta.height) throw new Error(`${file}: cannot read the image size`);
  return { sha256: sha256Hex(bytes), width: meta.width, height: meta.height };
}

/** Like Promise.all(items.map(fn)) with at most `limit` calls in flight; keeps the order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
