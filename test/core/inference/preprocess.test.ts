import { describe, expect, it } from 'vitest';
import { letterboxGeometry, letterboxTensor, PAD_VALUE } from '../../../src/core/inference/preprocess.ts';

describe('letterbox', () => {
  it('scales to fit keeping the aspect and centres the image', () => {
    expect(letterboxGeometry(640, 480, 320, 320)).toEqual({ scale: 0.5, padX: 0, padY: 40, innerW: 320, innerH: 240 });
    expect(letterboxGeometry(480, 640, 320, 320)).toEqual({ scale: 0.5, padX: 40, padY: 0, innerW: 240, innerH: 320 });
    const up = letterboxGeometry(100, 50, 384, 384);
    expect(up.scale).toBeCloseTo(3.84);
    expect(up.innerW).toBe(384);
    expect(up.innerH).toBe(192);
    expect(up.padY).toBe(96);
  });

  it('writes NCHW float RGB in 0..1 with 114/255 padding', async () => {
    // 4x2 image: left half pure red, right half pure blue.
    const rgb = Buffer.alloc(4 * 2 * 3);
    for (let y = 0; y < 2; y++) {
      for (let x = 0; x < 4; x++) rgb.set(x < 2 ? [255, 0, 0] : [0, 0, 255], (y * 4 + x) * 3);
    }
    const { tensor, letterbox } = await letterboxTensor({ rgb, width: 4, height: 2 }, 4, 4);
    expect(letterbox).toEqual({ scale: 1, padX: 0, padY: 1, innerW: 4, innerH: 2 });
    expect(tensor.length).toBe(3 * 16);
    const at = (c: number, y: number, x: number) => tensor[c * 16 + y * 4 + x];
    expect(at(0, 0, 0)).toBeCloseTo(PAD_VALUE / 255);
    expect(at(2, 3, 3)).toBeCloseTo(PAD_VALUE / 255);
    expect(at(0, 1, 0)).toBe(1);
    expect(at(2, 1, 0)).toBe(0);
    expect(at(0, 2, 3)).toBe(0);
    expect(at(2, 2, 3)).toBe(1);
  });

  it('resizes when the image is larger than the input', async () => {
    const rgb = Buffer.alloc(64 * 32 * 3, 200);
    const { tensor, letterbox } = await letterboxTensor({ rgb, width: 64, height: 32 }, 16, 16);
    expect(letterbox.innerW).toBe(16);
    expect(letterbox.innerH).toBe(8);
    expect(tensor[4 * 16 + 8]).toBeCloseTo(200 / 255, 2);
    expect(tensor[0]).toBeCloseTo(PAD_VALUE / 255);
  });
});
