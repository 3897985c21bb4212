/**
 * Y4M clips for Chromium's fake camera (--use-file-for-fake-video-capture): the text header, then
 * frames of I420 planes in limited-range BT.601, as ffmpeg writes `-pix_fmt yuv420p` (Chromium shows
 * them in their true colours; the clip loops). One photo held still, or a pan over a large picture
 * that stops on given fields, as a nurse moving the slide does.
 */
import sharp from 'sharp';

export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

interface Rgb {
  data: Buffer;
  /** Width and height of the whole picture. */
  width: number;
  height: number;
}

const clamp = (n: number) => Math.max(0, Math.min(255, Math.round(n)));

/** One frame, the part of `img` at (x0, y0) of size w x h (even sides), as I420 planes. */
function i420(img: Rgb, x0: number, y0: number, w: number, h: number): Buffer {
  const out = Buffer.alloc((w * h * 3) / 2);
  const u0 = w * h;
  const v0 = u0 + (w / 2) * (h / 2);
  const at = (px: number, py: number) => ((y0 + py) * img.width + x0 + px) * 3;
  for (let py = 0; py < h; py++) {
    for (let px = 0; px < w; px++) {
      const i = at(px, py);
      out[py * w + px] = clamp(16 + (65.481 * img.data[i]! + 128.553 * img.data[i + 1]! + 24.966 * img.data[i + 2]!) / 255);
    }
  }
  for (let cy = 0; cy < h / 2; cy++) {
    for (let cx = 0; cx < w / 2; cx++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (const [dx, dy] of [
        [0, 0],
        [1, 0],
        [0, 1],
        [1, 1],
      ] as const) {
        const i = at(cx * 2 + dx, cy * 2 + dy);
        r += img.data[i]! / 4;
        g += img.data[i + 1]! / 4;
        b += img.data[i + 2]! / 4;
      }
      out[u0 + cy * (w / 2) + cx] = clamp(128 + (-37.797 * r - 74.203 * g + 112 * b) / 255);
      out[v0 + cy * (w / 2) + cx] = clamp(128 + (112 * r - 93.786 * g - 18.214 * b) / 255);
    }
  }
  return out;
}

async function rgbOf(image: string | Buffer): Promise<Rgb> {
  const { data, info } = await sharp(image).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

const header = (w: number, h: number, fps: number) => Buffer.from(`YUV4MPEG2 W${w} H${h} F${fps}:1 Ip A1:1 C420jpeg\n`);
const FRAME = Buffer.from('FRAME\n');

/** A one-frame clip of a photo: a still camera picture. */
export async function y4mFromImage(imagePath: string): Promise<Buffer> {
  const img = await rgbOf(imagePath);
  // 4:2:0 needs even sides.
  const w = img.width & ~1;
  const h = img.height & ~1;
  return Buffer.concat([header(w, h, 15), FRAME, i420(img, 0, 0, w, h)]);
}

/** Photos (files or encoded images) side by side, each cropped to cover one tile: a "slide" whose tiles are fields that do not overlap. */
export async function photoMosaic(images: (string | Buffer)[], tile: { width: number; height: number }): Promise<{ image: Buffer; fields: Rect[] }> {
  const tiles = await Promise.all(images.map((p) => sharp(p).removeAlpha().resize(tile.width, tile.height, { fit: 'cover' }).png().toBuffer()));
  const image = await sharp({ create: { width: tile.width * tiles.length, height: tile.height, channels: 3, background: '#ffffff' } })
    .composite(tiles.map((input, i) => ({ input, left: i * tile.width, top: 0 })))
    .png()
    .toBuffer();
  return { image, fields: tiles.map((_, i) => ({ left: i * tile.width, top: 0, width: tile.width, height: tile.height })) };
}

export interface PanTiming {
  /** Frames held on each field. */
  steadyFrames: number;
  /** Frames of the pan from one field to the next (the last field pans back to the first). */
  moveFrames: number;
  fps: number;
}

/**
 * A pan over `picture` that holds still on each of `fields` (all of the frame's size, even sides)
 * for `steadyFrames`, then moves to the next in `moveFrames` steps. Frames are width x height x 1.5
 * bytes: keep them small (640x480: 0.46 MB a frame).
 */
export async function y4mPanClip(picture: string | Buffer, fields: Rect[], timing: PanTiming): Promise<Buffer> {
  const img = await rgbOf(picture);
  const { width: w, height: h } = fields[0]!;
  if (w % 2 || h % 2) throw new Error('4:2:0 frames need even sides');
  for (const f of fields) {
    if (f.width !== w || f.height !== h) throw new Error('every field must have the frame size');
    if (f.left < 0 || f.top < 0 || f.left + w > img.width || f.top + h > img.height) throw new Error('a field reaches past the picture');
  }
  const parts: Buffer[] = [header(w, h, timing.fps)];
  fields.forEach((from, i) => {
    const to = fields[(i + 1) % fields.length]!;
    for (let k = 0; k < timing.steadyFrames; k++) parts.push(FRAME, i420(img, from.left, from.top, w, h));
    for (let k = 1; k <= timing.moveFrames; k++) {
      const t = k / (timing.moveFrames + 1);
      parts.push(FRAME, i420(img, Math.round(from.left + (to.left - from.left) * t), Math.round(from.top + (to.top - from.top) * t), w, h));
    }
  });
  return Buffer.concat(parts);
}
