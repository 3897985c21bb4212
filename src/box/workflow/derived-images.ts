/**
 * Thumbnails of fields and crops of cells, as JPEG. The analysis worker makes them from the pixels
 * it has already decoded; a missing one (a cell added by hand, a cache lost to a full disk) is made
 * from the stored image on first request. Either way each is made once and kept under its key.
 */
import sharp from 'sharp';
import type { ImageFiles } from '../store/image-files.ts';
import type { BoxTuple } from '../store/types.ts';

export const THUMB_WIDTH = 320;
/** Context kept around a cell on each side, as a share of the box size. */
const CROP_MARGIN = 0.25;
/** Longest side of a crop; larger cells are scaled down. */
const CROP_MAX_SIDE = 256;

export interface RawPixels {
  rgb: Buffer;
  width: number;
  height: number;
}

type Source = RawPixels | string;

export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** The cell's box with a margin, clipped to the image, in whole pixels. */
export function cropRect(box: BoxTuple, imageWidth: number, imageHeight: number): Rect {
  const [x1, y1, x2, y2] = box;
  const mx = (x2 - x1) * CROP_MARGIN;
  const my = (y2 - y1) * CROP_MARGIN;
  const left = Math.max(0, Math.floor(x1 - mx));
  const top = Math.max(0, Math.floor(y1 - my));
  const right = Math.min(imageWidth, Math.ceil(x2 + mx));
  const bottom = Math.min(imageHeight, Math.ceil(y2 + my));
  return { left, top, width: Math.max(1, right - left), height: Math.max(1, bottom - top) };
}

const open = (src: Source) => (typeof src === 'string' ? sharp(src, { autoOrient: true, limitInputPixels: false }) : sharp(src.rgb, { raw: { width: src.width, height: src.height, channels: 3 } }));

export const thumbKey = (sha256: string) => `${sha256}-w${THUMB_WIDTH}`;
export const cropKey = (sha256: string, r: Rect) => `${sha256}-${r.left}-${r.top}-${r.width}-${r.height}`;

export class DerivedImages {
  constructor(private readonly files: ImageFiles) {}

  thumbnail(sha256: string, src: Source = this.files.pathOf(sha256)): Promise<Buffer> {
    return this.files.derived('thumb', thumbKey(sha256), () => open(src).resize({ width: THUMB_WIDTH, withoutEnlargement: true }).jpeg({ quality: 80, mozjpeg: true }).toBuffer());
  }

  crop(sha256: string, box: BoxTuple, imageWidth: number, imageHeight: number, src: Source = this.files.pathOf(sha256)): Promise<Buffer> {
    const rect = cropRect(box, imageWidth, imageHeight);
    return this.files.derived('crop', cropKey(sha256, rect), () =>
      open(src).extract(rect).resize({ width: CROP_MAX_SIDE, height: CROP_MAX_SIDE, fit: 'inside', withoutEnlargement: true }).jpeg({ quality: 88 }).toBuffer(),
    );
  }
}
