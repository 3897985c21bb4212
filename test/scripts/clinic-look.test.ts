/**
 * The simulated clinics' transform (scripts/sim/clinic-look.ts) on a drawn photo: a light
 * background with a dark disc of known colour, so the optical densities before and after are known.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { applyLook, CLINIC_LOOKS, measureLook, type ClinicLook } from '../../scripts/sim/clinic-look.ts';
import { backgroundRgb } from '../../src/core/analysis/background.ts';

const BG: [number, number, number] = [235, 228, 232];
const DISC: [number, number, number] = [150, 80, 160];
const SIZE = 200;
/** 28 % of the photo: the darkest 20 % of pixels lie inside it, the brightest 20 % outside. */
const RADIUS = 60;

const od = (v: number, bg: number) => Math.log((bg + 1) / (v + 1));
const DISC_OD = DISC.map((v, c) => od(v, BG[c]));

/** The disc on the background; with `spot`, a 16x16 square of that colour in the top-left corner. */
function drawn(width = SIZE, height = SIZE, spot?: [number, number, number]): Uint8Array {
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inside = Math.hypot(x + 0.5 - width / 2, y + 0.5 - height / 2) <= RADIUS;
      rgb.set(spot && x < 16 && y < 16 ? spot : inside ? DISC : BG, (y * width + x) * 3);
    }
  }
  return rgb;
}

const photo = (spot?: [number, number, number]) =>
  sharp(drawn(SIZE, SIZE, spot), { raw: { width: SIZE, height: SIZE, channels: 3 } })
    .png()
    .toBuffer();

async function pixels(jpeg: Buffer) {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  return { rgb: new Uint8Array(data), width: info.width, height: info.height };
}

const at = (img: { rgb: Uint8Array; width: number }, x: number, y: number) => Array.from(img.rgb.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));

const IDENTITY = [1, 0, 0, 0, 1, 0, 0, 0, 1];
const look = (over: Partial<ClinicLook>): ClinicLook => ({ id: 'test', scale: 1, stain: IDENTITY, light: BG, jpegQuality: 100, ...over });

describe('applyLook', () => {
  it('keeps the photo when the stain is the identity, the scale 1 and the light the photo background', async () => {
    const out = await applyLook(await photo(), look({}));
    expect([out.width, out.height]).toEqual([SIZE, SIZE]);
    const img = await pixels(out.jpeg);
    const input = drawn();
    let diff = 0;
    for (let i = 0; i < input.length; i++) diff += Math.abs(img.rgb[i] - input[i]);
    expect(diff / input.length).toBeLessThan(1.5);
    for (const [x, y, want] of [
      [100, 100, DISC],
      [5, 5, BG],
      [195, 100, BG],
    ] as const) {
      at(img, x, y).forEach((v, c) => expect(Math.abs(v - want[c])).toBeLessThanOrEqual(3));
    }
  });

  it('resamples to the rounded size', async () => {
    const input = await sharp(drawn(), { raw: { width: SIZE, height: SIZE, channels: 3 } })
      .resize(203, 117, { fit: 'fill' })
      .png()
      .toBuffer();
    const out = await applyLook(input, look({ scale: 0.6 }));
    expect([out.width, out.height]).toEqual([Math.round(203 * 0.6), Math.round(117 * 0.6)]);
    const meta = await sharp(out.jpeg).metadata();
    expect([meta.width, meta.height, meta.format]).toEqual([122, 70, 'jpeg']);
  });

  it('shrinks the content with the photo: the disc keeps its place and covers scale² as many pixels', async () => {
    const img = await pixels((await applyLook(await photo(), look({ scale: 0.6 }))).jpeg);
    expect([img.width, img.height]).toEqual([120, 120]);
    let dark = 0;
    for (let i = 0; i < img.rgb.length; i += 3) if (img.rgb[i + 1] < (DISC[1] + BG[1]) / 2) dark++;
    expect(dark / (Math.PI * (RADIUS * 0.6) ** 2)).toBeCloseTo(1, 1);
    at(img, 60, 60).forEach((v, c) => expect(Math.abs(v - DISC[c])).toBeLessThanOrEqual(3));
    at(img, 3, 3).forEach((v, c) => expect(Math.abs(v - BG[c])).toBeLessThanOrEqual(3));
  });

  it('turns the photo upright by its EXIF orientation before resampling', async () => {
    const input = await sharp(drawn(SIZE, 130), { raw: { width: SIZE, height: 130, channels: 3 } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const out = await applyLook(input, look({ scale: 0.5 }));
    expect([out.width, out.height]).toEqual([65, 100]);
    expect((await sharp(out.jpeg).metadata()).orientation).toBeUndefined();
  });

  it('doubles the red optical density under diag(2, 1, 1) and keeps green and blue', async () => {
    const before = await photo();
    const out = await applyLook(before, look({ stain: [2, 0, 0, 0, 1, 0, 0, 0, 1] }));
    const centre = at(await pixels(out.jpeg), 100, 100).map((v, c) => od(v, BG[c]));
    expect(centre[0]).toBeCloseTo(2 * DISC_OD[0], 1);
    expect(centre[1]).toBeCloseTo(DISC_OD[1], 1);
    expect(centre[2]).toBeCloseTo(DISC_OD[2], 1);
    const m = await measureLook(before, out.jpeg);
    m.odBefore.forEach((v, c) => expect(v).toBeCloseTo(DISC_OD[c], 2));
    expect(m.odAfter[0] / m.odBefore[0]).toBeCloseTo(2, 1);
    expect(m.odAfter[1] / m.odBefore[1]).toBeCloseTo(1, 1);
    expect(m.odAfter[2] / m.odBefore[2]).toBeCloseTo(1, 1);
  });

  it('gives the output the background of the light and keeps the disc optical density against it', async () => {
    const light = [250, 240, 220] as const;
    const img = await pixels((await applyLook(await photo(), look({ light, jpegQuality: 90 }))).jpeg);
    backgroundRgb(img, 0.2, 1).forEach((v, c) => expect(Math.abs(v - light[c])).toBeLessThanOrEqual(2));
    at(img, 5, 5).forEach((v, c) => expect(Math.abs(v - light[c])).toBeLessThanOrEqual(2));
    at(img, 100, 100).forEach((v, c) => expect(od(v, light[c])).toBeCloseTo(DISC_OD[c], 1));
  });

  it("applies the camera's processing after the stain: no saturation leaves grey, a hue turn moves the disc's colour", async () => {
    const grey = at(await pixels((await applyLook(await photo(), look({ camera: { hue: 0, saturation: 0 } }))).jpeg), 100, 100);
    expect(Math.max(...grey) - Math.min(...grey)).toBeLessThanOrEqual(3);
    // The disc (150, 80, 160) is purple; turned by 120 degrees its strongest channel moves from blue to red (hue follows R -> G -> B).
    const [r, g, b] = at(await pixels((await applyLook(await photo(), look({ camera: { hue: 120, saturation: 1 } }))).jpeg), 100, 100);
    expect(r).toBeGreaterThan(b);
    expect(r).toBeGreaterThan(g);
    const [r0, g0, b0] = at(await pixels((await applyLook(await photo(), look({}))).jpeg), 100, 100);
    expect(b0).toBeGreaterThan(r0);
    expect(b0).toBeGreaterThan(g0);
  });

  it('counts a channel brighter than the background as no absorbance, also where it is mixed into another', async () => {
    const light = [200, 190, 180] as const;
    // Red and blue brighter than the background, green dark; red's density takes half of green's.
    const img = await pixels((await applyLook(await photo([255, 100, 255]), look({ light, stain: [1, 0.5, 0, 0, 1, 0, 0, 0, 1] }))).jpeg);
    const [r, g, b] = at(img, 8, 8);
    expect(Math.abs(r - ((light[0] + 1) * Math.exp(-0.5 * od(100, BG[1])) - 1))).toBeLessThanOrEqual(3);
    expect(Math.abs(g - ((light[1] + 1) * Math.exp(-od(100, BG[1])) - 1))).toBeLessThanOrEqual(3);
    expect(Math.abs(b - light[2])).toBeLessThanOrEqual(3);
  });
});

describe('CLINIC_LOOKS', () => {
  it('keeps each stain plausible: positive dominant diagonal, no negative mixing', () => {
    for (const { stain } of Object.values(CLINIC_LOOKS)) {
      expect(stain).toHaveLength(9);
      for (let r = 0; r < 3; r++) {
        const row = stain.slice(r * 3, r * 3 + 3);
        expect(row.every((v) => v >= 0)).toBe(true);
        expect(row[r]).toBeGreaterThan(row.reduce((a, v) => a + v, 0) - row[r]);
      }
    }
  });

  it("clinic b: measureLook reports scale 0.6, a bluer nucleus and paler eosin (the stain, before the camera's processing)", async () => {
    const before = await photo();
    const out = await applyLook(before, { ...CLINIC_LOOKS.b, camera: undefined });
    expect([out.width, out.height]).toEqual([120, 120]);
    const m = await measureLook(before, out.jpeg);
    expect(m.scale).toBeCloseTo(0.6, 5);
    // The disc's red absorbance rises (deeper blue) and its green absorbance falls (paler eosin), by the matrix's rows.
    const [s0, s1, s2, s3, s4, s5] = CLINIC_LOOKS.b.stain;
    const want = [s0 * DISC_OD[0] + s1 * DISC_OD[1] + s2 * DISC_OD[2], s3 * DISC_OD[0] + s4 * DISC_OD[1] + s5 * DISC_OD[2]];
    expect(m.odAfter[0]).toBeGreaterThan(m.odBefore[0] * 1.2);
    expect(m.odAfter[1]).toBeLessThan(m.odBefore[1] * 0.9);
    expect(m.odAfter[0]).toBeCloseTo(want[0], 1);
    expect(m.odAfter[1]).toBeCloseTo(want[1], 1);
  });

  it('clinic a: the background turns the warm light and the size 0.8', async () => {
    const out = await applyLook(await photo(), CLINIC_LOOKS.a);
    expect([out.width, out.height]).toEqual([160, 160]);
    const img = await pixels(out.jpeg);
    backgroundRgb(img, 0.2, 1).forEach((v, c) => expect(Math.abs(v - CLINIC_LOOKS.a.light[c])).toBeLessThanOrEqual(2));
  });
});
