/**
 * Hands-free capture's judgement (ui/src/logic/live-capture.ts) on preview frames of a drawn smear
 * (red cells, a few leukocytes, rendered at any sub-pixel position) and on the demo photos; and the
 * objective named from the calibration (ui/src/logic/objective.ts).
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import type { MicroscopeCalibration } from '../../ui/src/api/types.ts';
import {
  greyFrame,
  LIVE_THRESHOLDS,
  LiveCapture,
  measureFrame,
  motionBetween,
  REMEMBERED_VIEWS,
  SAMPLE_MS,
  viewOverlap,
  type LiveDecision,
  type PreviewFrame,
} from '../../ui/src/logic/live-capture.ts';
import { calibrationLabel, OIL_100X_UM_PER_PX, scaleDigits } from '../../ui/src/logic/objective.ts';
import { DEMO_IMAGES } from '../helpers/paths.ts';
import { blank, drawSlide, H, render, W, type Disc, type View } from './helpers/smear.ts';

/** Feeds views one SAMPLE_MS apart from `start`; returns the decisions. */
function feed(live: LiveCapture, frames: PreviewFrame[], start = 0): LiveDecision[] {
  return frames.map((f, i) => live.push(f, start + i * SAMPLE_MS));
}

const takes = (ds: LiveDecision[]) => ds.filter((d) => d.phase === 'take').length;
const hold = (slide: Disc[], v: View, n: number) => Array.from({ length: n }, (_, i) => render(slide, { ...v, seed: (v.seed ?? 1) + i }));
const pan = (slide: Disc[], from: View, to: View, n: number) =>
  Array.from({ length: n }, (_, i) => render(slide, { ...from, x: from.x + ((to.x - from.x) * (i + 1)) / n, y: from.y + ((to.y - from.y) * (i + 1)) / n }));

describe('live capture: one take per steady, sharp, new view', () => {
  const slide = drawSlide(7);
  const A: View = { x: 100, y: 100, noise: 1.5 };
  const B: View = { x: 400, y: 150, noise: 1.5 };

  it('takes a steady, sharp field once, after it has been still for the settling time', () => {
    const live = new LiveCapture();
    const ds = feed(live, hold(slide, A, 20));
    expect(takes(ds)).toBe(1);
    const at = ds.findIndex((d) => d.phase === 'take') * SAMPLE_MS;
    expect(at).toBeGreaterThanOrEqual(LIVE_THRESHOLDS.settleMs);
    expect(at).toBeLessThanOrEqual(LIVE_THRESHOLDS.settleMs + SAMPLE_MS);
    expect(ds.slice(0, 3).map((d) => d.phase)).toEqual(['settling', 'settling', 'settling']);
    // Still frames after the take: never again.
    expect(ds.slice(ds.findIndex((d) => d.phase === 'take') + 1).every((d) => d.phase === 'same')).toBe(true);
    expect(takes(feed(live, hold(slide, { ...A, seed: 50 }, 60), 20 * SAMPLE_MS))).toBe(0);
    // Frames skipped while the photo was sent: the view is known at once, no "hold still" first.
    live.interrupt();
    expect(feed(live, hold(slide, A, 2), 100 * SAMPLE_MS).map((d) => d.phase)).toEqual(['same', 'same']);
  });

  it('takes nothing while the slide moves, and nothing while it creeps slowly', () => {
    const moving = feed(new LiveCapture(), pan(slide, A, { ...A, x: A.x + 300 }, 30));
    expect(takes(moving)).toBe(0);
    expect(moving.slice(1).every((d) => d.phase === 'moving')).toBe(true);
    // 0.4 preview pixel a frame: under the step limit, but it adds up over the settling time.
    const creeping = feed(new LiveCapture(), pan(slide, A, { ...A, x: A.x + 14.4 }, 36));
    expect(creeping.slice(1).some((d) => d.motion! <= LIVE_THRESHOLDS.maxMotion)).toBe(true);
    expect(takes(creeping)).toBe(0);
  });

  it('takes nothing out of focus, nor an empty slide', () => {
    const blurred = feed(new LiveCapture(), hold(slide, { ...A, blur: 3 }, 20));
    expect(takes(blurred)).toBe(0);
    expect(blurred.at(-1)!.phase).toBe('blurred');
    // Camera noise sharpens nothing: it is measured between still frames and taken out.
    expect(takes(feed(new LiveCapture(), hold(slide, { ...A, blur: 2, noise: 3 }, 20)))).toBe(0);
    const empty = feed(
      new LiveCapture(),
      Array.from({ length: 20 }, () => blank()),
    );
    expect(takes(empty)).toBe(0);
    expect(empty.at(-1)!.phase).toBe('empty');
  });

  it('takes the field once it comes into focus', () => {
    const live = new LiveCapture();
    const ds = feed(live, [...hold(slide, { ...A, blur: 3 }, 8), ...hold(slide, { ...A, blur: 1 }, 2), ...hold(slide, A, 10)]);
    expect(takes(ds)).toBe(1);
    expect(ds.findIndex((d) => d.phase === 'take')).toBeGreaterThanOrEqual(10);
  });

  it('takes again after the slide moved to a new field and settled', () => {
    const live = new LiveCapture();
    const ds = feed(live, [...hold(slide, A, 8), ...pan(slide, A, B, 4), ...hold(slide, B, 8), ...pan(slide, B, A, 4), ...hold(slide, { ...A, x: A.x + 150 }, 8)]);
    expect(takes(ds)).toBe(3);
    expect(ds.filter((d) => d.phase === 'take').map((d) => d.takeId)).toEqual([1, 2, 3]);
  });

  it('does not take a field again when the slide comes back to it, while it is remembered', () => {
    const live = new LiveCapture();
    const back = { ...A, x: A.x + 20, y: A.y - 10 };
    const ds = feed(live, [...hold(slide, A, 6), ...pan(slide, A, B, 3), ...hold(slide, B, 6), ...pan(slide, B, back, 3), ...hold(slide, back, 6)]);
    expect(takes(ds)).toBe(2);
    expect(ds.at(-1)!.phase).toBe('same');
    // The daemon found A blurred: coming back to it takes it again.
    live.release(1);
    expect(takes(feed(live, [...pan(slide, back, B, 3), ...pan(slide, B, back, 3), ...hold(slide, back, 6)], 30 * SAMPLE_MS))).toBe(1);
  });

  it(`remembers the last ${REMEMBERED_VIEWS} views taken`, () => {
    const live = new LiveCapture();
    const spots: View[] = [];
    for (let row = 0; row < 4; row++) for (let col = 0; col < 11; col++) spots.push({ x: 10 + col * 175, y: 10 + row * 140, noise: 1 });
    const walk = (views: View[]) => views.flatMap((v, i) => [...(i ? pan(slide, views[i - 1]!, v, 2) : []), ...hold(slide, v, 5)]);
    let t = 0;
    const run = (views: View[]) => {
      const ds = feed(live, walk(views), t);
      t += ds.length * SAMPLE_MS;
      return takes(ds);
    };
    expect(run(spots.slice(0, REMEMBERED_VIEWS))).toBe(REMEMBERED_VIEWS);
    expect(run([spots[REMEMBERED_VIEWS - 1]!, spots[0]!])).toBe(0);
    expect(run([spots[REMEMBERED_VIEWS]!, spots[0]!])).toBe(2);
  });

  it('does not take the same field nudged, refocused or re-lit', () => {
    const live = new LiveCapture();
    const nudged = { ...A, x: A.x + 30, y: A.y + 12 };
    const ds = feed(live, [...hold(slide, A, 6), ...pan(slide, A, nudged, 3), ...hold(slide, nudged, 8), ...hold(slide, { ...nudged, blur: 2 }, 3), ...hold(slide, { ...nudged, gain: 0.85 }, 8)]);
    expect(takes(ds)).toBe(1);
    expect(ds.at(-1)!.phase).toBe('same');
  });

  it('does not count light flicker or camera noise as motion', () => {
    const live = new LiveCapture();
    const frames = Array.from({ length: 12 }, (_, i) => render(slide, { ...A, gain: i % 2 ? 1.12 : 0.95, noise: 2.5, seed: i }));
    const ds = feed(live, frames);
    expect(ds.slice(1).every((d) => d.motion! <= LIVE_THRESHOLDS.maxMotion)).toBe(true);
    expect(takes(ds)).toBe(1);
  });

  it('a take the daemon refused as blurred: not again as it is, again once the picture changed', () => {
    const live = new LiveCapture();
    const first = feed(live, hold(slide, A, 6));
    const takeId = first.find((d) => d.phase === 'take')!.takeId!;
    live.release(takeId);
    const still = feed(live, hold(slide, { ...A, seed: 30 }, 10), 6 * SAMPLE_MS);
    expect(takes(still)).toBe(0);
    expect(still.at(-1)!.phase).toBe('unchanged');
    // The nurse turns the fine focus a little: the picture changes, settles, and is taken again.
    const refocused = feed(live, [...hold(slide, { ...A, blur: 2 }, 2), ...hold(slide, { ...A, x: A.x + 0.5 }, 6)], 16 * SAMPLE_MS);
    expect(takes(refocused)).toBe(1);
  });

  it('a take whose photo never arrived is taken again as it is', () => {
    const live = new LiveCapture();
    const first = feed(live, hold(slide, A, 5));
    live.cancel(first.find((d) => d.phase === 'take')!.takeId!);
    expect(takes(feed(live, hold(slide, A, 3), 5 * SAMPLE_MS))).toBe(1);
    // Releasing or cancelling an older take changes nothing.
    live.cancel(1);
    live.release(1);
    expect(takes(feed(live, hold(slide, A, 5), 8 * SAMPLE_MS))).toBe(0);
  });

  it('starts afresh after reset', () => {
    const live = new LiveCapture();
    expect(takes(feed(live, hold(slide, A, 6)))).toBe(1);
    live.reset();
    expect(takes(feed(live, hold(slide, A, 6), 6 * SAMPLE_MS))).toBe(1);
  });

  it('a frame of another size (another camera) is motion', () => {
    const small = { width: 80, height: 60, data: new Uint8Array(80 * 60).fill(100) };
    expect(motionBetween(render(slide, A), small)).toBe(Infinity);
    const live = new LiveCapture();
    feed(live, hold(slide, A, 2));
    expect(live.push(small, 400).phase).toBe('moving');
  });
});

describe('live capture: measures', () => {
  const slide = drawSlide(11);

  it('finds how far a view moved, and that different fields do not match', () => {
    const a = render(slide, { x: 300, y: 200 });
    const b = render(slide, { x: 340, y: 212 });
    const m = viewOverlap(a, b, 0.3);
    expect(m.dx).toBe(40);
    expect(m.dy).toBe(12);
    expect(m.overlap).toBeCloseTo((1 - 40 / W) * (1 - 12 / H), 1);
    expect(m.match).toBeGreaterThan(0.95);
    expect(viewOverlap(a, render(slide, { x: 800, y: 50 }), 0.3).overlap).toBe(0);
    // Past the shared share asked for: no match at all.
    expect(viewOverlap(a, render(slide, { x: 400, y: 200 })).overlap).toBe(0);
  });

  it('converts canvas pixels to grey with the luma weights', () => {
    const rgba = new Uint8ClampedArray([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 200, 200, 200, 255]);
    expect([...greyFrame(rgba, 2, 2).data]).toEqual([77, 149, 29, 200]);
  });

  it('the demo photos pass the focus and smear checks; blurred by 2 px at 640 px wide, they fail the focus check', async () => {
    const files = readdirSync(DEMO_IMAGES).filter((f) => f.endsWith('.jpg'));
    expect(files.length).toBeGreaterThanOrEqual(4);
    const preview = async (img: Sharp): Promise<PreviewFrame> => {
      const { data, info } = await img.resize({ width: W }).greyscale().raw().toBuffer({ resolveWithObject: true });
      return { width: info.width, height: info.height, data: new Uint8Array(data) };
    };
    for (const f of files) {
      const file = path.join(DEMO_IMAGES, f);
      const { width } = await sharp(file).metadata();
      const sharpOne = measureFrame(await preview(sharp(file)));
      // Well under the blur of test/ui/e2e.test.ts's out-of-focus photo (8 px).
      const blurred = measureFrame(await preview(sharp(file).blur((2 * width!) / 640)));
      expect(sharpOne.contrast, f).toBeGreaterThan(LIVE_THRESHOLDS.minContrast);
      expect(sharpOne.focus, f).toBeGreaterThan(LIVE_THRESHOLDS.minFocus);
      expect(blurred.focus, f).toBeLessThan(LIVE_THRESHOLDS.minFocus);
      expect(blurred.contrast, f).toBeGreaterThan(LIVE_THRESHOLDS.minContrast);
    }
    expect(measureFrame(blank()).contrast).toBeLessThan(LIVE_THRESHOLDS.minContrast);
  });
});

describe('objective from the calibration', () => {
  const cal = (umPerPixel: number): MicroscopeCalibration => ({ umPerPixel, fields: 5, spread: 1.1, sampleId: 's', sampleReference: 'S-1', at: '2024-01-01T00:00:00Z', by: 'u' });

  it('says 100x oil only for a scale typical of it, and nothing without a calibration', () => {
    expect(calibrationLabel(null)).toEqual({ kind: 'none' });
    expect(calibrationLabel(undefined)).toEqual({ kind: 'none' });
    expect(calibrationLabel(cal(0.0714))).toEqual({ kind: 'calibrated', umPerPixel: 0.0714, oil100x: true });
    expect(calibrationLabel(cal(OIL_100X_UM_PER_PX[1]))).toMatchObject({ oil100x: true });
    // 40x on the same camera: 2.5 times the scale.
    expect(calibrationLabel(cal(0.18))).toMatchObject({ oil100x: false });
    expect(calibrationLabel(cal(0.01))).toMatchObject({ oil100x: false });
    expect(calibrationLabel(cal(0))).toEqual({ kind: 'none' });
  });

  it('shows the scale with two significant digits', () => {
    expect([0.0714, 0.15, 0.0085, 0.3, 1.2].map((u) => u.toFixed(scaleDigits(u)))).toEqual(['0.071', '0.15', '0.0085', '0.30', '1.2']);
  });
});
