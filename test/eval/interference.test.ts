import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { applyInterference, INTERFERENCES, parseInterference } from '../../src/eval/interference.ts';

async function field() {
  const { data, info } = await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 200, g: 170, b: 190 } } })
    .composite([{ input: { create: { width: 64, height: 64, channels: 3, background: { r: 90, g: 40, b: 140 } } }, left: 100, top: 80 }])
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { rgb: data, width: info.width, height: info.height };
}

const mean = (buf: Buffer, c: number) => {
  let s = 0;
  for (let i = c; i < buf.length; i += 3) s += buf[i];
  return s / (buf.length / 3);
};

describe('interference factors', () => {
  it('are deterministic and keep the image size', async () => {
    const img = await field();
    for (const f of INTERFERENCES) {
      const a = await applyInterference(img, f);
      const b = await applyInterference(img, f);
      expect(a.width).toBe(320);
      expect(a.height).toBe(240);
      expect(a.rgb.equals(b.rgb)).toBe(true);
      expect(a.rgb.equals(img.rgb)).toBe(false);
    }
  });

  it('do what their names say', async () => {
    const img = await field();
    const cast = await applyInterference(img, 'colour-cast');
    expect(mean(cast.rgb, 0) / mean(cast.rgb, 2)).toBeGreaterThan((mean(img.rgb, 0) / mean(img.rgb, 2)) * 1.3);
    const dark = await applyInterference(img, 'low-light');
    expect(mean(dark.rgb, 1)).toBeLessThan(mean(img.rgb, 1) * 0.5);
    const acid = await applyInterference(img, 'stain-acid');
    const alkaline = await applyInterference(img, 'stain-alkaline');
    // Acid stains redder (red over blue rises), alkaline bluer.
    const redOverBlue = (b: Buffer) => mean(b, 0) - mean(b, 2);
    expect(redOverBlue(acid.rgb)).toBeGreaterThan(redOverBlue(img.rgb));
    expect(redOverBlue(alkaline.rgb)).toBeLessThan(redOverBlue(img.rgb));
  });

  it('parses a list or all, and refuses unknown names', () => {
    expect(parseInterference('all')).toEqual([...INTERFERENCES]);
    expect(parseInterference('defocus,jpeg30')).toEqual(['defocus', 'jpeg30']);
    expect(() => parseInterference('fog')).toThrow(/unknown interference 'fog'/);
  });

  it('takes a colour cast of any strength as channel gains, and refuses a bad one', async () => {
    expect(parseInterference('cast:1.25,1,0.7,defocus,cast:1,1.8,1')).toEqual(['cast:1.25,1,0.7', 'defocus', 'cast:1,1.8,1']);
    expect(() => parseInterference('cast:1.2,1')).toThrow(/bad colour cast 'cast:1.2,1': give three channel gains/);
    expect(() => parseInterference('cast:9,1,1')).toThrow(/between 0.2 and 4/);
    expect(() => parseInterference('cast:0x2,1,1')).toThrow(/bad colour cast/);
    expect(() => parseInterference('cast:1,1,1,Defocus')).toThrow(/unknown interference 'Defocus'/);
    const img = { rgb: Buffer.from([100, 100, 100, 200, 200, 200]), width: 2, height: 1 };
    expect([...(await applyInterference(img, 'cast:1.25,1,0.5')).rgb]).toEqual([125, 100, 50, 250, 200, 100]);
    expect([...(await applyInterference(img, 'colour-cast')).rgb]).toEqual([...(await applyInterference(img, 'cast:1.15,1,0.78')).rgb]);
  });
});
