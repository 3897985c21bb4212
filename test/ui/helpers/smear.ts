/**
 * A smear drawn in preview pixels, for judging hands-free capture without a camera: red cells ~18 px
 * across with pale centres, a few dark leukocytes, on the bright background; any view of it at
 * sub-pixel positions, defocused, re-lit or with camera noise.
 */
import type { PreviewFrame } from '../../../ui/src/logic/live-capture.ts';

export const W = 160;
export const H = 120;

export function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export interface Disc {
  x: number;
  y: number;
  r: number;
  /** Grey level at the rim and in the middle (a red cell's pale centre). */
  rim: number;
  centre: number;
}

/** A smear slide far larger than a field, in preview pixels: red cells ~18 px across, a few leukocytes. */
export function drawSlide(seed: number, width = 2000, height = 600): Disc[] {
  const rnd = random(seed);
  const discs: Disc[] = [];
  for (let i = 0; i < (width * height) / 500; i++) {
    discs.push({ x: rnd() * width, y: rnd() * height, r: 8 + rnd() * 2, rim: 120 + rnd() * 20, centre: 165 + rnd() * 15 });
  }
  for (let i = 0; i < (width * height) / 40_000; i++) discs.push({ x: rnd() * width, y: rnd() * height, r: 11 + rnd() * 3, rim: 70, centre: 60 });
  return discs;
}

export interface View {
  /** Top-left corner on the slide, in preview pixels (fractions allowed). */
  x: number;
  y: number;
  /** Box-blur radius, applied three times (about a Gaussian): defocus. */
  blur?: number;
  /** Light level factor. */
  gain?: number;
  /** Standard deviation of the camera noise, grey levels. */
  noise?: number;
  seed?: number;
}

export function render(slide: Disc[], v: View): PreviewFrame {
  const img = new Float32Array(W * H).fill(205);
  for (const d of slide) {
    if (d.x + d.r < v.x - 1 || d.x - d.r > v.x + W + 1 || d.y + d.r < v.y - 1 || d.y - d.r > v.y + H + 1) continue;
    const x0 = Math.max(0, Math.floor(d.x - d.r - v.x - 1));
    const x1 = Math.min(W - 1, Math.ceil(d.x + d.r - v.x + 1));
    const y0 = Math.max(0, Math.floor(d.y - d.r - v.y - 1));
    const y1 = Math.min(H - 1, Math.ceil(d.y + d.r - v.y + 1));
    for (let py = y0; py <= y1; py++) {
      for (let px = x0; px <= x1; px++) {
        const dist = Math.hypot(px + 0.5 + v.x - d.x, py + 0.5 + v.y - d.y);
        const cover = Math.min(1, Math.max(0, d.r - dist + 0.5));
        if (cover <= 0) continue;
        const t = dist / d.r;
        const level = d.centre + (d.rim - d.centre) * Math.min(1, t * t);
        const i = py * W + px;
        img[i] = img[i]! * (1 - cover) + level * cover;
      }
    }
  }
  let out: Float32Array = img;
  if (v.blur) for (let k = 0; k < 3; k++) out = boxBlur(out, v.blur);
  const rnd = random(v.seed ?? 1);
  const gauss = () => {
    let s = 0;
    for (let i = 0; i < 12; i++) s += rnd();
    return s - 6;
  };
  const data = new Uint8Array(W * H);
  for (let i = 0; i < data.length; i++) data[i] = Math.max(0, Math.min(255, Math.round(out[i]! * (v.gain ?? 1) + (v.noise ? v.noise * gauss() : 0))));
  return { width: W, height: H, data };
}

function boxBlur(src: Float32Array, r: number): Float32Array {
  const tmp = new Float32Array(src.length);
  const out = new Float32Array(src.length);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      let s = 0;
      for (let k = -r; k <= r; k++) s += src[y * W + Math.min(W - 1, Math.max(0, x + k))]!;
      tmp[y * W + x] = s / (2 * r + 1);
    }
  }
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      let s = 0;
      for (let k = -r; k <= r; k++) s += tmp[Math.min(H - 1, Math.max(0, y + k)) * W + x]!;
      out[y * W + x] = s / (2 * r + 1);
    }
  }
  return out;
}

/** An empty slide: the bare light, darker towards the corners, with camera noise. */
export function blank(noise = 2): PreviewFrame {
  const rnd = random(3);
  const data = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const r2 = ((x - W / 2) ** 2 + (y - H / 2) ** 2) / (W / 2) ** 2;
      data[y * W + x] = Math.round(210 - 25 * r2 + noise * (rnd() + rnd() + rnd() - 1.5) * 2);
    }
  }
  return { width: W, height: H, data };
}
