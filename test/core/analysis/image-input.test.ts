import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, sniffFormat, type DecodedImage } from '../../../src/core/analysis/image-input.ts';
import { INPUT_ERROR_STATUS, InputError } from '../../../src/core/errors.ts';
import { bombPng } from '../../helpers/bad-images.ts';

const DEMO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../demo/images');
const FIELD = path.join(DEMO, 'bccd-BloodImage_00001.jpg'); // 640x480

let dir: string;
let field: Buffer;
/** The field's pixels as sharp decodes them, the reference for the converted variants. */
let fieldRgb: Buffer;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'leukodiff-image-input-'));
  field = readFileSync(FIELD);
  fieldRgb = (await sharp(field).raw().toBuffer({ resolveWithObject: true })).data;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, data: Buffer): string {
  const file = path.join(dir, name);
  writeFileSync(file, data);
  return file;
}

/** Resolves to the InputError decodeImage rejects with; fails the test on success or another error. */
async function refusal(input: Buffer | string, limits?: Parameters<typeof decodeImage>[1]): Promise<InputError> {
  try {
    await decodeImage(input, limits);
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    const e = err as InputError;
    expect(e.message).not.toMatch(/\n/);
    expect(e.message.length).toBeGreaterThan(20);
    expect(e.status).toBeGreaterThanOrEqual(400);
    expect(e.status).toBeLessThan(500);
    return e;
  }
  throw new Error('decodeImage accepted a bad input');
}

function expectRgb8(img: DecodedImage, width: number, height: number) {
  expect(img.width).toBe(width);
  expect(img.height).toBe(height);
  expect(Buffer.isBuffer(img.rgb)).toBe(true);
  expect(img.rgb.length).toBe(width * height * 3);
}

function meanAbsDiff(a: Buffer, b: Buffer): number {
  expect(a.length).toBe(b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

/** Rotates an HWC RGB buffer the way an EXIF orientation asks a viewer to. */
function orient(rgb: Buffer, w: number, h: number, orientation: 3 | 6 | 8): { data: Buffer; w: number; h: number } {
  const swap = orientation !== 3;
  const ow = swap ? h : w;
  const oh = swap ? w : h;
  const out = Buffer.alloc(rgb.length);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      // Source pixel shown at (x, y).
      const [sx, sy] = orientation === 3 ? [w - 1 - x, h - 1 - y] : orientation === 6 ? [y, h - 1 - x] : [w - 1 - y, x];
      rgb.copy(out, (y * ow + x) * 3, (sy * w + sx) * 3, (sy * w + sx) * 3 + 3);
    }
  }
  return { data: out, w: ow, h: oh };
}

describe('decodeImage: the demo fields', () => {
  const files = readdirSync(DEMO).filter((f) => /\.jpe?g$/i.test(f));

  it('ships several fields', () => {
    expect(files.length).toBeGreaterThanOrEqual(4);
  });

  it.each(files)('%s decodes to 8-bit RGB with its size, format and sha256', async (name) => {
    const file = path.join(DEMO, name);
    const bytes = readFileSync(file);
    const meta = await sharp(bytes).metadata();
    const img = await decodeImage(file);
    expectRgb8(img, meta.width, meta.height);
    expect(img.format).toBe('jpeg');
    expect(img.warnings).toEqual([]);
    expect(img.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('gives the same pixels from a path and from a buffer', async () => {
    const a = await decodeImage(FIELD);
    const b = await decodeImage(field);
    expect(b.sha256).toBe(a.sha256);
    expect(b.rgb.equals(a.rgb)).toBe(true);
  });
});

describe('decodeImage: unusual but valid inputs', () => {
  it('converts a 16-bit PNG to 8 bits', async () => {
    const png16 = await sharp(field).toColourspace('rgb16').png().toBuffer();
    const meta = await sharp(png16).metadata();
    expect(meta.depth).toBe('ushort');
    const img = await decodeImage(png16);
    expectRgb8(img, 640, 480);
    expect(img.format).toBe('png');
    expect(meanAbsDiff(img.rgb, fieldRgb)).toBeLessThan(1);
  });

  it('converts a CMYK JPEG to sRGB', async () => {
    const cmyk = await sharp(field).toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    const img = await decodeImage(cmyk);
    expectRgb8(img, 640, 480);
    expect(meanAbsDiff(img.rgb, fieldRgb)).toBeLessThan(10);
  });

  it.each([3, 6, 8] as const)('applies EXIF orientation %i', async (orientation) => {
    const jpeg = await sharp(field).withMetadata({ orientation }).jpeg({ quality: 95 }).toBuffer();
    expect((await sharp(jpeg).metadata()).orientation).toBe(orientation);
    // The stored pixels, not rotated, turned by hand the way a viewer would show them.
    const stored = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
    expect([stored.info.width, stored.info.height]).toEqual([640, 480]);
    const want = orient(stored.data, 640, 480, orientation);

    const img = await decodeImage(write(`oriented-${orientation}.jpg`, jpeg));
    expectRgb8(img, want.w, want.h);
    expect(meanAbsDiff(img.rgb, want.data)).toBeLessThan(0.5);
  });

  it('flattens a PNG with alpha on white', async () => {
    const rgba = Buffer.alloc(640 * 480 * 4);
    for (let i = 0, p = 0; i < 640 * 480; i++, p += 4) {
      fieldRgb.copy(rgba, p, i * 3, i * 3 + 3);
      const x = i % 640;
      rgba[p + 3] = x < 320 ? 0 : 255; // left half fully transparent
    }
    const png = await sharp(rgba, { raw: { width: 640, height: 480, channels: 4 } })
      .png()
      .toBuffer();
    expect((await sharp(png).metadata()).hasAlpha).toBe(true);
    const img = await decodeImage(png);
    expectRgb8(img, 640, 480);
    const at = (x: number, y: number) => [...img.rgb.subarray((y * 640 + x) * 3, (y * 640 + x) * 3 + 3)];
    expect(at(10, 10)).toEqual([255, 255, 255]);
    expect(at(319, 479)).toEqual([255, 255, 255]);
    const o = (200 * 640 + 400) * 3;
    expect(at(400, 200)).toEqual([...fieldRgb.subarray(o, o + 3)]);
  });

  it('decodes TIFF', async () => {
    const tiff = await sharp(field).tiff({ compression: 'lzw' }).toBuffer();
    const img = await decodeImage(tiff);
    expectRgb8(img, 640, 480);
    expect(img.format).toBe('tiff');
    expect(img.rgb.equals(fieldRgb)).toBe(true);
  });

  it('decodes WebP', async () => {
    const webp = await sharp(field).webp({ lossless: true }).toBuffer();
    const img = await decodeImage(webp);
    expectRgb8(img, 640, 480);
    expect(img.format).toBe('webp');
    expect(img.rgb.equals(fieldRgb)).toBe(true);
  });

  it('decodes a greyscale PNG to 3 equal channels and warns', async () => {
    const grey = await sharp(field).toColourspace('b-w').png().toBuffer();
    expect((await sharp(grey).metadata()).channels).toBe(1);
    const img = await decodeImage(grey);
    expectRgb8(img, 640, 480);
    for (let p = 0; p < img.rgb.length; p += 3 * 997) {
      expect(img.rgb[p + 1]).toBe(img.rgb[p]);
      expect(img.rgb[p + 2]).toBe(img.rgb[p]);
    }
    expect(img.warnings.map((w) => w.code)).toEqual(['greyscale']);
    expect(img.warnings[0].message).toMatch(/colour camera/);
  });

  it('decodes a greyscale PNG with alpha', async () => {
    const ga = await sharp(field).toColourspace('b-w').ensureAlpha(0.5).png().toBuffer();
    expect((await sharp(ga).metadata()).channels).toBe(2);
    const img = await decodeImage(ga);
    expectRgb8(img, 640, 480);
    expect(img.warnings.map((w) => w.code)).toEqual(['greyscale']);
  });

  it('goes by the bytes, not the file name: a PNG named .jpg is a PNG', async () => {
    const png = await sharp(field).png().toBuffer();
    const img = await decodeImage(write('really-a-png.jpg', png));
    expect(img.format).toBe('png');
    expect(img.rgb.equals(fieldRgb)).toBe(true);
  });

  it('accepts bytes after the end of a JPEG (camera trailers)', async () => {
    const trailer = Buffer.concat([field, Buffer.from([0xff, 0xda, 0x00, 0x08]), Buffer.from('vendor trailer data')]);
    const img = await decodeImage(trailer);
    expect(img.rgb.equals(fieldRgb)).toBe(true);
  });

  it('decodes a progressive JPEG', async () => {
    const prog = await sharp(field).jpeg({ progressive: true, quality: 90 }).toBuffer();
    expectRgb8(await decodeImage(prog), 640, 480);
  });

  it('accepts an image exactly at the limits', async () => {
    const small = await sharp(field).resize(32, 32).png().toBuffer();
    expectRgb8(await decodeImage(small), 32, 32);
    expectRgb8(await decodeImage(field, { maxPixels: 640 * 480, maxBytes: field.length }), 640, 480);
  });
});

describe('decodeImage: refusals', () => {
  it('refuses an empty buffer and a zero-byte file', async () => {
    expect((await refusal(Buffer.alloc(0))).code).toBe('empty_file');
    const e = await refusal(write('zero.jpg', Buffer.alloc(0)));
    expect(e.code).toBe('empty_file');
    expect(e.status).toBe(400);
  });

  it.each([
    ['half of it', (b: Buffer) => b.subarray(0, b.length >> 1)],
    ['all but the end marker', (b: Buffer) => b.subarray(0, b.length - 2)],
    ['its first 300 bytes', (b: Buffer) => b.subarray(0, 300)],
  ])('refuses a JPEG cut to %s', async (_name, cut) => {
    const e = await refusal(write('cut.jpg', cut(field)));
    expect(e.code).toBe('truncated_image');
    expect(e.message).toMatch(/incomplete/);
  });

  it('refuses a cut-short progressive JPEG', async () => {
    const prog = await sharp(field).jpeg({ progressive: true }).toBuffer();
    expect((await refusal(prog.subarray(0, Math.floor(prog.length * 0.8)))).code).toBe('truncated_image');
  });

  it('refuses a cut-short PNG', async () => {
    const png = await sharp(field).png().toBuffer();
    expect((await refusal(png.subarray(0, png.length >> 1))).code).toBe('truncated_image');
  });

  it('refuses a cut-short WebP', async () => {
    const webp = await sharp(field).webp().toBuffer();
    expect((await refusal(webp.subarray(0, webp.length >> 1))).code).toBe('truncated_image');
  });

  it('refuses a PDF renamed .jpg, saying it is a PDF', async () => {
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n');
    const e = await refusal(write('scan.jpg', pdf));
    expect(e.code).toBe('not_an_image');
    expect(e.message).toMatch(/PDF/);
    expect(e.status).toBe(400);
  });

  it('refuses a text file renamed .jpg', async () => {
    const e = await refusal(write('notes.jpg', Buffer.from('Patient 12, smear 3: looks fine.\nRetake tomorrow.\n')));
    expect(e.code).toBe('not_an_image');
    expect(e.message).toMatch(/text/);
  });

  it('refuses random bytes', async () => {
    const noise = Buffer.alloc(4096);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
    expect((await refusal(noise)).code).toBe('not_an_image');
  });

  it('refuses a 1x1 image', async () => {
    const one = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#ffffff' } })
      .png()
      .toBuffer();
    const e = await refusal(write('one.png', one));
    expect(e.code).toBe('image_too_small');
    expect(e.message).toMatch(/1x1/);
  });

  it('refuses a strip thinner than minSide', async () => {
    const strip = await sharp(field).resize(640, 20, { fit: 'fill' }).png().toBuffer();
    expect((await refusal(strip)).code).toBe('image_too_small');
    expectRgb8(await decodeImage(strip, { minSide: 16 }), 640, 20);
  });

  it('refuses a 30000x30000 decompression bomb from its header, without decoding it', async () => {
    const bomb = bombPng(30000, 30000);
    expect(bomb.length).toBeLessThan(200_000);
    const before = process.memoryUsage().rss;
    const e = await refusal(write('bomb.png', bomb));
    expect(e.code).toBe('image_too_large');
    expect(e.message).toMatch(/30000x30000/);
    // Decoding would need 2.7 GB.
    expect(process.memoryUsage().rss - before).toBeLessThan(300 * 1024 * 1024);
  });

  it('refuses an image above maxPixels', async () => {
    const e = await refusal(field, { maxPixels: 100_000 });
    expect(e.code).toBe('image_too_large');
    expect(e.status).toBe(413);
  });

  it('refuses a file above maxBytes, from a buffer and from a path', async () => {
    expect((await refusal(field, { maxBytes: 1000 })).code).toBe('file_too_large');
    expect((await refusal(FIELD, { maxBytes: 1000 })).code).toBe('file_too_large');
  });

  it('refuses a missing path, a folder and a path through a file', async () => {
    const missing = await refusal(path.join(dir, 'no-such-photo.jpg'));
    expect(missing.code).toBe('unreadable_path');
    expect(missing.message).toMatch(/no-such-photo\.jpg/);
    const folder = path.join(dir, 'a-folder.jpg');
    mkdirSync(folder, { recursive: true });
    const e = await refusal(folder);
    expect(e.code).toBe('unreadable_path');
    expect(e.message).toMatch(/folder/);
    expect((await refusal(path.join(FIELD, 'inside'))).code).toBe('unreadable_path');
  });

  it.each([
    ['GIF', async () => sharp(field).resize(64, 48).gif().toBuffer()],
    ['HEIC', async () => Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypheic\0\0\0\0mif1heic', 'latin1'), Buffer.alloc(64)])],
    ['SVG', async () => Buffer.from('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="640" height="480"></svg>')],
    [
      'BMP',
      async () => {
        const b = Buffer.alloc(54);
        b.write('BM', 0, 'latin1');
        b.writeUInt32LE(40, 14);
        return b;
      },
    ],
  ])('refuses a %s file as an unsupported format', async (what, make) => {
    const e = await refusal(await make());
    expect(e.code).toBe('unsupported_format');
    expect(e.status).toBe(415);
    expect(e.message).toContain(what);
    expect(e.message).toMatch(/JPEG/);
  });

  it('refuses a file that starts like a JPEG but is garbage', async () => {
    const junk = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.alloc(500, 0x41)]);
    expect(['truncated_image', 'corrupt_image']).toContain((await refusal(junk)).code);
  });

  it('turns every damaged copy of a valid image into an InputError or a decoded image, never a crash', async () => {
    const sources = [field, await sharp(field).png().toBuffer(), await sharp(field).webp().toBuffer(), await sharp(field).tiff().toBuffer()];
    let seed = 12345;
    const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    for (const src of sources) {
      for (let k = 0; k < 6; k++) {
        const copy = Buffer.from(src.subarray(0, 16 + Math.floor(rand() * (src.length - 16))));
        // Flip a few bytes after the magic number as well.
        for (let j = 0; j < 4; j++) copy[12 + Math.floor(rand() * (copy.length - 12))] ^= 0x5a;
        const result = await decodeImage(copy).then(
          (img) => img,
          (err: unknown) => err,
        );
        expectInputErrorOrImage(result);
      }
      // Whole files with damaged bytes inside.
      const flipped = Buffer.from(src);
      for (let j = 0; j < 20; j++) flipped[100 + Math.floor(rand() * (flipped.length - 100))] ^= 0x5a;
      expectInputErrorOrImage(
        await decodeImage(flipped).then(
          (img) => img,
          (err: unknown) => err,
        ),
      );
    }
  });
});

function expectInputErrorOrImage(result: unknown) {
  if (result instanceof Error) {
    expect(result).toBeInstanceOf(InputError);
  } else {
    const img = result as DecodedImage;
    expect(img.rgb.length).toBe(img.width * img.height * 3);
  }
}

describe('sniffFormat', () => {
  it('knows the accepted formats by their first bytes', async () => {
    expect(sniffFormat(field)).toEqual({ kind: 'image', format: 'jpeg' });
    expect(sniffFormat(await sharp(field).png().toBuffer())).toEqual({ kind: 'image', format: 'png' });
    expect(sniffFormat(await sharp(field).webp().toBuffer())).toEqual({ kind: 'image', format: 'webp' });
    expect(sniffFormat(await sharp(field).tiff().toBuffer())).toEqual({ kind: 'image', format: 'tiff' });
    const avifHeader = Buffer.concat([Buffer.from([0, 0, 0, 0x1c]), Buffer.from('ftypavif\0\0\0\0avifmif1miaf', 'latin1')]);
    expect(sniffFormat(avifHeader)).toEqual({ kind: 'image', format: 'avif' });
  });
});

describe('InputError', () => {
  it('carries a code, an HTTP status and a one-line message', () => {
    const e = new InputError('truncated_image', 'the file is incomplete:\n copy it again');
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('InputError');
    expect(e.code).toBe('truncated_image');
    expect(e.status).toBe(INPUT_ERROR_STATUS.truncated_image);
    expect(e.message).toBe('the file is incomplete: copy it again');
  });

  it('gives a route-specific code 400 unless told otherwise', () => {
    expect(new InputError('bad_ensemble', 'x').status).toBe(400);
    expect(new InputError('bad_ensemble', 'x', { status: 409 }).status).toBe(409);
  });

  it('maps every known code to a 4xx status', () => {
    for (const status of Object.values(INPUT_ERROR_STATUS)) {
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(500);
    }
  });
});
