/**
 * Cell crops for the reviewer's gallery: each cell cut from its field photo with a margin around its
 * box, as a square JPEG of CROP_PX in which the box's longer side is CELL_PX (a small cell is
 * enlarged, a large one reduced). A field is decoded once for all its cells: the first crop asked of
 * a field cuts every cell of it, and the crops are kept (least recently used dropped first), so a
 * 100-cell page costs one decode per field, not one per cell.
 */
import sharp from 'sharp';

/** The box's longer side in the crop. */
export const CELL_PX = 150;
/** The crop's side: the cell and a tenth of its size as margin on each side. */
export const CROP_PX = 180;
/** Fields whose crops are kept; a sample has a few dozen at most. */
const MAX_FIELDS = 64;
/** And at most this many bytes of crops in all (a field of thousands of boxes must not hold the rest out). */
const MAX_BYTES = 64 * 1024 * 1024;
/** No photo is decoded beyond this many pixels, whatever its payload says (sharp's own limit is 268 M). */
const MAX_PIXELS = 64 * 1024 * 1024;

export interface CropCell {
  id: string;
  box: [number, number, number, number];
}

export interface CropField {
  image: { sha256: string; width: number; height: number };
  cells: CropCell[];
}

/** The square region of the photo around a box (clamped to the photo), in whole pixels. */
export function cropRegion(box: [number, number, number, number], width: number, height: number): { left: number; top: number; width: number; height: number } {
  const [x1, y1, x2, y2] = box;
  const side = Math.max(1, Math.max(x2 - x1, y2 - y1) * (CROP_PX / CELL_PX));
  const cx = (x1 + x2) / 2;
  const cy = (y1 + y2) / 2;
  const clamp = (v: number, max: number) => Math.min(Math.max(Math.round(v), 0), max);
  const left = clamp(cx - side / 2, width - 1);
  const top = clamp(cy - side / 2, height - 1);
  const right = clamp(cx + side / 2, width);
  const bottom = clamp(cy + side / 2, height);
  return { left, top, width: Math.max(1, right - left), height: Math.max(1, bottom - top) };
}

/** Cuts every cell of a field: cell id -> JPEG. */
async function cutField(bytes: Buffer, field: CropField): Promise<Map<string, Buffer>> {
  // A photo far larger than its report says is refused before it is decoded.
  const declared = field.image.width * field.image.height;
  const limitInputPixels = Math.min(MAX_PIXELS, declared > 0 ? Math.ceil(declared * 1.5) : MAX_PIXELS);
  const { data, info } = await sharp(bytes, { limitInputPixels }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const raw = { raw: { width: info.width, height: info.height, channels: info.channels } };
  const out = new Map<string, Buffer>();
  for (const c of field.cells) {
    // The payload's size is what the boxes are in; the decoded photo is what can be cut.
    const sx = info.width / (field.image.width || info.width);
    const sy = info.height / (field.image.height || info.height);
    const box: [number, number, number, number] = [c.box[0] * sx, c.box[1] * sy, c.box[2] * sx, c.box[3] * sy];
    const region = cropRegion(box, info.width, info.height);
    const jpeg = await sharp(data, raw).extract(region).resize(CROP_PX, CROP_PX, { fit: 'contain', background: '#d9dde3', kernel: 'lanczos3' }).jpeg({ quality: 85 }).toBuffer();
    out.set(c.id, jpeg);
  }
  return out;
}

/** Crops by field, kept per process; the key names the revision, so a new revision's boxes are cut anew. */
export class CropCache {
  private readonly fields = new Map<string, Promise<Map<string, Buffer>>>();
  private readonly bytes = new Map<string, number>();

  constructor(
    private readonly max = MAX_FIELDS,
    private readonly maxBytes = MAX_BYTES,
  ) {}

  /** Bytes of crops held now. */
  get size(): number {
    let total = 0;
    for (const n of this.bytes.values()) total += n;
    return total;
  }

  private drop(key: string): void {
    this.fields.delete(key);
    this.bytes.delete(key);
  }

  /** Least recently used first, until the byte budget holds (the field just cut stays). */
  private trim(keep: string): void {
    for (const key of this.fields.keys()) {
      if (this.size <= this.maxBytes) return;
      if (key !== keep) this.drop(key);
    }
  }

  /** The JPEG of one cell of `field`; `load` gives the photo's bytes (undefined: not in the store). */
  async crop(key: string, field: CropField, cellId: string, load: () => Promise<Buffer | undefined>): Promise<Buffer | undefined> {
    let cut = this.fields.get(key);
    if (cut) {
      // Re-inserted: the map's order is then least recently used first.
      this.fields.delete(key);
    } else {
      cut = (async () => {
        const bytes = await load();
        return bytes ? cutField(bytes, field) : new Map<string, Buffer>();
      })();
      if (this.fields.size >= this.max) this.drop(this.fields.keys().next().value!);
      // A photo that could not be read or cut is not remembered: the next request tries again.
      cut.then(
        (m) => {
          if (this.fields.get(key) !== cut) return;
          if (m.size === 0) return this.drop(key);
          this.bytes.set(
            key,
            [...m.values()].reduce((n, b) => n + b.length, 0),
          );
          this.trim(key);
        },
        () => this.fields.get(key) === cut && this.drop(key),
      );
    }
    this.fields.set(key, cut);
    // A photo that cannot be decoded (damaged, or far larger than its report says) has no crops.
    return (await cut.catch(() => new Map<string, Buffer>())).get(cellId);
  }
}
