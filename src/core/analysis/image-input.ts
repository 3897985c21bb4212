/**
 * Turns whatever the nurse's camera or a user sent into 8-bit sRGB pixels, or refuses it with an
 * InputError that says what to do. The type comes from the bytes, never from a file name; the
 * pixel limit is checked on the header before anything is decoded, and decodes wait for a slot of
 * the process's DecodeLimiter so that their pixel buffers stay within a memory bound. Damaged
 * picture data (a JPEG cut short with an end marker put back, garbled entropy-coded data, a PNG
 * whose data stream is broken) is refused rather than decoded with a grey or garbled part.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { InputError } from '../errors.ts';
import { decodeSlots, type DecodeLimiter } from './decode-limiter.ts';
import { pixelReclaim } from './pixel-reclaim.ts';
import { qualityWarning, type QualityWarning } from './quality.ts';

export interface DecodedImage {
  /** 8-bit sRGB, HWC, 3 channels, no alpha; EXIF orientation applied. */
  rgb: Buffer;
  width: number;
  height: number;
  /** Format found in the bytes: jpeg, png, webp, tiff or avif. */
  format: string;
  /** Warnings about the input itself (e.g. greyscale); assessQuality adds those about the field. */
  warnings: QualityWarning[];
  /** sha256 (hex) of the file's bytes as received. */
  sha256: string;
}

export interface DecodeLimits {
  /** Most pixels (width x height) accepted; checked on the header before decoding. Default 50e6. */
  maxPixels?: number;
  /** Most bytes accepted. Default 100 MiB. */
  maxBytes?: number;
  /** Fewest pixels on the shorter side. Default 32. */
  minSide?: number;
  /** Where decodes wait for their turn. Default: the process's (decodeSlots). */
  slots?: DecodeLimiter;
}

export const DEFAULT_MAX_PIXELS = 50e6;
export const DEFAULT_MAX_BYTES = 100 * 1024 * 1024;
export const DEFAULT_MIN_SIDE = 32;

/** Formats decoded; everything else is refused. */
export const ACCEPTED_FORMATS = ['jpeg', 'png', 'webp', 'tiff', 'avif'] as const;
export type AcceptedFormat = (typeof ACCEPTED_FORMATS)[number];

const RETAKE_AS = 'save or send the photo as JPEG or PNG';

export function decodeImage(input: Buffer | string, limits: DecodeLimits = {}): Promise<DecodedImage> {
  return withDecodedImage(input, limits, (img) => img);
}

/**
 * Decodes the image and runs `use` on it while holding its decode slot, so that the pixel buffer
 * counts against the memory bound until `use` is done with it (keep only what `use` returns).
 */
export async function withDecodedImage<T>(input: Buffer | string, limits: DecodeLimits, use: (img: DecodedImage) => Promise<T> | T): Promise<T> {
  const maxPixels = limits.maxPixels ?? DEFAULT_MAX_PIXELS;
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BYTES;
  const minSide = limits.minSide ?? DEFAULT_MIN_SIDE;

  const bytes = typeof input === 'string' ? await readInputFile(input, maxBytes) : Buffer.isBuffer(input) ? input : Buffer.from(input);
  if (bytes.length === 0) throw new InputError('empty_file', `the file is empty (0 bytes): take the photo again or choose another file`);
  if (bytes.length > maxBytes) throw tooManyBytes(bytes.length, maxBytes);

  const format = sniffFormat(bytes);
  if (format.kind === 'not_image') throw new InputError('not_an_image', format.message);
  if (format.kind === 'unsupported') throw new InputError('unsupported_format', format.message);
  const name = format.format;
  if (name === 'jpeg' && !jpegHasEnd(bytes)) throw truncated(name);

  let meta: Metadata;
  try {
    // Reads the header only: a 30000x30000 bomb costs nothing here.
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw decodeFailure(name, bytes, err);
  }
  const width = meta.autoOrient?.width ?? meta.width;
  const height = meta.autoOrient?.height ?? meta.height;
  if (!width || !height) throw new InputError('corrupt_image', `the ${label(name)} image has no size in its header: it is damaged; retake the photo or copy it again`);
  if (width * height > maxPixels) {
    throw new InputError(
      'image_too_large',
      `the image is ${width}x${height} pixels (${megapixels(width * height)} MP), above the ${megapixels(maxPixels)} MP limit: lower the camera resolution or resize the photo`,
    );
  }
  if (Math.min(width, height) < minSide) {
    throw new InputError(
      'image_too_small',
      `the image is only ${width}x${height} pixels, too small to hold a cell (at least ${minSide} pixels a side): send the full photo from the microscope camera`,
    );
  }

  const warnings: QualityWarning[] = [];
  if (meta.channels <= 2 || meta.space === 'b-w' || meta.space === 'grey16') warnings.push(qualityWarning('greyscale'));
  const sha256 = createHash('sha256').update(bytes).digest('hex');

  return (limits.slots ?? decodeSlots).run(width * height, async () => {
    pixelReclaim.beforeDecode(width * height * 3);
    const { data, info } = await decodePixels(name, bytes, meta, maxPixels);
    if (info.channels !== 3 || data.length !== info.width * info.height * 3) {
      throw new InputError('corrupt_image', `the ${label(name)} image decoded to an unexpected layout (${info.channels} channels): ${RETAKE_AS}`);
    }
    return use({ rgb: data, width: info.width, height: info.height, format: name, warnings, sha256 });
  });
}

/**
 * libjpeg's warnings that intact files from real encoders produce (padding before the end marker,
 * odd but harmless header fields); any other warning means part of the picture is missing or
 * garbled, which libjpeg would otherwise fill in with grey.
 */
const HARMLESS_JPEG_WARNING =
  /extraneous bytes before marker 0xd9|unknown JFIF revision|Invalid SOS parameters for sequential JPEG|Inconsistent progression sequence|bad ICC marker|Unknown Adobe color transform/i;

async function decodePixels(format: AcceptedFormat, bytes: Buffer, meta: Metadata, maxPixels: number): Promise<{ data: Buffer; info: OutputInfo }> {
  const run = (failOn: 'warning' | 'error') => {
    let pipeline = sharp(bytes, { failOn, limitInputPixels: maxPixels, autoOrient: true });
    if (meta.hasAlpha) pipeline = pipeline.flatten({ background: '#ffffff' });
    return pipeline.removeAlpha().toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  };
  try {
    // JPEG damage shows only as libjpeg warnings; other decoders report it as errors (and their
    // warnings, e.g. unknown TIFF tags, are common in intact files).
    return await run(format === 'jpeg' ? 'warning' : 'error');
  } catch (err) {
    if (format !== 'jpeg' || !HARMLESS_JPEG_WARNING.test(String((err as Error)?.message))) throw decodeFailure(format, bytes, err, 'pixels');
  }
  try {
    return await run('error');
  } catch (err) {
    throw decodeFailure(format, bytes, err, 'pixels');
  }
}

async function readInputFile(file: string, maxBytes: number): Promise<Buffer> {
  let size: number;
  try {
    const st = await stat(file);
    if (st.isDirectory()) throw new InputError('unreadable_path', `${file} is a folder, not an image file: give the path of a photo`);
    if (!st.isFile()) throw new InputError('unreadable_path', `${file} is not a regular file: give the path of a photo`);
    size = st.size;
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw pathError(file, err);
  }
  if (size > maxBytes) throw tooManyBytes(size, maxBytes);
  try {
    return await readFile(file);
  } catch (err) {
    throw pathError(file, err);
  }
}

function pathError(file: string, err: unknown): InputError {
  const code = (err as NodeJS.ErrnoException)?.code;
  const message =
    code === 'ENOENT' || code === 'ENOTDIR'
      ? `cannot read ${file} (no such file): check the path and the file name`
      : code === 'EACCES' || code === 'EPERM'
        ? `cannot read ${file} (permission denied): check the file's permissions`
        : code === 'EISDIR'
          ? `${file} is a folder, not an image file: give the path of a photo`
          : `cannot read ${file} (${code ?? 'read error'}): check the path and the storage device`;
  return new InputError('unreadable_path', message, { cause: err });
}

function tooManyBytes(size: number, max: number): InputError {
  return new InputError('file_too_large', `the file is ${mebibytes(size)} MB, above the ${mebibytes(max)} MB limit: save the photo as JPEG or at a lower resolution`);
}

function truncated(format: AcceptedFormat, cause?: unknown): InputError {
  return new InputError('truncated_image', `the ${label(format)} file is incomplete (cut short, e.g. by an interrupted copy or upload): copy it again or retake the photo`, { cause });
}

/**
 * Turns a sharp failure on bytes that looked like `format` into an InputError: at the header, the
 * file is unreadable (corrupt_image); in the picture data, a file whose end is missing was cut
 * short (truncated_image) and one whose end is there has damaged data (damaged_image).
 */
function decodeFailure(format: AcceptedFormat, bytes: Buffer, err: unknown, stage: 'header' | 'pixels' = 'header'): InputError {
  const text = String((err as Error)?.message ?? err);
  if (/pixel limit/i.test(text)) {
    return new InputError('image_too_large', `the image has more pixels than the limit: lower the camera resolution or resize the photo`, { cause: err });
  }
  // A JPEG reaches the decoder only when its end marker is there (jpegHasEnd).
  const cut =
    (format !== 'jpeg' && /premature end|unexpected end|end of (file|data|stream)|truncat|short read|bad seek|not enough data/i.test(text) && !(format === 'png' && bytes.includes(PNG_IEND))) ||
    (format === 'png' && !bytes.includes(PNG_IEND)) ||
    (format === 'webp' && bytes.length >= 8 && bytes.readUInt32LE(4) + 8 > bytes.length);
  if (cut) return truncated(format, err);
  if (stage === 'pixels') {
    const said = text
      .replace(/^.*?:\s*/, '')
      .replace(/\s+/g, ' ')
      .slice(0, 120);
    return new InputError('damaged_image', `the ${label(format)} picture data is damaged (${said}): part of the field would be missing or garbled; retake the photo`, { cause: err });
  }
  return new InputError('corrupt_image', `the ${label(format)} image is damaged and cannot be read: retake the photo or copy it again`, { cause: err });
}

type Sniffed = { kind: 'image'; format: AcceptedFormat } | { kind: 'unsupported'; message: string } | { kind: 'not_image'; message: string };

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const PNG_IEND = Buffer.from('IEND', 'latin1');

/** Identifies the file from its first bytes. */
export function sniffFormat(b: Buffer): Sniffed {
  const ascii = (start: number, end: number) => b.toString('latin1', start, Math.min(end, b.length));
  const unsupported = (what: string, extra = RETAKE_AS): Sniffed => ({
    kind: 'unsupported',
    message: `${what} files are not accepted: ${extra}`,
  });

  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return { kind: 'image', format: 'jpeg' };
  if (b.length >= 8 && b.subarray(0, 8).equals(PNG_MAGIC)) return { kind: 'image', format: 'png' };
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return { kind: 'image', format: 'webp' };
  const tiffMagic = ascii(0, 4);
  if (tiffMagic === 'II*\0' || tiffMagic === 'MM\0*' || tiffMagic === 'II+\0' || tiffMagic === 'MM\0+') {
    return { kind: 'image', format: 'tiff' };
  }
  if (ascii(4, 8) === 'ftyp') {
    const boxSize = b.length >= 4 ? b.readUInt32BE(0) : 0;
    const brands: string[] = [ascii(8, 12)];
    for (let o = 16; o + 4 <= Math.min(boxSize, b.length, 64); o += 4) brands.push(ascii(o, o + 4));
    if (brands.some((x) => x === 'avif' || x === 'avis')) return { kind: 'image', format: 'avif' };
    if (brands.some((x) => /^(hei[cxms]|hev[cxms]|mif1|msf1)$/.test(x))) {
      return unsupported('HEIC', 'set the camera to save JPEG (on an iPhone: Settings > Camera > Formats > Most Compatible), then retake');
    }
    return { kind: 'not_image', message: `this is a video or media file, not a photo: ${RETAKE_AS}` };
  }
  if (ascii(0, 6) === 'GIF87a' || ascii(0, 6) === 'GIF89a') return unsupported('GIF');
  if (ascii(0, 2) === 'BM' && b.length >= 18 && [12, 40, 52, 56, 64, 108, 124].includes(b.readUInt32LE(14))) return unsupported('BMP');
  if (ascii(0, 4) === '8BPS') return unsupported('Photoshop (PSD)');
  if (ascii(4, 12) === 'jP  \r\n\x87\n' || (b[0] === 0xff && b[1] === 0x4f && b[2] === 0xff && b[3] === 0x51)) return unsupported('JPEG 2000');
  if ((b[0] === 0xff && b[1] === 0x0a) || ascii(4, 8) === 'JXL ') return unsupported('JPEG XL');
  if (ascii(0, 5) === '%PDF-') return { kind: 'not_image', message: `this is a PDF document, not a photo: ${RETAKE_AS}` };
  if (ascii(0, 4) === 'PK\x03\x04') return { kind: 'not_image', message: `this is a ZIP archive or office document, not a photo: ${RETAKE_AS}` };
  const head = ascii(0, 1024).trimStart().toLowerCase();
  if (head.startsWith('<svg') || (head.startsWith('<?xml') && head.includes('<svg'))) return unsupported('SVG drawing');
  if (looksLikeText(b)) return { kind: 'not_image', message: `this is a text file, not a photo: choose the photo of the smear (JPEG or PNG)` };
  return { kind: 'not_image', message: `this file is not an image the box can read: ${RETAKE_AS}` };
}

function looksLikeText(b: Buffer): boolean {
  const n = Math.min(b.length, 1024);
  let printable = 0;
  for (let i = 0; i < n; i++) {
    const c = b[i];
    if (c === 0) return false;
    if (c === 9 || c === 10 || c === 13 || (c >= 32 && c < 127) || c >= 128) printable++;
  }
  return printable / n > 0.95;
}

/**
 * Walks the JPEG's markers from the start to its end-of-image marker; false when the bytes run out
 * first (a cut-short file, which libjpeg would otherwise pad with grey). Bytes after the EOI
 * (camera trailers, a second picture, a motion-photo video) are never looked at. A layout it does
 * not understand counts as complete: sharp judges that.
 */
function jpegHasEnd(b: Buffer): boolean {
  const len = b.length;
  let p = 2;
  while (p + 1 < len) {
    if (b[p] !== 0xff) return true;
    const m = b[p + 1];
    if (m === 0xff) {
      p++;
      continue;
    }
    if (m === 0xd9) return true;
    if (m === 0x01 || (m >= 0xd0 && m <= 0xd7)) {
      p += 2;
      continue;
    }
    if (p + 4 > len) return false;
    p += 2 + b.readUInt16BE(p + 2);
    if (m !== 0xda) continue;
    // Entropy-coded data: 0xFF is followed by 0x00 (a stuffed byte) or a restart marker, and the
    // first other marker ends the scan.
    for (;;) {
      const q = b.indexOf(0xff, p);
      if (q < 0 || q + 1 >= len) return false;
      const n = b[q + 1];
      if (n === 0x00 || (n >= 0xd0 && n <= 0xd7)) {
        p = q + 2;
      } else if (n === 0xff) {
        p = q + 1;
      } else {
        p = q;
        break;
      }
    }
  }
  return false;
}

function label(format: AcceptedFormat): string {
  return format === 'webp' ? 'WebP' : format.toUpperCase();
}

function megapixels(pixels: number): string {
  const mp = pixels / 1e6;
  return mp >= 10 ? String(Math.round(mp)) : String(Math.round(mp * 10) / 10);
}

function mebibytes(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return mb >= 10 ? String(Math.round(mb)) : String(Math.round(mb * 10) / 10);
}
