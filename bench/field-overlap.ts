/**
 * The overlap check of an upload (src/core/analysis/field-overlap.ts): a new 640x480 field, retaken
 * brighter and recompressed, checked against the fingerprints of 100 earlier fields of its sample
 * (the demo photos, mirrored, turned and cropped), as the intake does once they are in memory.
 * Budget: a few ms per earlier field.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { PROJECT_ROOT } from '../src/project-root.ts';
import { fieldFingerprint, overlapShare, type FieldFingerprint } from '../src/core/analysis/field-overlap.ts';
import { decodeImage } from '../src/core/analysis/image-input.ts';
import { measure, type Timing } from './stats.ts';

const EARLIER_FIELDS = 100;

export interface FieldOverlapBench {
  fingerprint: Timing;
  check: Timing;
  perFieldMs: number;
  earlier: number;
  /** Largest share found among the 100: the one field the new photo retakes. */
  largestShare: number;
}

async function photo(src: string, i: number): Promise<Buffer> {
  const meta = await sharp(src).metadata();
  const inset = (i * 7) % 40;
  let p = sharp(src).extract({ left: inset, top: inset, width: meta.width! - 2 * inset, height: meta.height! - 2 * inset });
  if (i & 1) p = p.flop();
  if (i & 2) p = p.flip();
  return p.resize(640, 480, { fit: 'fill' }).jpeg({ quality: 85 }).toBuffer();
}

export async function measureFieldOverlap(): Promise<FieldOverlapBench> {
  const dir = path.join(PROJECT_ROOT, 'demo', 'images');
  const sources = readdirSync(dir)
    .filter((f) => /\.jpe?g$/i.test(f))
    .map((f) => path.join(dir, f));
  const earlier: FieldFingerprint[] = [];
  for (let i = 0; i < EARLIER_FIELDS; i++) earlier.push(await fieldFingerprint(await decodeImage(await photo(sources[i % sources.length], Math.floor(i / sources.length)))));

  // The first earlier field moved by 64 px (90 % overlap), retaken 5 % brighter with a gamma of 0.85, at JPEG quality 60.
  const first = await decodeImage(await photo(sources[0], 0));
  const rgb = Buffer.alloc(first.rgb.length, 224);
  for (let y = 0; y < first.height; y++) first.rgb.copy(rgb, y * first.width * 3, (y * first.width + 64) * 3, (y + 1) * first.width * 3);
  for (let i = 0; i < rgb.length; i++) rgb[i] = Math.min(255, Math.round(255 * 1.05 * (rgb[i] / 255) ** 0.85));
  const retaken = await sharp(rgb, { raw: { width: first.width, height: first.height, channels: 3 } })
    .jpeg({ quality: 60 })
    .toBuffer();
  const decoded = await decodeImage(retaken);
  const fingerprint = await measure(() => fieldFingerprint(decoded), 30);
  const newer = await fieldFingerprint(decoded);
  let largestShare = 0;
  const check = await measure(() => {
    // A fresh copy each run, as each upload brings a new photo (nothing carried over between uploads).
    const photo = { ...newer };
    largestShare = 0;
    for (const e of earlier) largestShare = Math.max(largestShare, overlapShare(photo, e).share);
  }, 15);
  return { fingerprint, check, perFieldMs: check.medianMs / EARLIER_FIELDS, earlier: EARLIER_FIELDS, largestShare };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const r = await measureFieldOverlap();
  console.log(r);
}
