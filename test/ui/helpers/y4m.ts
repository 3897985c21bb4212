/**
 * A Y4M clip for Chromium's fake camera (--use-file-for-fake-video-capture) made from a photo:
 * the text header, then one frame of I420 planes in limited-range BT.601, as ffmpeg writes
 * `-pix_fmt yuv420p` (Chromium shows it in its true colours; the clip loops).
 */
import sharp from 'sharp';

export async function y4mFromImage(imagePath: string): Promise<Buffer> {
  const { data, info } = await sharp(imagePath).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  // 4:2:0 needs even sides.
  const w = info.width & ~1;
  const h = info.height & ~1;
  const y = Buffer.alloc(w * h);
  const u = Buffer.alloc((w / 2) * (h / 2));
  const v = Buffer.alloc((w / 2) * (h / 2));
  const rgb = (px: number, py: number) => {
    const i = (py * info.width + px) * 3;
    return [data[i]!, data[i + 1]!, data[i + 2]!] as const;
  };
  const clamp = (n: number) => Math.max(0, Math.min(255, Math.round(n)));
  for (let py = 0; py < h; py++) {
    for (let px = 0; px < w; px++) {
      const [r, g, b] = rgb(px, py);
      y[py * w + px] = clamp(16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255);
    }
  }
  for (let cy = 0; cy < h / 2; cy++) {
    for (let cx = 0; cx < w / 2; cx++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]] as const) {
        const [pr, pg, pb] = rgb(cx * 2 + dx, cy * 2 + dy);
        r += pr / 4;
        g += pg / 4;
        b += pb / 4;
      }
      u[cy * (w / 2) + cx] = clamp(128 + (-37.797 * r - 74.203 * g + 112 * b) / 255);
      v[cy * (w / 2) + cx] = clamp(128 + (112 * r - 93.786 * g - 18.214 * b) / 255);
    }
  }
  return Buffer.concat([Buffer.from(`YUV4MPEG2 W${w} H${h} F15:1 Ip A1:1 C420jpeg\n`), Buffer.from('FRAME\n'), y, u, v]);
}
