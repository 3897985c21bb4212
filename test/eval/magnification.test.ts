/** Test fields as a higher or lower magnification shows them: pixels and boxes move together. */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { magnify } from '../../src/eval/magnification.ts';

/** A 200x100 white field with a black square at x 20..40, y 40..60. */
function field() {
  const rgb = new Uint8Array(200 * 100 * 3).fill(255);
  for (let y = 40; y < 60; y++) for (let x = 20; x < 40; x++) rgb.fill(0, (y * 200 + x) * 3, (y * 200 + x) * 3 + 3);
  return { rgb, width: 200, height: 100 };
}
const square = { bbox: [20, 40, 20, 20] as [number, number, number, number], category_id: 1, area: 400, iscrowd: 0 as const };
const dark = async (png: Buffer, x: number, y: number) => {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  return data[(y * info.width + x) * info.channels] < 128;
};

describe('magnify', () => {
  it('keeps the field at m = 1', async () => {
    const out = await magnify(field(), [square], 1);
    expect(out.annotations[0].bbox).toEqual([20, 40, 20, 20]);
    expect(await dark(out.png, 30, 50)).toBe(true);
  });

  it('shrinks the field into the middle of a background canvas at m < 1', async () => {
    const out = await magnify(field(), [square], 0.5);
    const [x, y, w, h] = out.annotations[0].bbox;
    expect([x, y, w, h]).toEqual([60, 45, 10, 10]); // 50 + 20 / 2, 25 + 40 / 2
    expect(await dark(out.png, 65, 50)).toBe(true);
    expect(await dark(out.png, 30, 50)).toBe(false);
  });

  it('enlarges the middle at m > 1, clipping cells at the view and ignoring those mostly outside', async () => {
    const half = { ...square, bbox: [40, 40, 20, 20] as [number, number, number, number] }; // x 40..60
    const out = await magnify(field(), [square, half], 2); // view x 50..150, y 25..75
    expect(out.annotations).toHaveLength(1); // the first square is outside the view
    expect(out.annotations[0].bbox).toEqual([0, 30, 20, 40]);
    expect(out.annotations[0].iscrowd).toBe(0); // exactly half in view
    const quarter = await magnify(field(), [{ ...square, bbox: [45, 40, 20, 20] }], 4); // view x 75..125: outside
    expect(quarter.annotations).toEqual([]);
  });
});
