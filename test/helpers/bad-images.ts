import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { pngChunk } from '../../scripts/decode-memory-png.ts';

/** A PNG header that claims width x height pixels, with one tiny compressed row: a decompression bomb. */
export function bombPng(width = 30000, height = 30000): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', zlib.deflateSync(Buffer.alloc(1 + width * 3))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Writes one file per kind of bad input into dir; returns their paths by name. */
export async function writeBadImages(dir: string): Promise<Record<string, string>> {
  mkdirSync(dir, { recursive: true });
  const jpeg = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#c0a0b0' } })
    .jpeg()
    .toBuffer();
  const files: Record<string, Buffer> = {
    'zero-byte.jpg': Buffer.alloc(0),
    'truncated.jpg': jpeg.subarray(0, Math.floor(jpeg.length / 2)),
    'document.jpg': Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n'),
    'notes.jpg': Buffer.from('this is a text file, not a photo\n'),
    'one-pixel.png': await sharp({ create: { width: 1, height: 1, channels: 3, background: '#fff' } })
      .png()
      .toBuffer(),
    'bomb.png': bombPng(),
  };
  const out: Record<string, string> = {};
  for (const [name, data] of Object.entries(files)) {
    out[name] = path.join(dir, name);
    writeFileSync(out[name], data);
  }
  out['missing.jpg'] = path.join(dir, 'does-not-exist.jpg');
  return out;
}
