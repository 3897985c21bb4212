/**
 * Issue 21, finding 5: a damaged photo was analysed with the missing part grey (the demo photo went
 * from 1 cell to 0) and no warning. A JPEG cut short with its end marker put back, garbled
 * entropy-coded data, and a PNG whose data stream is broken are now refused with 422
 * damaged_image and a message saying to retake the photo; intact photos (the demo images, other
 * encoder settings, harmless libjpeg warnings) are still accepted.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../src/core/analysis/image-input.ts';
import { InputError } from '../../src/core/errors.ts';
import { testApp } from '../helpers/app.ts';
import { pngChunk } from '../../scripts/decode-memory-png.ts';
import { ROOT } from '../helpers/paths.ts';
import { createSample, upload } from '../helpers/workflow.ts';

const DEMO = path.join(ROOT, 'demo', 'images');
const demo = readFileSync(path.join(DEMO, 'bccd-BloodImage_00001.jpg'));
const EOI = Buffer.from([0xff, 0xd9]);

/** Offset of the first byte of entropy-coded data (after the first SOS segment). */
function scanStart(jpeg: Buffer): number {
  let p = 2;
  for (;;) {
    const marker = jpeg[p + 1];
    const len = jpeg.readUInt16BE(p + 2);
    if (marker === 0xda) return p + 2 + len;
    p += 2 + len;
  }
}

/** The JPEG cut to `share` of its bytes with the end marker put back: what an interrupted copy "repaired" by a tool looks like. */
function cutWithEnd(jpeg: Buffer, share: number): Buffer {
  return Buffer.concat([jpeg.subarray(0, Math.floor(jpeg.length * share)), EOI]);
}

/** Garbles `n` bytes of the scan at its middle without making new markers (no 0xFF). */
function garbled(jpeg: Buffer, n = 64): Buffer {
  const out = Buffer.from(jpeg);
  const from = Math.floor((scanStart(jpeg) + jpeg.length) / 2);
  for (let i = from; i < from + n; i++) if (out[i] !== 0xff && out[i - 1] !== 0xff) out[i] = (out[i] * 37 + 11) % 255;
  return out;
}

/** A baseline JPEG whose scan header says Al = 1: harmless (libjpeg ignores it), but it warns. */
function oddScanParameters(jpeg: Buffer): Buffer {
  const out = Buffer.from(jpeg);
  out[scanStart(jpeg) - 1] = 0x01;
  return out;
}

/** The PNG with its image data stream cut to `share`, in well-formed chunks (valid CRCs) and with its IEND. */
function pngWithCutData(png: Buffer, share: number): Buffer {
  const chunks: { type: string; data: Buffer }[] = [];
  for (let p = 8; p < png.length;) {
    const n = png.readUInt32BE(p);
    chunks.push({ type: png.toString('latin1', p + 4, p + 8), data: png.subarray(p + 8, p + 8 + n) });
    p += 12 + n;
  }
  const idat = Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data));
  const head = chunks.filter((c) => c.type !== 'IDAT' && c.type !== 'IEND').map((c) => pngChunk(c.type, c.data));
  return Buffer.concat([png.subarray(0, 8), ...head, pngChunk('IDAT', idat.subarray(0, Math.floor(idat.length * share))), pngChunk('IEND', Buffer.alloc(0))]);
}

async function refusal(bytes: Buffer): Promise<InputError> {
  const err = await decodeImage(bytes).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, 'the damaged image was decoded').toBeInstanceOf(InputError);
  return err as InputError;
}

describe('damaged photos are refused, not analysed with a grey part', () => {
  it('the crafted JPEGs are ones libjpeg decodes silently with its default settings (the hole being closed)', async () => {
    for (const bytes of [cutWithEnd(demo, 0.6), garbled(demo)]) await expect(sharp(bytes, { failOn: 'error' }).raw().toBuffer()).resolves.toBeInstanceOf(Buffer);
  });

  it.each([
    ['cut to 60 % with its end marker appended', () => cutWithEnd(demo, 0.6)],
    ['cut to 95 % with its end marker appended', () => cutWithEnd(demo, 0.95)],
    ['with garbled entropy-coded data', () => garbled(demo)],
    ['progressive, cut to 70 % with its end marker appended', async () => cutWithEnd(await sharp(demo).jpeg({ progressive: true }).toBuffer(), 0.7)],
  ])('refuses a JPEG %s with 422 damaged_image, saying to retake it', async (_what, make) => {
    const e = await refusal(await make());
    expect(e.code).toBe('damaged_image');
    expect(e.status).toBe(422);
    expect(e.message).toMatch(/^the JPEG picture data is damaged \(.+\): .*retake the photo$/);
  });

  it('refuses a PNG whose data stream is cut short (chunks intact, IEND present) or cut with IEND put back', async () => {
    const png = await sharp(demo).png().toBuffer();
    for (const bytes of [pngWithCutData(png, 0.6), Buffer.concat([png.subarray(0, Math.floor(png.length * 0.6)), png.subarray(png.length - 12)])]) {
      const e = await refusal(bytes);
      expect(e.code).toBe('damaged_image');
      expect(e.status).toBe(422);
      expect(e.message).toMatch(/retake the photo/);
    }
    // Cut short without its end: still the more specific truncated_image (also 422).
    expect((await refusal(png.subarray(0, png.length >> 1))).code).toBe('truncated_image');
  });

  it('still accepts every demo image and intact photos from other encoders', async () => {
    const files = readdirSync(DEMO).filter((f) => /\.(jpe?g|png)$/i.test(f));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect((await decodeImage(path.join(DEMO, f))).width, f).toBeGreaterThan(0);
    const variants = [
      await sharp(demo).jpeg({ progressive: true, quality: 92 }).toBuffer(),
      await sharp(demo).jpeg({ mozjpeg: true }).toBuffer(),
      await sharp(demo).jpeg({ chromaSubsampling: '4:4:4', quality: 98 }).toBuffer(),
      await sharp(demo)
        .withExif({ IFD0: { Make: 'Camera', Model: 'Microscope' } })
        .jpeg()
        .toBuffer(),
      await sharp(demo).png().toBuffer(),
      // Padding before the end marker.
      Buffer.concat([demo.subarray(0, demo.length - 2), Buffer.alloc(100), EOI]),
      // Odd scan parameters some encoders write: libjpeg warns ("Invalid SOS parameters for sequential JPEG"), the picture is whole.
      oddScanParameters(demo),
      // Trailing bytes after the end marker (camera trailers) are never looked at.
      Buffer.concat([demo, Buffer.from('trailer data from the camera')]),
    ];
    for (const [i, bytes] of variants.entries()) expect((await decodeImage(bytes)).width, `variant ${i}`).toBe(640);
    await expect(sharp(oddScanParameters(demo), { failOn: 'warning' }).raw().toBuffer()).rejects.toThrow(/Invalid SOS parameters/);
    expect((await decodeImage(oddScanParameters(demo))).rgb.equals((await decodeImage(demo)).rgb)).toBe(true);
  });

  it('answers an upload of a damaged JPEG with 422 damaged_image and stores nothing', async () => {
    const app = await testApp();
    try {
      const id = await createSample(app);
      const res = await upload(app, id, cutWithEnd(demo, 0.6));
      expect(res.statusCode).toBe(422);
      expect(res.json()).toMatchObject({ error: 'damaged_image', message: expect.stringMatching(/retake the photo/) });
      expect((await app.inject({ url: `/api/samples/${id}` })).json().fieldCount).toBe(0);
      expect((await upload(app, id, demo)).statusCode).toBe(202);
    } finally {
      await app.close();
    }
  });
});
