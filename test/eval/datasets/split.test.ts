import { describe, expect, it } from 'vitest';
import { apportion, type SplitItem, stratifiedSplit } from '../../../src/eval/datasets/split.ts';
import { mulberry32 } from '../../../src/core/util/random.ts';
import { dedupeBoxes } from '../../../src/eval/datasets/dedupe.ts';
import type { FieldBox, SplitName } from '../../../src/eval/datasets/types.ts';

const items = (stratum: string, n: number): SplitItem[] => Array.from({ length: n }, (_, i) => ({ key: `${stratum}-${String(i).padStart(3, '0')}`, stratum }));
const count = (m: Map<string, SplitName>, prefix = ''): Record<SplitName, number> => {
  const c = { train: 0, val: 0, test: 0 };
  for (const [k, s] of m) if (k.startsWith(prefix)) c[s]++;
  return c;
};

describe('stratified split', () => {
  const data = [...items('NG', 200), ...items('EG', 80), ...items('L', 33), ...items('M', 20), ...items('BG', 3)];

  it('is deterministic: the same seed gives the same split, whatever the input order', () => {
    const a = stratifiedSplit(data, 7);
    const b = stratifiedSplit([...data].reverse(), 7);
    expect([...a].sort()).toEqual([...b].sort());
    const c = stratifiedSplit(data, 8);
    expect([...a].sort()).not.toEqual([...c].sort());
  });

  it('splits each stratum about 70/15/15', () => {
    const m = stratifiedSplit(data, 1);
    expect(count(m, 'NG-')).toEqual({ train: 140, val: 30, test: 30 });
    expect(count(m, 'EG-')).toEqual({ train: 56, val: 12, test: 12 });
    expect(count(m, 'L-')).toEqual({ train: 23, val: 5, test: 5 });
    expect(count(m, 'M-')).toEqual({ train: 14, val: 3, test: 3 });
    expect(count(m, 'BG-')).toEqual({ train: 2, val: 1, test: 0 });
  });

  it('counts forced items towards the targets and never moves them', () => {
    const forced = items('NG', 20).map((it, i) => (i < 3 ? { ...it, forced: 'test' as const } : it));
    const m = stratifiedSplit(forced, 3);
    expect(['NG-000', 'NG-001', 'NG-002'].map((k) => m.get(k))).toEqual(['test', 'test', 'test']);
    expect(count(m)).toEqual({ train: 14, val: 3, test: 3 });
  });

  it('adding a stratum leaves the others as they were', () => {
    const a = stratifiedSplit(items('NG', 50), 5);
    const b = stratifiedSplit([...items('NG', 50), ...items('M', 9)], 5);
    for (const [k, s] of a) expect(b.get(k)).toBe(s);
  });

  it('apportions by largest remainder and the PRNG is fixed', () => {
    expect(apportion(10, { train: 0.7, val: 0.15, test: 0.15 })).toEqual({ train: 7, val: 2, test: 1 });
    expect(apportion(0, { train: 0.7, val: 0.15, test: 0.15 })).toEqual({ train: 0, val: 0, test: 0 });
    const r = mulberry32(1);
    expect([r(), r()].map((v) => v.toFixed(6))).toEqual(['0.627074', '0.002736']);
  });
});

describe('exact duplicate boxes', () => {
  it('drops a box identical in class and coordinates to an earlier one, keeps near and cross-class copies', () => {
    const b = (kind: FieldBox['kind'], box: FieldBox['box'], type: number | null = null): FieldBox => ({ kind, box, type });
    const boxes = [b('leukocyte', [1, 2, 3, 4]), b('leukocyte', [1, 2, 3, 4]), b('leukocyte', [1, 2, 3, 4.001]), b('rbc', [1, 2, 3, 4]), b('leukocyte', [1, 2, 3, 4]), b('leukocyte', [1, 2, 3, 4], 0)];
    const d = dedupeBoxes(boxes);
    expect(d.dropped).toBe(2);
    expect(d.boxes).toEqual([boxes[0], boxes[2], boxes[3], boxes[5]]);
  });
});
