import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fuse, fuseWbf, weightedBoxesFusion } from '../../../src/core/ensemble/index.ts';
import type { Box, Detection } from '../../../src/core/types.ts';

interface WbfCase {
  description: string;
  params: { weights: number[] | null; iou_thr: number; skip_box_thr: number; conf_type: 'avg' | 'max' };
  input: { boxes_list: number[][][]; scores_list: number[][]; labels_list: number[][] };
  expected: { boxes: number[][]; scores: number[]; labels: number[] };
}

const dir = fileURLToPath(new URL('../../fixtures/wbf/', import.meta.url));
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort();
const TOL = 1e-6;

describe('weightedBoxesFusion against the reference vectors', () => {
  it('has all 12 vector files', () => {
    expect(files).toHaveLength(12);
  });

  for (const file of files) {
    const c = JSON.parse(readFileSync(dir + file, 'utf8')) as WbfCase;
    it(`${file}: ${c.description.slice(0, 60)}`, () => {
      const r = weightedBoxesFusion(c.input.boxes_list, c.input.scores_list, c.input.labels_list, {
        weights: c.params.weights ?? undefined,
        iouThr: c.params.iou_thr,
        skipBoxThr: c.params.skip_box_thr,
        confType: c.params.conf_type,
      });
      expect(r.boxes.length).toBe(c.expected.boxes.length);
      expect(r.labels).toEqual(c.expected.labels);
      let worst = 0;
      for (let i = 0; i < r.boxes.length; i++) {
        worst = Math.max(worst, Math.abs(r.scores[i] - c.expected.scores[i]));
        for (let k = 0; k < 4; k++) worst = Math.max(worst, Math.abs(r.boxes[i][k] - c.expected.boxes[i][k]));
      }
      expect(worst).toBeLessThan(TOL);
    });
  }
});

describe('wbf fusion mode on pixel detections', () => {
  const det = (box: Box, type: number, score: number): Detection => ({ box, type, score, probs: [] });
  const image = { width: 640, height: 480 };

  // case05: a crowded field of overlapping neighbours, one eosinophil boxed by both models at IoU ~0.52.
  const case05 = JSON.parse(readFileSync(dir + 'case05.json', 'utf8')) as WbfCase;
  const case05Pixels = case05.input.boxes_list.map((boxes, m) =>
    boxes.map((b, i) => det([b[0] * 640, b[1] * 480, b[2] * 640, b[3] * 480], case05.input.labels_list[m][i] - 1, case05.input.scores_list[m][i])),
  );

  it('matches weightedBoxesFusion on the normalised boxes and maps back to pixels', () => {
    const c = case05;
    const cells = fuseWbf(case05Pixels, { iouThr: 0.55 }, image);
    expect(cells.map((x) => x.type + 1)).toEqual(c.expected.labels);
    cells.forEach((cell, i) => {
      expect(cell.confidence).toBeCloseTo(c.expected.scores[i], 6);
      const e = c.expected.boxes[i];
      expect(cell.box[0] / 640).toBeCloseTo(e[0], 6);
      expect(cell.box[1] / 480).toBeCloseTo(e[1], 6);
      expect(cell.box[2] / 640).toBeCloseTo(e[2], 6);
      expect(cell.box[3] / 480).toBeCloseTo(e[3], 6);
    });
  });

  it('gives the eosinophil that wbf splits at 0.55 one cell, and keeps the overlapping neighbours apart', () => {
    const cells = fuse(case05Pixels, { mode: 'wbf', iou: 0.55 }, image);
    const eosinophils = (list: { type: number }[]) => list.filter((x) => x.type === 1).length;
    expect(eosinophils(fuseWbf(case05Pixels, { iouThr: 0.55 }, image))).toBe(2);
    expect(eosinophils(cells)).toBe(1);
    expect(cells).toHaveLength(case05.expected.labels.length - 1);
  });

  it('counts votes as boxes and support as distinct models', () => {
    // Model 0 gives two boxes on one cell, model 1 one, model 2 nothing.
    const perModel = [[det([100, 100, 140, 140], 3, 0.9), det([101, 101, 141, 141], 3, 0.5)], [det([102, 100, 142, 140], 3, 0.8)], []];
    const cells = fuse(perModel, { mode: 'wbf', iou: 0.55 }, image);
    expect(cells).toHaveLength(1);
    expect(cells[0].type).toBe(3);
    expect(cells[0].votes).toEqual([0, 0, 0, 3, 0]);
    expect(cells[0].support).toBe(2);
    expect(cells[0].agreement).toBeCloseTo(2 / 3, 12);
    // avg: mean score * min(M, n) / M = (2.2 / 3) * 3 / 3
    expect(cells[0].confidence).toBeCloseTo(2.2 / 3, 12);
  });

  it("gives each cell the members' mean leukocyte probability, each model's best detection counted once", () => {
    const withProbs = (box: Box, lymphocyte: number, other: number): Detection => ({ box, type: 3, score: lymphocyte, probs: [other, 0, 0, lymphocyte, 0] });
    const perModel = [[withProbs([100, 100, 140, 140], 0.9, 0.05), withProbs([101, 101, 141, 141], 0.5, 0.1)], [withProbs([102, 100, 142, 140], 0.8, 0.1)], []];
    const [cell] = fuse(perModel, { mode: 'wbf', iou: 0.55 }, image);
    expect(cell.leukocyte).toBeCloseTo((0.95 + 0.9) / 3, 12);
  });

  it('clusters per label, so members that disagree on the type give two cells, which fuse makes one', () => {
    const perModel = [[det([100, 100, 140, 140], 0, 0.9)], [det([100, 100, 140, 140], 1, 0.8)]];
    expect(fuseWbf(perModel, { iouThr: 0.55 }, image).map((c) => c.type)).toEqual([0, 1]);
    const cells = fuse(perModel, { mode: 'wbf', iou: 0.55 }, image);
    expect(cells).toHaveLength(1);
    expect(cells[0].type).toBe(0);
    expect(cells[0].votes).toEqual([1, 1, 0, 0, 0]);
  });

  it('rejects a weights list of the wrong length', () => {
    expect(() => fuse([[], []], { mode: 'wbf', iou: 0.5, weights: [1] }, image)).toThrow(/weights/);
  });
});
