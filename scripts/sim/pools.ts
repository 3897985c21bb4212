/**
 * Which PBC photos each simulated clinic gets, by the classifier's own PBC splits (the crop cache's
 * meta-pbc.json): the photos a clinic's nurses correct come from PBC's train split, the held-out
 * photos its accuracy is measured on from PBC's test split, and no photo goes to two clinics.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CELL_TYPES, type CellType } from '../../src/contracts/vocabulary.ts';

export interface PoolPhoto {
  /** Relative to the PBC folder: class folder / file. */
  ref: string;
  label: CellType;
}

export interface ClinicPools {
  train: PoolPhoto[];
  heldout: PoolPhoto[];
}

interface MetaItem {
  cls: number;
  source: string;
  split: string;
  ref: string;
}

/** The five types' photos of one split, in an order fixed by the seed. */
function shuffled(items: readonly MetaItem[], split: string, seed: number): PoolPhoto[] {
  const key = (ref: string) => createHash('sha256').update(`${seed}:${ref}`).digest('hex');
  return items
    .filter((m) => m.source === 'pbc' && m.split === split && m.cls < CELL_TYPES.length)
    .map((m) => ({ ref: m.ref, label: CELL_TYPES[m.cls]!, key: key(m.ref) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map(({ ref, label }) => ({ ref, label }));
}

/** Disjoint pools for the clinics, each { train, heldout } of the sizes asked; refuses sizes the splits cannot give. */
export function clinicPools(items: readonly MetaItem[], sizes: readonly { train: number; heldout: number }[], seed: number): ClinicPools[] {
  const train = shuffled(items, 'train', seed);
  const test = shuffled(items, 'test', seed);
  const wantTrain = sizes.reduce((n, s) => n + s.train, 0);
  const wantTest = sizes.reduce((n, s) => n + s.heldout, 0);
  if (wantTrain > train.length) throw new Error(`the clinics ask for ${wantTrain} photos of PBC's train split, which holds ${train.length} of the five types`);
  if (wantTest > test.length) throw new Error(`the clinics ask for ${wantTest} held-out photos of PBC's test split, which holds ${test.length} of the five types`);
  let t = 0;
  let h = 0;
  return sizes.map((s) => ({ train: train.slice(t, (t += s.train)), heldout: test.slice(h, (h += s.heldout)) }));
}

/** The PBC part of the classifier's crop cache. */
export function readPbcMeta(cacheDir: string): MetaItem[] {
  const file = path.join(cacheDir, 'meta-pbc.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new Error(`${file} is missing: build the crop cache first (scripts/train/cellcls/prepare.py --parts pbc)`);
  }
  return (JSON.parse(text) as { items: MetaItem[] }).items;
}
