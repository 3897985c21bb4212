import { describe, expect, it } from 'vitest';
import { decodeOutput, type DecodeOptions } from '../../../src/core/inference/decode.ts';
import { letterboxGeometry } from '../../../src/core/inference/preprocess.ts';

const opts: DecodeOptions = { scoreThreshold: 0.3, nmsIou: 0.5, nmsClassAware: false, maxDetections: 100 };

function raw(boxes: number[][], scores: number[][]) {
  return { boxes: Float32Array.from(boxes.flat()), scores: Float32Array.from(scores.flat()), count: boxes.length };
}

describe('decodeOutput', () => {
  // A 640x480 image in a 320x320 input: scale 0.5, padY 40.
  const lb = letterboxGeometry(640, 480, 320, 320);
  const image = { width: 640, height: 480 };

  it('maps boxes from input pixels back to original pixels', () => {
    const out = decodeOutput(raw([[10, 50, 60, 90]], [[0.1, 0.8, 0, 0.1, 0]]), lb, image, opts);
    expect(out).toHaveLength(1);
    expect(out[0].box).toEqual([20, 20, 120, 100]);
    expect(out[0].type).toBe(1);
    expect(out[0].score).toBeCloseTo(0.8);
    expect(out[0].probs.map((p) => +p.toFixed(4))).toEqual([0.1, 0.8, 0, 0.1, 0]);
  });

  it('clips to the image and drops boxes that vanish in the padding', () => {
    const out = decodeOutput(
      raw(
        [
          [-20, 30, 40, 100],
          [100, 0, 140, 38],
        ],
        [
          [0.9, 0, 0, 0, 0],
          [0.9, 0, 0, 0, 0],
        ],
      ),
      lb,
      image,
      opts,
    );
    expect(out).toHaveLength(1);
    expect(out[0].box).toEqual([0, 0, 80, 120]);
  });

  it('applies the threshold to the leukocyte probability (sum over the types, inclusive) and scores by the winning type', () => {
    const out = decodeOutput(
      raw(
        [
          [0, 40, 50, 90],
          [100, 100, 150, 150],
          [200, 100, 250, 150],
        ],
        [
          [0.15, 0.1, 0.05, 0, 0],
          [0.0, 0, 0.3, 0, 0],
          [0.1, 0.09, 0.05, 0.05, 0],
        ],
      ),
      lb,
      image,
      opts,
    );
    // 0.3 (type uncertain, kept), 0.3 (kept), 0.29 (dropped)
    expect(out.map((d) => d.type).sort()).toEqual([0, 2]);
    expect(out.find((d) => d.type === 0)!.score).toBeCloseTo(0.15);
  });

  it('suppresses overlapping boxes class-agnostically or per class, as the model says', () => {
    const r = raw(
      [
        [10, 50, 60, 100],
        [12, 52, 62, 102],
      ],
      [
        [0.9, 0, 0, 0, 0],
        [0, 0, 0, 0.8, 0],
      ],
    );
    expect(decodeOutput(r, lb, image, opts)).toHaveLength(1);
    expect(decodeOutput(r, lb, image, { ...opts, nmsClassAware: true })).toHaveLength(2);
  });

  it('keeps at most maxDetections, the best first', () => {
    const boxes = Array.from({ length: 10 }, (_, i) => [i * 30, 50, i * 30 + 20, 70]);
    const scores = boxes.map((_, i) => [0.5 + i * 0.01, 0, 0, 0, 0]);
    const out = decodeOutput(raw(boxes, scores), lb, image, { ...opts, maxDetections: 3 });
    expect(out.map((d) => +d.score.toFixed(2))).toEqual([0.59, 0.58, 0.57]);
  });

  describe('box voting', () => {
    // Three candidates on one cell (input pixels; original = 2x, y - 40 first) and one far away.
    const r = raw(
      [
        [10, 50, 60, 100],
        [14, 50, 64, 100],
        [10, 54, 60, 104],
        [200, 200, 240, 240],
      ],
      [
        [0.8, 0, 0, 0, 0],
        [0, 0.4, 0, 0, 0],
        [0.2, 0, 0, 0, 0],
        [0.5, 0, 0, 0, 0.4],
      ],
    );

    it('replaces each kept box by the mean of the candidates overlapping it, weighted by leukocyte probability ^ power', () => {
      const out = decodeOutput(r, lb, image, { ...opts, scoreThreshold: 0.1, boxVoting: { iou: 0.5, power: 1 } });
      expect(out).toHaveLength(2);
      const w = 0.8 + 0.4 + 0.2;
      const x1 = (0.8 * 10 + 0.4 * 14 + 0.2 * 10) / w,
        y1 = (0.8 * 50 + 0.4 * 50 + 0.2 * 54) / w;
      const expected = [x1 * 2, (y1 - 40) * 2, (x1 + 50) * 2, (y1 + 50 - 40) * 2];
      out[0].box.forEach((v, k) => expect(v).toBeCloseTo(expected[k], 4));
      // Type and score stay those of the kept detection; a lone box keeps its own box.
      expect(out[0]).toMatchObject({ type: 0, score: expect.closeTo(0.8, 6) });
      expect(out[1].box).toEqual([400, 320, 480, 400]);
    });

    it('leans towards the surest candidates as the power grows', () => {
      const x1 = (power: number) => decodeOutput(r, lb, image, { ...opts, scoreThreshold: 0.1, boxVoting: { iou: 0.5, power } })[0].box[0];
      expect(x1(1)).toBeGreaterThan(x1(8));
      expect(x1(8)).toBeGreaterThan(20);
    });

    it('votes only among candidates at IoU >= its threshold (stricter than NMS leaves the kept box alone)', () => {
      const out = decodeOutput(r, lb, image, { ...opts, scoreThreshold: 0.1, boxVoting: { iou: 0.95, power: 1 } });
      expect(out[0].box).toEqual([20, 20, 120, 120]);
    });

    it('votes only among candidates above the score threshold', () => {
      const strict = decodeOutput(r, lb, image, { ...opts, scoreThreshold: 0.3, boxVoting: { iou: 0.5, power: 1 } });
      const w = 0.8 + 0.4;
      expect(strict[0].box[0]).toBeCloseTo(((0.8 * 10 + 0.4 * 14) / w) * 2, 4);
    });
  });

  it('refuses outputs whose sizes do not match N', () => {
    expect(() => decodeOutput({ boxes: new Float32Array(8), scores: new Float32Array(5), count: 2 }, lb, image, opts)).toThrow(/wrong size/);
  });
});
