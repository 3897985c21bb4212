/** The challenging cases' builders: which cells form a subset, where a synthetic case goes, its pixels. */
import { describe, expect, it } from 'vitest';
import { cropField, heavierStain, meanOpticalDensity, pasteCell, type RgbField } from '../../src/eval/challenging-fields.ts';
import {
  boxGap,
  cellsOn,
  clipToRect,
  CUT_VISIBLE,
  edgeCut,
  fieldSeed,
  impurityTakers,
  labelsInCrop,
  matchOneToOne,
  planClump,
  side,
  TOUCH_GAP,
  touchingCells,
  touchingPlace,
} from '../../src/eval/challenging.ts';
import type { CocoBbox } from '../../src/eval/coco-types.ts';
import { mulberry32 } from '../../src/core/util/random.ts';

const cell = (bbox: CocoBbox, iscrowd: 0 | 1 = 0) => ({ bbox, iscrowd, category_id: 1, area: bbox[2] * bbox[3] });
const xyxy = (b: CocoBbox): [number, number, number, number] => [b[0], b[1], b[0] + b[2], b[1] + b[3]];

function plain(width: number, height: number, value = 220): RgbField {
  return { rgb: new Uint8Array(width * height * 3).fill(value), width, height };
}
const px = (f: RgbField, x: number, y: number) => Array.from(f.rgb.subarray((y * f.width + x) * 3, (y * f.width + x) * 3 + 3));

describe('touching cells', () => {
  it('selects a pair whose boxes touch or overlap, not a pair far apart', () => {
    const boxes = [
      cell([10, 10, 100, 100]),
      cell([112, 20, 100, 100]), // 2 px off the first: 0.02 of its side
      cell([400, 400, 100, 100]), // far from both
      cell([300, 10, 80, 80]),
      cell([370, 50, 80, 80]), // overlapping the fourth
    ];
    expect(touchingCells(boxes)).toEqual([0, 1, 3, 4]);
  });

  it('states touching relative to the cell size, ignores crowd regions and doubled labels', () => {
    const gap = Math.ceil(TOUCH_GAP * 100) + 1;
    expect(touchingCells([cell([0, 0, 100, 100]), cell([100 + gap, 0, 100, 100])])).toEqual([]);
    expect(touchingCells([cell([0, 0, 100, 100]), cell([100 + gap - 2, 0, 100, 100])])).toEqual([0, 1]);
    expect(touchingCells([cell([0, 0, 100, 100]), cell([100, 0, 100, 100], 1)])).toEqual([]);
    expect(touchingCells([cell([0, 0, 100, 100]), cell([5, 3, 100, 100])])).toEqual([]);
  });

  it('measures the gap between boxes, negative when they overlap', () => {
    expect(boxGap([0, 0, 10, 10], [15, 0, 10, 10])).toBe(5);
    expect(boxGap([0, 0, 10, 10], [8, 20, 10, 10])).toBe(10);
    expect(boxGap([0, 0, 10, 10], [7, 2, 10, 10])).toBe(-3);
  });
});

describe('matching and scoring', () => {
  it('matches one-to-one by descending score and never matches ignore regions', () => {
    const labels = [cell([0, 0, 100, 100]), cell([200, 0, 100, 100]), cell([400, 0, 100, 100], 1)];
    const cells = [
      { box: xyxy([2, 2, 100, 100]), score: 0.6 },
      { box: xyxy([0, 0, 100, 100]), score: 0.9 },
      { box: xyxy([400, 0, 100, 100]), score: 0.8 },
    ];
    const { labelToCell, cellToLabel } = matchOneToOne(labels, cells);
    expect(labelToCell).toEqual([1, -1, -1]);
    expect(cellToLabel).toEqual([-1, 0, -1]);
  });

  it('counts the cells lying mostly on a box', () => {
    const cells = [
      { box: xyxy([0, 0, 40, 100]), score: 1 },
      { box: xyxy([50, 0, 40, 100]), score: 1 },
      { box: xyxy([80, 0, 100, 100]), score: 1 },
    ];
    expect(cellsOn([0, 0, 100, 100], cells)).toEqual([0, 1]);
  });

  it('takes an impurity for a cell through a cell on it that lies on no labelled leukocyte', () => {
    const platelet: CocoBbox = [300, 300, 30, 30];
    const onIt = [{ box: xyxy([290, 290, 60, 60]), score: 0.5 }];
    expect(impurityTakers(platelet, onIt, [])).toEqual([0]);
    expect(impurityTakers(platelet, onIt, [cell([100, 100, 80, 80])])).toEqual([0]);
    // The cell found the leukocyte the platelet lies on.
    expect(impurityTakers(platelet, onIt, [cell([288, 292, 62, 58])])).toEqual([]);
    expect(impurityTakers(platelet, [{ box: xyxy([0, 0, 50, 50]), score: 1 }], [])).toEqual([]);
  });

  it('does not take a platelet for a cell through a loose box on a leukocyte (IoU 0.3-0.5, matching no label)', () => {
    // A platelet at the edge of a leukocyte; the cell reported on the leukocyte is off its label
    // (IoU about 0.44: no one-to-one match) but holds the platelet's centre.
    const leukocyte: CocoBbox = [200, 200, 100, 100];
    const platelet: CocoBbox = [290, 240, 20, 20];
    const loose = { box: xyxy([230, 220, 100, 100]), score: 0.9 };
    expect(matchOneToOne([cell(leukocyte)], [loose]).cellToLabel).toEqual([-1]);
    expect(impurityTakers(platelet, [loose], [cell(leukocyte)])).toEqual([]);
    // On an ignore region too.
    expect(impurityTakers(platelet, [loose], [cell(leukocyte, 1)])).toEqual([]);
    // A cell on the platelet alone still takes it.
    const onPlatelet = { box: xyxy([288, 238, 24, 24]), score: 0.4 };
    expect(impurityTakers(platelet, [loose, onPlatelet], [cell(leukocyte)])).toEqual([1]);
  });

  it('does not count for a clump a cell the field had there without it', () => {
    const clump: CocoBbox = [400, 400, 60, 50];
    const there = { box: xyxy([405, 402, 50, 45]), score: 0.6 };
    const moved = { box: xyxy([407, 404, 50, 45]), score: 0.7 }; // the same false positive, nudged by the clump
    const grown = { box: xyxy([395, 395, 75, 65]), score: 0.8 }; // the clump made it much larger
    expect(impurityTakers(clump, [moved], [], [there])).toEqual([]);
    expect(impurityTakers(clump, [grown], [], [there])).toEqual([0]);
    expect(impurityTakers(clump, [moved], [])).toEqual([0]);
    // A cell elsewhere in the field without the clump excuses nothing.
    expect(impurityTakers(clump, [moved], [], [{ box: xyxy([0, 0, 50, 45]), score: 0.9 }])).toEqual([0]);
  });
});

describe('the field edge through a cell', () => {
  it('leaves 25-50 % of the target box in view, for any seed', () => {
    for (const target of [[100, 150, 150, 150] as CocoBbox, [250, 180, 210, 190] as CocoBbox]) {
      for (let s = 0; s < 50; s++) {
        const cut = edgeCut(640, 480, target, mulberry32(s));
        const clipped = clipToRect(target, cut.crop)!;
        const visible = (clipped[2] * clipped[3]) / (target[2] * target[3]);
        expect(visible).toBeGreaterThanOrEqual(CUT_VISIBLE[0]);
        expect(visible).toBeLessThanOrEqual(CUT_VISIBLE[1]);
        expect(cut.visible).toBeCloseTo(visible, 9);
        expect(cut.crop.x).toBeGreaterThanOrEqual(0);
        expect(cut.crop.y).toBeGreaterThanOrEqual(0);
        expect(cut.crop.x + cut.crop.width).toBeLessThanOrEqual(640);
        expect(cut.crop.y + cut.crop.height).toBeLessThanOrEqual(480);
      }
    }
  });

  it('keeps at least half the field where a side allows it, else the most', () => {
    // Off-centre: only cutting the cell's left part away keeps half the field.
    for (let s = 0; s < 20; s++) {
      const cut = edgeCut(640, 480, [100, 165, 150, 150], mulberry32(s));
      expect(cut.side).toBe('left');
      expect(cut.crop.width * cut.crop.height).toBeGreaterThanOrEqual(0.5 * 640 * 480);
    }
    // Near the right edge: its right part goes, and most of the field stays.
    const cut = edgeCut(640, 480, [500, 150, 120, 180], mulberry32(3));
    expect(cut.side).toBe('right');
    expect(cut.crop.width * cut.crop.height).toBeGreaterThanOrEqual(0.75 * 640 * 480);
    // In the middle no side keeps half: the largest part is kept.
    const mid = edgeCut(640, 480, [270, 190, 100, 100], mulberry32(5));
    expect(mid.crop.width * mid.crop.height).toBeGreaterThanOrEqual(0.45 * 640 * 480);
  });

  it('keeps the target clipped, other cells clipped when half in view, ignored when less, dropped when out', () => {
    const labels = [
      cell([100, 100, 100, 100]), // target
      cell([300, 100, 100, 100]), // wholly in view
      cell([130, 300, 100, 100]), // 70 % in view
      cell([100, 0, 100, 20]), // 30 % in view
      cell([160, 200, 20, 20]), // half in view
      cell([0, 0, 50, 50]), // out of view
    ];
    const crop = { x: 170, y: 0, width: 470, height: 480 };
    const out = labelsInCrop(labels, crop, 0);
    expect(out.target).toBe(0);
    expect(out.labels[0].bbox).toEqual([0, 100, 30, 100]);
    expect(out.labels[0].iscrowd).toBe(0);
    expect(out.labels[1]).toMatchObject({ bbox: [130, 100, 100, 100], iscrowd: 0 });
    expect(out.labels[2]).toMatchObject({ bbox: [0, 300, 60, 100], iscrowd: 0 });
    expect(out.labels[3]).toMatchObject({ bbox: [0, 0, 30, 20], iscrowd: 1 });
    expect(out.labels[4]).toMatchObject({ bbox: [0, 200, 10, 20], iscrowd: 0 });
    expect(out.labels).toHaveLength(5);
    expect(out.labels[0].area).toBe(3000);
  });

  it('crops the pixels the labels follow', () => {
    const f = plain(10, 8);
    f.rgb.set([1, 2, 3], (5 * 10 + 7) * 3);
    const c = cropField(f, { x: 4, y: 3, width: 5, height: 4 });
    expect([c.width, c.height]).toEqual([5, 4]);
    expect(px(c, 3, 2)).toEqual([1, 2, 3]);
    expect(px(c, 0, 0)).toEqual([220, 220, 220]);
  });
});

describe('synthetic touching pairs', () => {
  it('places the partner touching the target, inside the field and away from the other cells', () => {
    const target: CocoBbox = [250, 180, 120, 110];
    const others: CocoBbox[] = [[20, 20, 100, 100]];
    for (let s = 0; s < 30; s++) {
      const at = touchingPlace(640, 480, target, [100, 120], others, mulberry32(s))!;
      expect(at).not.toBeNull();
      expect([at[2], at[3]]).toEqual([100, 120]);
      expect(at[0]).toBeGreaterThanOrEqual(0);
      expect(at[1]).toBeGreaterThanOrEqual(0);
      expect(at[0] + at[2]).toBeLessThanOrEqual(640);
      expect(at[1] + at[3]).toBeLessThanOrEqual(480);
      const s0 = Math.min(side(target), side(at));
      expect(boxGap(target, at)).toBeLessThanOrEqual(TOUCH_GAP * s0);
      expect(touchingCells([cell(target), cell(at)])).toEqual([0, 1]);
      for (const o of others) expect(boxGap(o, at)).toBeGreaterThan(TOUCH_GAP * Math.min(side(o), side(at)));
    }
  });

  it('gives up when no side has room', () => {
    expect(touchingPlace(120, 120, [10, 10, 100, 100], [100, 100], [], mulberry32(1))).toBeNull();
  });

  it('pastes the cell with a feathered edge and keeps the field’s cells in front', () => {
    const src = plain(60, 60, 200);
    for (let y = 20; y < 40; y++) for (let x = 20; x < 40; x++) src.rgb.fill(10, (y * 60 + x) * 3, (y * 60 + x) * 3 + 3);
    const dst = plain(100, 60, 240);
    const front: CocoBbox = [0, 0, 42, 60];
    pasteCell(dst, src, [20, 20, 20, 20], [40, 20, 20, 20], { behind: [front] });
    expect(px(dst, 50, 30)).toEqual([10, 10, 10]); // the cell's centre, opaque
    expect(px(dst, 90, 30)).toEqual([240, 240, 240]); // beyond the feather
    const rim = px(dst, 61, 30)[0]; // in the feather: between both
    expect(rim).toBeGreaterThan(200);
    expect(rim).toBeLessThan(240);
    expect(px(dst, 20, 30)).toEqual([240, 240, 240]); // inside the front cell: untouched
  });

  it('moves the cell by whole pixels when the boxes are not at whole pixels, and says where it landed', () => {
    const src = plain(60, 60, 200);
    for (let y = 20; y < 40; y++) for (let x = 20; x < 40; x++) src.rgb.fill(10, (y * 60 + x) * 3, (y * 60 + x) * 3 + 3);
    const dst = plain(100, 60, 240);
    const to: CocoBbox = [40.7, 20.2, 20, 20];
    const landed = pasteCell(dst, src, [20.4, 20.3, 20, 20], to);
    expect(landed).toEqual([40.4, 20.3, 20, 20]);
    for (let k = 0; k < 4; k++) expect(Math.abs(landed[k] - to[k])).toBeLessThanOrEqual(0.5);
    expect(Math.min(...dst.rgb)).toBe(10); // every pixel read from the source: none left unset (0)
    expect(px(dst, 50, 30)).toEqual([10, 10, 10]);
  });

  it('brings the pasted pixels to the destination by channel gains', () => {
    const src = plain(40, 40, 100);
    const dst = plain(40, 40, 240);
    pasteCell(dst, src, [10, 10, 20, 20], [10, 10, 20, 20], { gain: [2, 1, 3] });
    expect(px(dst, 20, 20)).toEqual([200, 100, 255]);
  });
});

describe('platelet clumps', () => {
  const leukocytes: CocoBbox[] = [
    [50, 50, 150, 150],
    [400, 250, 160, 160],
  ];
  const platelets: CocoBbox[] = [
    [0, 0, 30, 28],
    [0, 0, 36, 34],
    [0, 0, 26, 30],
  ];

  it('places the clump inside the field and away from every leukocyte', () => {
    for (let s = 0; s < 30; s++) {
      const rng = mulberry32(s);
      const count = 4 + Math.floor(rng() * 5);
      const plan = planClump(640, 480, leukocytes, platelets, count, rng)!;
      expect(plan).not.toBeNull();
      expect(plan.parts).toHaveLength(count);
      const [x, y, w, h] = plan.bbox;
      expect(x).toBeGreaterThanOrEqual(0);
      expect(y).toBeGreaterThanOrEqual(0);
      expect(x + w).toBeLessThanOrEqual(640);
      expect(y + h).toBeLessThanOrEqual(480);
      for (const l of leukocytes) expect(boxGap(l, plan.bbox)).toBeGreaterThanOrEqual(0.5 * 160);
      for (const p of plan.parts) {
        expect(p.bbox[0]).toBeGreaterThanOrEqual(0);
        expect(p.bbox[1]).toBeGreaterThanOrEqual(0);
        expect(p.bbox[0] + p.bbox[2]).toBeLessThanOrEqual(640);
        expect(p.bbox[1] + p.bbox[3]).toBeLessThanOrEqual(480);
        expect([p.bbox[2], p.bbox[3]]).toEqual([platelets[p.source][2], platelets[p.source][3]]);
      }
    }
  });

  it('puts the platelets overlapping, within a few platelet sizes of each other', () => {
    const plan = planClump(640, 480, leukocytes, platelets, 6, mulberry32(9))!;
    expect(plan.bbox[2]).toBeLessThan(6 * 36);
    expect(plan.bbox[3]).toBeLessThan(6 * 36);
  });

  it('prefers the emptiest place and gives up where there is no room', () => {
    const brightness = (r: { x: number }) => r.x; // emptier to the right
    const plan = planClump(640, 480, [], platelets, 5, mulberry32(4), brightness)!;
    expect(plan.bbox[0]).toBeGreaterThan(320);
    expect(planClump(200, 200, [[0, 0, 200, 200]], platelets, 5, mulberry32(4))).toBeNull();
  });
});

describe('heavier stain', () => {
  it('darkens stained pixels by the optical density factor and leaves the background', () => {
    const f = plain(2, 1, 200);
    f.rgb.set([100, 150, 250], 3);
    const out = heavierStain(f, 2, [200, 200, 200]);
    expect(px(out, 0, 0)).toEqual([200, 200, 200]);
    // OD 0.301 at half the light; twice that leaves a quarter.
    expect(px(out, 1, 0)).toEqual([50, Math.round(200 * 0.75 ** 2), 250]);
    expect(heavierStain(f, 1, [200, 200, 200]).rgb).toEqual(f.rgb);
  });

  it('measures the optical density of boxes, and a heavier stain multiplies it', () => {
    const f = plain(20, 10, 200);
    for (let y = 2; y < 6; y++) for (let x = 2; x < 6; x++) f.rgb.set([100, 100, 100], (y * 20 + x) * 3);
    const bg: [number, number, number] = [200, 200, 200];
    const inner = meanOpticalDensity(f, [[2, 2, 4, 4]], bg);
    expect(inner.n).toBe(16);
    expect(inner.mean).toBeCloseTo(Math.log10(2), 9);
    // A box twice the cell's area: half of it background.
    expect(meanOpticalDensity(f, [[2, 2, 8, 4]], bg).mean).toBeCloseTo(Math.log10(2) / 2, 9);
    // Clipped to the field; the empty field has none.
    expect(meanOpticalDensity(f, [[15, 5, 10, 10]], bg)).toEqual({ mean: 0, n: 25 });
    expect(meanOpticalDensity(f, [], bg)).toEqual({ mean: 0, n: 0 });
    const heavier = meanOpticalDensity(heavierStain(f, 1.5, bg), [[2, 2, 4, 4]], bg);
    // 1.5 x, but for the rounding to whole grey levels (71 for 70.7).
    expect(Math.abs(heavier.mean / inner.mean - 1.5)).toBeLessThan(0.01);
  });
});

describe('determinism', () => {
  it('gives the same cases for the same seed and other ones for another', () => {
    const run = (seed: number) => {
      const rng = mulberry32(fieldSeed(seed, 7, 1));
      return [edgeCut(640, 480, [250, 180, 210, 190], rng), touchingPlace(640, 480, [250, 180, 120, 110], [100, 120], [], rng), planClump(640, 480, [[50, 50, 150, 150]], [[0, 0, 30, 30]], 6, rng)];
    };
    expect(run(1)).toEqual(run(1));
    expect(run(1)).not.toEqual(run(2));
    expect(fieldSeed(1, 7, 1)).not.toBe(fieldSeed(1, 8, 1));
    expect(fieldSeed(1, 7, 1)).not.toBe(fieldSeed(1, 7, 2));
  });
});
