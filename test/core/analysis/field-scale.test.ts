/** Where a field's scale comes from, and what the nurse is told when it is unknown or unusable. */
import { describe, expect, it } from 'vitest';
import {
  CALIBRATION_AGREEMENT,
  calibrationFrom,
  checkedScale,
  parseUmPerPixel,
  rbcDiameterPx,
  resolveFieldScale,
  scaleWarnings,
  TYPING_SCALE_UM_PER_PX,
} from '../../../src/core/analysis/field-scale.ts';
import { REFERENCE_RBC_UM } from '../../../src/core/analysis/scale.ts';

/** A bright field with a grid of red cells of diameter d (or none). */
function field(d: number | null) {
  const w = 400;
  const h = 300;
  const rgb = new Uint8Array(w * h * 3).fill(225);
  if (d !== null) {
    const r = d / 2;
    for (let cy = 2 * r; cy + 2 * r < h; cy += 3 * r) {
      for (let cx = 2 * r; cx + 2 * r < w; cx += 3 * r) {
        for (let y = Math.floor(cy - r); y <= cy + r; y++) {
          for (let x = Math.floor(cx - r); x <= cx + r; x++) if (Math.hypot(x + 0.5 - cx, y + 0.5 - cy) <= r) rgb.set([200, 120, 140], (y * w + x) * 3);
        }
      }
    }
  }
  return { rgb, width: w, height: h };
}

describe('resolveFieldScale', () => {
  it('takes a given scale as it is', () => {
    expect(resolveFieldScale(field(40), { given: 0.1, calibrated: 0.2 })).toEqual({ umPerPixel: 0.1, source: 'given', rbcCount: 0 });
  });

  it("measures the field's red cells before using the calibration", () => {
    const s = resolveFieldScale(field(40), { calibrated: 0.16 });
    expect(s.source).toBe('measured');
    expect(s.umPerPixel! * 40).toBeCloseTo(REFERENCE_RBC_UM, 0);
    expect(s.rbcCount).toBeGreaterThan(10);
    expect(rbcDiameterPx(s)).toBeCloseTo(40, -1);
  });

  it('believes the calibration over a measurement that strays further than CALIBRATION_AGREEMENT from it', () => {
    const um = resolveFieldScale(field(40)).umPerPixel!;
    expect(resolveFieldScale(field(40), { calibrated: um * CALIBRATION_AGREEMENT * 0.95 }).source).toBe('measured');
    expect(resolveFieldScale(field(40), { calibrated: um / (CALIBRATION_AGREEMENT * 0.95) }).source).toBe('measured');
    for (const calibrated of [um * CALIBRATION_AGREEMENT * 1.1, um / (CALIBRATION_AGREEMENT * 1.1), um * 4]) {
      expect(resolveFieldScale(field(40), { calibrated })).toEqual({ umPerPixel: calibrated, source: 'calibrated', rbcCount: expect.any(Number), measuredUmPerPixel: um });
    }
  });

  it('falls back to the calibration, then to unmeasured', () => {
    expect(resolveFieldScale(field(null), { calibrated: 0.3 })).toMatchObject({ umPerPixel: 0.3, source: 'calibrated' });
    const none = resolveFieldScale(field(null));
    expect(none).toMatchObject({ umPerPixel: null, source: 'unmeasured' });
    expect(rbcDiameterPx(none)).toBeNull();
  });
});

describe('checkedScale', () => {
  const measured = { umPerPixel: 7.5 / 90, source: 'measured' as const, rbcCount: 6 };
  const cell = (side: number, leukocyte = 0.9) => ({ box: [0, 0, side, side] as [number, number, number, number], leukocyte });

  it('keeps a measured scale the leukocytes agree with, or when there is no sure leukocyte', () => {
    expect(checkedScale(measured, [cell(140), cell(120)])).toBe(measured); // 1.3-1.6 red cells
    expect(checkedScale(measured, [])).toBe(measured);
    expect(checkedScale(measured, [cell(900, 0.2)])).toBe(measured);
  });

  it('drops a measured scale the leukocytes contradict, for the calibration when there is one', () => {
    const rims = { ...measured, umPerPixel: 7.5 / 21 }; // pale red cells measured by their rims
    expect(checkedScale(rims, [cell(150)])).toEqual({ umPerPixel: null, source: 'unmeasured', rbcCount: 6 });
    expect(checkedScale(rims, [cell(150)], { calibrated: 0.08 })).toEqual({ umPerPixel: 0.08, source: 'calibrated', rbcCount: 6 });
    expect(checkedScale({ ...measured, umPerPixel: 7.5 / 400 }, [cell(150)]).source).toBe('unmeasured');
  });

  it("keeps a calibrated field's own measurement for a new calibration only where the leukocytes agree with it", () => {
    const calibrated = { umPerPixel: 0.08, source: 'calibrated' as const, rbcCount: 6, measuredUmPerPixel: 7.5 / 90 / 2.5 };
    expect(checkedScale(calibrated, [cell(350)])).toBe(calibrated); // another objective: cells 2.5x as wide
    expect(checkedScale(calibrated, [cell(140)])).toEqual({ umPerPixel: 0.08, source: 'calibrated', rbcCount: 6 });
  });

  it('never overrides a given scale', () => {
    const given = { umPerPixel: 0.3, source: 'given' as const, rbcCount: 0 };
    expect(checkedScale(given, [cell(150)])).toBe(given);
  });
});

describe('scaleWarnings', () => {
  it('warns when the scale is unknown, too coarse or too fine for typing, or the tiles were capped', () => {
    const at = (umPerPixel: number | null) => ({ umPerPixel, source: 'measured' as const, rbcCount: 5 });
    expect(scaleWarnings(at(0.08), false)).toEqual([]);
    expect(scaleWarnings(at(null), false).map((w) => w.code)).toEqual(['scale_unmeasured']);
    const low = scaleWarnings(at(TYPING_SCALE_UM_PER_PX[1] * 1.5), false);
    expect(low).toEqual([{ code: 'scale_out_of_range', reason: 'too_low', message: expect.stringMatching(/100x oil objective/) }]);
    expect(scaleWarnings(at(TYPING_SCALE_UM_PER_PX[0] / 2), false)).toEqual([{ code: 'scale_out_of_range', reason: 'too_high', message: expect.stringMatching(/magnification too high/) }]);
    expect(scaleWarnings(at(0.08), true)).toEqual([{ code: 'scale_out_of_range', reason: 'tiles_capped', message: expect.stringMatching(/field too large/) }]);
  });
});

describe('parseUmPerPixel', () => {
  it('accepts plausible scales and explains the rest', () => {
    expect(parseUmPerPixel('0.083')).toBe(0.083);
    expect(parseUmPerPixel('abc')).toMatch(/positive number/);
    expect(parseUmPerPixel('-1')).toMatch(/positive number/);
    expect(parseUmPerPixel('50')).toMatch(/outside 0.005 to 5/);
  });
});

describe('calibrationFrom', () => {
  it('needs three measured fields', () => {
    expect(calibrationFrom([0.1, 0.1])).toEqual({ error: 'too_few_fields', measured: 2, agreeing: 2 });
  });

  it('leaves out a field measured far off and takes the median of the others', () => {
    const r = calibrationFrom([0.1, 0.104, 0.4, 0.096, 0.11]);
    expect(r).toMatchObject({ fields: 4, spread: 0.11 / 0.096 });
    expect('umPerPixel' in r && r.umPerPixel).toBeCloseTo(0.102, 12);
  });

  it('asks for more fields when fewer than three agree', () => {
    expect(calibrationFrom([0.1, 0.1, 0.2])).toEqual({ error: 'too_few_fields', measured: 3, agreeing: 2 });
  });

  it('refuses when fewer than half the fields agree: two objectives, or measurements mostly wrong', () => {
    expect(calibrationFrom([0.1, 0.1, 0.2, 0.2])).toMatchObject({ error: 'fields_disagree', measured: 4 });
    expect(calibrationFrom([0.1, 0.1, 0.1, 0.05, 0.2, 0.3, 0.4])).toEqual({ error: 'fields_disagree', measured: 7, agreeing: 3 });
  });
});
