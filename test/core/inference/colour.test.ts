import { describe, expect, it } from 'vitest';
import { backgroundRgb } from '../../../src/core/analysis/background.ts';
import { channelStats, fieldLuts, normalisationLuts, whiteBalance, type ColourNormalisation } from '../../../src/core/inference/colour.ts';
import { letterboxTensor } from '../../../src/core/inference/preprocess.ts';

/** A smear-like field: pale background with darker cells, deterministic. */
function field(width: number, height: number, gain: [number, number, number] = [1, 1, 1]): Buffer {
  const rgb = Buffer.alloc(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    const cell = (i * 7919) % 13 < 4;
    const base = cell ? [150, 80, 140] : [220, 200, 205];
    for (let c = 0; c < 3; c++) rgb[3 * i + c] = Math.min(255, Math.round((base[c] + ((i * 31 + c * 17) % 21) - 10) * gain[c]));
  }
  return rgb;
}

const target = channelStats(field(64, 48));

describe('colour normalisation', () => {
  it('measures the mean and standard deviation per channel', () => {
    const rgb = Buffer.from([0, 10, 100, 200, 10, 100]);
    const s = channelStats(rgb);
    expect(s.mean).toEqual([100, 10, 100]);
    expect(s.std).toEqual([100, 0, 0]);
    expect(channelStats(Buffer.from([0, 0, 0, 9, 9, 9, 200, 200, 200]), 2).mean).toEqual([100, 100, 100]);
  });

  it('at strength 0 (or without one) converts each byte to v / 255 exactly, as the letterbox does', () => {
    const luts = normalisationLuts(channelStats(field(8, 8, [1.2, 1, 0.8])), { strength: 0, target });
    for (const lut of luts) for (let v = 0; v < 256; v++) expect(lut[v]).toBe(Math.fround(v / 255));
    expect(fieldLuts(field(8, 8), undefined, [220, 200, 205])).toBeUndefined();
    expect(fieldLuts(field(8, 8), { strength: 0, target }, [220, 200, 205])).toBeUndefined();
  });

  it('at strength 1 undoes a colour cast (a gain per channel) up to rounding', () => {
    const norm: ColourNormalisation = { strength: 1, target };
    const cast = field(64, 48, [1.1, 1, 0.78]); // no byte clips
    const luts = normalisationLuts(channelStats(cast), norm);
    const plain = field(64, 48);
    let worst = 0;
    for (let i = 0; i < cast.length; i++) worst = Math.max(worst, Math.abs(luts[i % 3][cast[i]] * 255 - plain[i]));
    expect(worst).toBeLessThanOrEqual(2);
  });

  it('white-balances the field to the training background first: a cast of the light is undone whatever the strength', () => {
    const background: [number, number, number] = [220, 200, 205];
    const plain = field(64, 48);
    const cast = field(64, 48, [1.1, 1, 0.7]); // a warm lamp; no byte clips
    const castBackground = backgroundRgb({ rgb: cast, width: 64, height: 48 });
    const white = whiteBalance(castBackground, { strength: 0, target, background });
    const plainBackground = backgroundRgb({ rgb: plain, width: 64, height: 48 });
    // Within 1 %: the cast copy's bytes were rounded.
    expect(Math.abs(white[0] / (background[0] / plainBackground[0] / 1.1) - 1)).toBeLessThan(0.01);
    expect(Math.abs(white[2] / (background[2] / plainBackground[2] / 0.7) - 1)).toBeLessThan(0.01);
    for (const strength of [0, 0.5]) {
      const norm: ColourNormalisation = { strength, target, background };
      const fromCast = fieldLuts(cast, norm, castBackground)!;
      const fromPlain = fieldLuts(plain, norm, backgroundRgb({ rgb: plain, width: 64, height: 48 }))!;
      let worst = 0;
      for (let i = 0; i < cast.length; i++) worst = Math.max(worst, Math.abs(fromCast[i % 3][cast[i]] - fromPlain[i % 3][plain[i]]) * 255);
      expect(worst).toBeLessThanOrEqual(3);
    }
    expect(whiteBalance(castBackground, { strength: 0.5, target })).toEqual([1, 1, 1]);
    // A black or nearly black channel is not blown up: the gain stops at 4 (and at 0.25 the other way).
    expect(whiteBalance([0, 20, 255], { strength: 0, target, background: [200, 200, 30] })).toEqual([4, 4, 0.25]);
  });

  it('at strength 0.5 goes half way, clamps to 0..1 and only shifts a flat channel', () => {
    const fieldStats = { mean: [100, 50, 200] as [number, number, number], std: [10, 0.5, 20] as [number, number, number] };
    const luts = normalisationLuts(fieldStats, { strength: 0.5, target: { mean: [120, 60, 250], std: [20, 10, 40] } });
    expect(luts[0][100] * 255).toBeCloseTo(110, 4); // mean 100 -> 120, half way
    expect(luts[0][110] * 255).toBeCloseTo(125, 4); // +1 std: 110 -> 140, half way
    expect(luts[1][50] * 255).toBeCloseTo(55, 4); // flat: shifted by half of 10, gain 1
    expect(luts[2][255]).toBe(1);
    expect(luts[2][0]).toBeGreaterThanOrEqual(0);
  });

  it('is folded into the letterbox: the padding stays 114 grey', async () => {
    const rgb = field(8, 4, [1.15, 1, 0.78]);
    const luts = fieldLuts(rgb, { strength: 1, target }, backgroundRgb({ rgb, width: 8, height: 4 }))!;
    const { tensor } = await letterboxTensor({ rgb, width: 8, height: 4 }, 8, 8, luts);
    const plane = 64;
    expect(tensor[0]).toBeCloseTo(114 / 255); // a padded row
    const first = 2 * 8; // first image row (padY 2)
    for (let c = 0; c < 3; c++) expect(tensor[c * plane + first]).toBe(luts[c][rgb[c]]);
  });
});
