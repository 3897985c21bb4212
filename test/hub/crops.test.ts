/** Cell crops for the reviewer's gallery (src/hub/web/crops.ts): the cell's size in the crop, the byte budget, photos larger than their report says. */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { CELL_PX, CROP_PX, CropCache, type CropField } from '../../src/hub/web/crops.ts';

/** A grey photo with a black square cell at the box. */
async function photo(width: number, height: number, box: [number, number, number, number]): Promise<Buffer> {
  const [x1, y1, x2, y2] = box;
  const cell = await sharp({ create: { width: x2 - x1, height: y2 - y1, channels: 3, background: '#000000' } })
    .png()
    .toBuffer();
  return sharp({ create: { width, height, channels: 3, background: '#b0b0b0' } })
    .composite([{ input: cell, left: x1, top: y1 }])
    .png()
    .toBuffer();
}

const field = (sha256: string, width: number, height: number, cells: CropField['cells']): CropField => ({ image: { sha256, width, height }, cells });

describe('cell crops', () => {
  it('shows the cell at CELL_PX in a CROP_PX square', async () => {
    const box: [number, number, number, number] = [100, 100, 140, 140];
    const bytes = await photo(400, 300, box);
    const jpeg = await new CropCache().crop('s/1/f', field('a', 400, 300, [{ id: 'c1', box }]), 'c1', async () => bytes);
    const { data, info } = await sharp(jpeg!).greyscale().raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([CROP_PX, CROP_PX]);
    const middleRow = data.subarray(Math.floor(CROP_PX / 2) * info.width, Math.floor(CROP_PX / 2 + 1) * info.width);
    const dark = [...middleRow].filter((v) => v < 64).length;
    expect(Math.abs(dark - CELL_PX)).toBeLessThanOrEqual(4);
  });

  it('keeps at most its byte budget, the field cut last always kept', async () => {
    const box: [number, number, number, number] = [10, 10, 50, 50];
    const bytes = await photo(200, 100, box);
    const cache = new CropCache(64, 1);
    await cache.crop('s/1/f1', field('a', 200, 100, [{ id: 'c1', box }]), 'c1', async () => bytes);
    const one = cache.size;
    expect(one).toBeGreaterThan(0);
    await cache.crop('s/1/f2', field('b', 200, 100, [{ id: 'c2', box }]), 'c2', async () => bytes);
    expect(cache.size).toBeLessThanOrEqual(one * 1.5);
  });

  it('has no crop of a photo far larger than its report says, or of bytes that are no photo', async () => {
    const box: [number, number, number, number] = [10, 10, 50, 50];
    const bytes = await photo(400, 300, box);
    const cache = new CropCache();
    expect(await cache.crop('s/1/big', field('a', 40, 30, [{ id: 'c1', box }]), 'c1', async () => bytes)).toBeUndefined();
    expect(await cache.crop('s/1/bad', field('b', 400, 300, [{ id: 'c1', box }]), 'c1', async () => Buffer.from('not an image'))).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});
