import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { fieldFingerprint, overlapShare, type FieldFingerprint } from '../../../src/core/analysis/field-overlap.ts';
import { decodeImage } from '../../../src/core/analysis/image-input.ts';
import { DEMO_IMAGES } from '../../helpers/paths.ts';

/** Crops 320x240: two of them overlapping by 10 % still fit side by side in a 640x480 photo. */
const W = 320;
const H = 240;
const TOLERANCE = 0.08;

interface Crop {
  photo: string;
  left: number;
  top: number;
}

/**
 * A crop of a demo photo as a camera would send it. `retaken`: a few % brighter, another gamma and
 * recompressed at JPEG quality 60, as the same field shot again with other light.
 */
async function jpegOf(c: Crop, retaken: boolean, size = { width: W, height: H }): Promise<Buffer> {
  const { data, info } = await sharp(path.join(DEMO_IMAGES, c.photo))
    .extract({ left: c.left, top: c.top, width: W, height: H })
    .resize(size.width, size.height)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (retaken) for (let i = 0; i < data.length; i++) data[i] = Math.min(255, Math.round(255 * 1.04 * (data[i] / 255) ** 0.85));
  return sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } })
    .jpeg({ quality: retaken ? 60 : 90 })
    .toBuffer();
}

async function fingerprintOf(c: Crop, retaken: boolean, size?: { width: number; height: number }): Promise<FieldFingerprint> {
  return fieldFingerprint(await decodeImage(await jpegOf(c, retaken, size)));
}

/** The shift (in the crop's pixels) that makes two W x H crops overlap by `share`. */
function shiftFor(share: number, direction: 'horizontal' | 'vertical' | 'diagonal'): { dx: number; dy: number } {
  if (direction === 'horizontal') return { dx: Math.round(W * (1 - share)), dy: 0 };
  if (direction === 'vertical') return { dx: 0, dy: Math.round(H * (1 - share)) };
  const s = 1 - Math.sqrt(share);
  return { dx: Math.round(W * s), dy: Math.round(H * s) };
}

const trueShare = (dx: number, dy: number) => ((W - Math.abs(dx)) * (H - Math.abs(dy))) / (W * H);

const PHOTOS = ['bccd-BloodImage_00001.jpg', 'bccd-BloodImage_00249.jpg', 'bcd-9a5a40ca.jpg', 'pbc-30a596f3.jpg', 'pbc-a99a594c.jpg', 'raabin-5c3e037c.jpg'];
/** The 640x480 camera photos: 10 % slivers of these hold a few cells each. */
const CAMERA_PHOTOS = PHOTOS.slice(0, 2);

const sizes = new Map<string, { width: number; height: number }>();
beforeAll(async () => {
  for (const p of PHOTOS) {
    const m = await sharp(path.join(DEMO_IMAGES, p)).metadata();
    sizes.set(p, { width: m.width!, height: m.height! });
  }
});

interface Pair {
  earlier: Crop;
  newer: Crop;
}

/** The two crops, the newer one shifted by (dx, dy) or (-dx, -dy), or null when they do not fit in the photo. */
function pairIn(photo: string, dx: number, dy: number, forwards: boolean): Pair | null {
  const { width, height } = sizes.get(photo)!;
  if (W + dx > width || H + dy > height) return null;
  const a = { photo, left: 0, top: 0 };
  const b = { photo, left: dx, top: dy };
  return forwards ? { earlier: a, newer: b } : { earlier: b, newer: a };
}

describe('overlapShare', () => {
  const cases: { photos: string[]; share: number }[] = [
    { photos: CAMERA_PHOTOS, share: 0.1 },
    { photos: PHOTOS, share: 0.5 },
    { photos: PHOTOS, share: 0.9 },
  ];
  for (const { photos, share } of cases) {
    for (const direction of ['horizontal', 'vertical', 'diagonal'] as const) {
      it(`measures a ${share * 100} % ${direction} overlap of a field retaken brighter and recompressed, either way round`, async () => {
        const { dx, dy } = shiftFor(share, direction);
        let compared = 0;
        for (const photo of photos) {
          for (const forwards of [true, false]) {
            const pair = pairIn(photo, dx, dy, forwards);
            if (!pair) continue;
            compared++;
            const found = overlapShare(await fingerprintOf(pair.newer, true), await fingerprintOf(pair.earlier, false));
            const where = `${photo}, new crop at ${pair.newer.left},${pair.newer.top}`;
            expect(Math.abs(found.share - trueShare(dx, dy)), `${where}: share ${found.share}`).toBeLessThanOrEqual(TOLERANCE);
            // new(x, y) shows earlier(x + dx, y + dy): the shift is where the new crop lies in the earlier one.
            expect(Math.abs(found.dx - (pair.newer.left - pair.earlier.left)), `${where}: dx ${found.dx}`).toBeLessThanOrEqual(5);
            expect(Math.abs(found.dy - (pair.newer.top - pair.earlier.top)), `${where}: dy ${found.dy}`).toBeLessThanOrEqual(5);
            expect(found.correlation).toBeGreaterThan(0.75);
          }
        }
        expect(compared).toBeGreaterThanOrEqual(2 * 2);
      });
    }
  }

  it('finds the same field retaken, whole, at about 1', async () => {
    for (const photo of PHOTOS) {
      const c = { photo, left: 20, top: 30 };
      const found = overlapShare(await fingerprintOf(c, true), await fingerprintOf(c, false));
      expect(found.share, photo).toBeGreaterThan(0.97);
      expect(Math.abs(found.dx) + Math.abs(found.dy), photo).toBeLessThanOrEqual(3);
    }
  });

  it('finds the same field at another camera resolution, the shift in the new photo’s pixels', async () => {
    const earlier = { photo: CAMERA_PHOTOS[0], left: 0, top: 0 };
    const newer = { photo: CAMERA_PHOTOS[0], left: 160, top: 0 };
    const found = overlapShare(await fingerprintOf(newer, true, { width: 2 * W, height: 2 * H }), await fingerprintOf(earlier, false));
    expect(Math.abs(found.share - trueShare(160, 0))).toBeLessThanOrEqual(TOLERANCE);
    expect(Math.abs(found.dx - 2 * 160)).toBeLessThanOrEqual(10);
  });

  it('gives less than 0.05 for crops of different demo photos, and for neighbouring fields of one photo', async () => {
    const crops: Crop[] = [];
    for (const photo of PHOTOS) {
      const { width, height } = sizes.get(photo)!;
      crops.push({ photo, left: 0, top: 0 }, { photo, left: width - W, top: height - H });
    }
    // Side by side, not overlapping: the next fields of the same smear.
    for (const photo of CAMERA_PHOTOS) crops.push({ photo, left: W, top: 0 }, { photo, left: 0, top: H }, { photo, left: W, top: H });
    const plain = await Promise.all(crops.map((c) => fingerprintOf(c, false)));
    const retaken = await Promise.all(crops.map((c) => fingerprintOf(c, true)));
    const disjoint = (a: Crop, b: Crop) => a.photo !== b.photo || Math.abs(a.left - b.left) >= W || Math.abs(a.top - b.top) >= H;
    let compared = 0;
    for (let i = 0; i < crops.length; i++) {
      for (let j = 0; j < crops.length; j++) {
        if (i === j || !disjoint(crops[i], crops[j])) continue;
        const { share } = overlapShare(retaken[i], plain[j]);
        compared++;
        expect(share, `${JSON.stringify(crops[i])} against ${JSON.stringify(crops[j])}`).toBeLessThan(0.05);
      }
    }
    expect(compared).toBeGreaterThan(100);
  });

  it('does not compare photos of another aspect ratio, nor featureless ones', async () => {
    const c = { photo: CAMERA_PHOTOS[0], left: 0, top: 0 };
    const square = await fieldFingerprint(
      await decodeImage(
        await sharp(await jpegOf(c, false))
          .extract({ left: 0, top: 0, width: H, height: H })
          .toBuffer(),
      ),
    );
    expect(overlapShare(square, await fingerprintOf(c, false)).share).toBe(0);

    const flat = (grey: number) =>
      sharp({ create: { width: W, height: H, channels: 3, background: { r: grey, g: grey, b: grey } } })
        .jpeg()
        .toBuffer();
    const blank = await fieldFingerprint(await decodeImage(await flat(200)));
    expect(blank.texture).toBeNull();
    expect(overlapShare(blank, await fieldFingerprint(await decodeImage(await flat(180)))).share).toBe(0);
    expect(overlapShare(await fingerprintOf(c, false), blank).share).toBe(0);
  });
});
