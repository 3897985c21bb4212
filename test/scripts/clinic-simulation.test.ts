import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/paths.ts';
import { CELL_TYPES } from '../../src/contracts/vocabulary.ts';
import { labelledCell, nurseActions, scoreField, type FieldCell } from '../../scripts/sim/nurse.ts';
import { clinicPools } from '../../scripts/sim/pools.ts';

// A 300x300 single-cell photo: the labelled leukocyte at the centre (150, 150).
const W = 300;
const H = 300;
const centre: FieldCell = { id: 'c', box: [110, 110, 190, 190], type: 'monocyte' };
const edge: FieldCell = { id: 'e', box: [0, 0, 60, 60], type: 'lymphocyte' };
const ignored: FieldCell = { id: 'n', box: [120, 120, 180, 180], type: 'not_leukocyte' };

describe('the simulated nurse', () => {
  it('takes the cell over the photo centre as the labelled one: a counted one first, the nearest when several hold it', () => {
    const off: FieldCell = { id: 'o', box: [100, 100, 240, 240], type: 'neutrophil' };
    expect(labelledCell([edge, off, centre, ignored], W, H)?.id).toBe('c');
    expect(labelledCell([edge, ignored], W, H)?.id).toBe('n');
    expect(labelledCell([edge], W, H)).toBeUndefined();
  });

  it('retypes a wrongly typed cell to its label and every other cell to not a leukocyte', () => {
    const nrbc: FieldCell = { id: 'r', box: [240, 240, 290, 290], type: 'nrbc' };
    expect(nurseActions([centre, edge, ignored, nrbc], W, H, 'lymphocyte', 0.1)).toEqual([
      { op: 'retype', cellId: 'c', type: 'lymphocyte' },
      { op: 'retype', cellId: 'e', type: 'not_leukocyte' },
      { op: 'retype', cellId: 'r', type: 'not_leukocyte' },
    ]);
    expect(nurseActions([centre], W, H, 'monocyte', 0.1)).toEqual([]);
  });

  it('gives the label to a leukocyte the box called no leukocyte, instead of adding a second cell over it', () => {
    expect(nurseActions([ignored, edge], W, H, 'monocyte', 0.1)).toEqual([
      { op: 'retype', cellId: 'n', type: 'monocyte' },
      { op: 'retype', cellId: 'e', type: 'not_leukocyte' },
    ]);
  });

  it("adds a missed cell at the centre, a leukocyte's width at the field's scale", () => {
    // 12 um at 0.2 um per pixel: 60 px.
    expect(nurseActions([edge], W, H, 'basophil', 0.2)).toEqual([
      { op: 'add', box: [120, 120, 180, 180], type: 'basophil' },
      { op: 'retype', cellId: 'e', type: 'not_leukocyte' },
    ]);
    // No scale: a third of the photo.
    expect(nurseActions([], W, H, 'basophil', null)).toEqual([{ op: 'add', box: [100, 100, 200, 200], type: 'basophil' }]);
  });
});

describe('scoring a held-out photo', () => {
  it('tells right, wrong, unidentified and missed apart and counts the other counted cells', () => {
    expect(scoreField([centre, edge, ignored], W, H, 'monocyte')).toEqual({ outcome: 'right', predicted: 'monocyte', falseCells: 1 });
    expect(scoreField([centre], W, H, 'lymphocyte')).toEqual({ outcome: 'wrong', predicted: 'monocyte', falseCells: 0 });
    expect(scoreField([{ ...centre, type: 'unclassified' }], W, H, 'lymphocyte').outcome).toBe('unidentified');
    expect(scoreField([edge], W, H, 'lymphocyte')).toEqual({ outcome: 'missed', predicted: null, falseCells: 1 });
    // Typed as no leukocyte: missed by the count.
    expect(scoreField([ignored], W, H, 'lymphocyte')).toEqual({ outcome: 'missed', predicted: 'not_leukocyte', falseCells: 0 });
  });
});

describe('clinic photo pools', () => {
  const items = [
    ...Array.from({ length: 40 }, (_, i) => ({ cls: i % 5, source: 'pbc', split: 'train', ref: `t/${i}.jpg` })),
    ...Array.from({ length: 20 }, (_, i) => ({ cls: i % 5, source: 'pbc', split: 'test', ref: `x/${i}.jpg` })),
    { cls: 5, source: 'pbc', split: 'test', ref: 'ig/1.jpg' },
    { cls: 0, source: 'bccd', split: 'test', ref: 'b/1.jpg' },
    { cls: 0, source: 'pbc', split: 'val', ref: 'v/1.jpg' },
  ];

  it('draws corrected photos from the train split and held-out ones from the test split, disjoint between clinics', () => {
    const [a, b] = clinicPools(
      items,
      [
        { train: 10, heldout: 5 },
        { train: 20, heldout: 15 },
      ],
      1,
    );
    expect(a!.train).toHaveLength(10);
    expect(b!.heldout).toHaveLength(15);
    const refs = [a!, b!].flatMap((p) => [...p.train, ...p.heldout].map((x) => x.ref));
    expect(new Set(refs).size).toBe(refs.length);
    expect([...a!.train, ...b!.train].every((p) => p.ref.startsWith('t/'))).toBe(true);
    expect([...a!.heldout, ...b!.heldout].every((p) => p.ref.startsWith('x/'))).toBe(true);
    const typeOf = (ref: string) => CELL_TYPES[Number(/(\d+)\.jpg$/.exec(ref)![1]) % 5];
    expect([...a!.train, ...b!.heldout].every((p) => p.label === typeOf(p.ref))).toBe(true);
  });

  it('is fixed by the seed and changes with it', () => {
    const one = clinicPools(items, [{ train: 10, heldout: 5 }], 1);
    expect(clinicPools(items, [{ train: 10, heldout: 5 }], 1)).toEqual(one);
    expect(clinicPools(items, [{ train: 10, heldout: 5 }], 2)).not.toEqual(one);
  });

  it('refuses more photos than a split holds of the five types', () => {
    expect(() => clinicPools(items, [{ train: 41, heldout: 1 }], 1)).toThrow(/train split, which holds 40/);
    expect(() => clinicPools(items, [{ train: 1, heldout: 21 }], 1)).toThrow(/test split, which holds 20/);
  });
});

describe('scripts/simulate-clinics.ts refuses bad input with one clear line', () => {
  const sim = (...args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'bin', 'run-ts.mjs'), path.join(ROOT, 'scripts', 'simulate-clinics.ts'), ...args], { encoding: 'utf8' });

  it('without its folders: exit 2', () => {
    const r = sim('--out', '/tmp/never');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^simulate-clinics: --pbc, --data and --out are required/);
  });

  it('without a crop cache, or into a folder in use: says what to do and makes nothing', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'leukodiff-sim-'));
    mkdirSync(path.join(dir, 'pbc', 'neutrophil'), { recursive: true });
    const out = path.join(dir, 'out');
    const noCache = sim('--pbc', path.join(dir, 'pbc'), '--data', path.join(dir, 'cache'), '--out', out);
    expect(noCache.status).toBe(1);
    expect(noCache.stderr.trim().split('\n')).toEqual([expect.stringMatching(/meta-pbc\.json is missing: build the crop cache first/)]);
    expect(existsSync(out)).toBe(false);
    const used = sim('--pbc', path.join(dir, 'pbc'), '--data', path.join(dir, 'cache'), '--out', path.join(dir, 'pbc'));
    expect(used.status).toBe(2);
    expect(used.stderr).toMatch(/is not empty: give a new folder/);
    expect(sim('--pbc', dir, '--data', dir, '--out', out).stderr).toMatch(/no PBC_dataset_normal_DIB there/);
    rmSync(dir, { recursive: true, force: true });
  });
});
