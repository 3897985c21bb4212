import { describe, expect, it } from 'vitest';
import { boxAround, clampViewport, fitViewport, hitTest, MAX_ZOOM, panBy, pinch, toImage, typicalSide, zoomAt } from '../../ui/src/logic/viewport.ts';

const image = { width: 640, height: 480 };
const view = { width: 800, height: 400 };

describe('field viewer geometry', () => {
  it('fits the whole image, centred', () => {
    expect(fitViewport(image, view)).toEqual({ scale: 400 / 480, x: (800 - 640 * (400 / 480)) / 2, y: 0 });
  });

  it('zooms about the finger: the image point under it stays there', () => {
    const fit = fitViewport(image, view);
    const at = { x: 500, y: 150 };
    const before = toImage(fit, at);
    const zoomed = zoomAt(fit, 2, at, image, view);
    expect(zoomed.scale).toBeCloseTo(fit.scale * 2);
    const after = toImage(zoomed, at);
    expect(after.x).toBeCloseTo(before.x);
    expect(after.y).toBeCloseTo(before.y);
  });

  it('keeps the scale between fit and the maximum, and the image on screen', () => {
    const fit = fitViewport(image, view);
    expect(zoomAt(fit, 0.2, { x: 10, y: 10 }, image, view)).toEqual(fit);
    expect(zoomAt(fit, 100, { x: 10, y: 10 }, image, view).scale).toBeCloseTo(fit.scale * MAX_ZOOM);
    const zoomed = zoomAt(fit, 4, { x: 400, y: 200 }, image, view);
    const panned = panBy(zoomed, 10_000, 10_000, image, view);
    expect(panned.x).toBe(0);
    expect(panned.y).toBe(0);
    const far = panBy(zoomed, -10_000, -10_000, image, view);
    expect(far.x).toBeCloseTo(view.width - image.width * zoomed.scale);
    expect(far.y).toBeCloseTo(view.height - image.height * zoomed.scale);
    expect(clampViewport({ scale: fit.scale, x: 300, y: 50 }, image, view)).toEqual(fit);
  });

  it('pinches: the distance sets the scale, the midpoint carries the image', () => {
    const fit = fitViewport(image, view);
    const out = pinch(
      fit,
      [
        { x: 300, y: 200 },
        { x: 500, y: 200 },
      ],
      [
        { x: 250, y: 200 },
        { x: 550, y: 200 },
      ],
      image,
      view,
    );
    expect(out.scale).toBeCloseTo(fit.scale * 1.5);
    const mid = toImage(out, { x: 400, y: 200 });
    const was = toImage(fit, { x: 400, y: 200 });
    expect(mid.x).toBeCloseTo(was.x);
    expect(mid.y).toBeCloseTo(was.y);
  });

  it('picks the smallest box under a finger, with some slack for gloves', () => {
    const big = { id: 'big', box: [0, 0, 200, 200] as [number, number, number, number] };
    const small = { id: 'small', box: [50, 50, 80, 80] as [number, number, number, number] };
    expect(hitTest([big, small], { x: 60, y: 60 }, 0)?.id).toBe('small');
    expect(hitTest([big, small], { x: 150, y: 150 }, 0)?.id).toBe('big');
    expect(hitTest([small], { x: 85, y: 60 }, 0)).toBeNull();
    expect(hitTest([small], { x: 85, y: 60 }, 8)?.id).toBe('small');
  });

  it('sizes a missed cell like its neighbours and keeps it inside the image', () => {
    expect(typicalSide([], image)).toBe(60);
    expect(
      typicalSide(
        [
          [0, 0, 40, 50],
          [0, 0, 100, 90],
          [0, 0, 70, 60],
        ],
        image,
      ),
    ).toBe(70);
    expect(boxAround({ x: 100, y: 100 }, 60, image)).toEqual([70, 70, 130, 130]);
    expect(boxAround({ x: 5, y: 478 }, 60, image)).toEqual([0, 420, 60, 480]);
  });
});
