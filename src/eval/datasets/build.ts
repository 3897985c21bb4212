/**
 * Builds the project's two datasets from BCCD and TXL-PBC:
 *   bccd-typed: BCCD leukocyte boxes with their type (or type_unknown), no RBC/platelets;
 *   txl-wbc:    TXL-PBC boxes, class-agnostic WBC plus RBC and platelets.
 * Byte-identical fields shared by the two sets go to the same split in both (TXL-PBC's own split
 * decides); the other BCCD fields are split by a seeded, type-stratified split. Split membership is
 * kept in split files so that a rebuild gives the same splits.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { CELL_TYPE_CODES } from '../../contracts/vocabulary.ts';
import { NUM_TYPES } from '../../core/types.ts';
import { type BccdData, locateBccd, type PairingOutcome, readBccd } from './bccd.ts';
import { CELL_CATEGORIES, cellCategoryOf, TYPE_CATEGORIES, toCoco, typedCategoryOf } from './coco.ts';
import { dedupeBoxes, findLeaks, groupByHash } from './dedupe.ts';
import { DEFAULT_RATIOS, type Ratios, readSplitFile, type SplitFile, splitFileFromMap, splitMapFromFile, stratifiedSplit, writeJsonFile } from './split.ts';
import { type Field, SPLITS, type SplitName } from './types.ts';
import { readYolo } from './yolo.ts';

export const BCCD_SET = 'bccd-typed';
export const TXL_SET = 'txl-wbc';
export const DEFAULT_SEED = 1;

export interface BuildOptions {
  bccdDir: string;
  txlDir: string;
  outDir: string;
  /** Where <set>.json split files are read from and written to. */
  splitsDir: string;
  /** Seed for the random part of the BCCD split; undefined = the split file's, else DEFAULT_SEED. */
  seed?: number;
  /** Make new splits even where split files exist (and overwrite them). */
  resplit?: boolean;
  ratios?: Ratios;
  onWarning?: (message: string) => void;
}

/** A problem with the inputs or the split files that the user must fix (exit code 2, not 1). */
export class BuildInputError extends Error {}

export interface SplitCounts {
  fields: number;
  /** Boxes written (after exact-duplicate removal). */
  boxes: number;
}

export interface BccdSplitSummary extends SplitCounts {
  /** Typed leukocyte boxes per type index. */
  byType: number[];
  unknownType: number;
}

export interface TxlSplitSummary extends SplitCounts {
  wbc: number;
  rbc: number;
  platelets: number;
}

export interface BuildSummary {
  bccd: {
    seed: number;
    splitsFrom: 'file' | 'generated';
    splits: Record<SplitName, BccdSplitSummary>;
    duplicateBoxesDropped: number;
    /** Fields left out: labels.csv names a type but the field has no WBC box. */
    fieldsWithoutBox: string[];
    pairing: Record<PairingOutcome, number>;
  };
  txl: {
    splitsFrom: 'file' | 'generated';
    splits: Record<SplitName, TxlSplitSummary>;
    duplicateBoxesDropped: number;
    /** Boxes in test-as-labelled.json (duplicates kept). */
    testAsLabelledBoxes: number;
    /** TXL-PBC fields moved off their source split because a byte-identical copy sits in another. */
    movedInternalDuplicates: number;
  };
  /** BCCD fields byte-identical to a TXL-PBC field: all of them, and per split of those in bccd-typed. */
  crossSetDuplicates: { total: number; bySplit: Record<SplitName, number> };
  warnings: number;
}

async function exists(p: string): Promise<boolean> {
  return access(p).then(
    () => true,
    () => false,
  );
}

async function resolveTxlRoot(dir: string): Promise<string> {
  const abs = path.resolve(dir);
  if (await exists(path.join(abs, 'TXL_PBC', 'images'))) return path.join(abs, 'TXL_PBC');
  if (await exists(path.join(abs, 'images'))) return abs;
  throw new BuildInputError(`${dir}: no TXL_PBC/images or images folder`);
}

/** Most held-out first: a field that is in both test and train of its own source goes to test. */
const HOLD_OUT_ORDER: SplitName[] = ['test', 'val', 'train'];

function emptySplits<T>(make: () => T): Record<SplitName, T> {
  return { train: make(), val: make(), test: make() };
}

/** Checks that a split file covers exactly the set's fields. */
function checkCoverage(file: SplitFile, fields: readonly Field[], filePath: string): Map<string, SplitName> {
  const map = splitMapFromFile(file);
  const names = new Set(fields.map((f) => f.name));
  const missing = fields.filter((f) => !map.has(f.name)).map((f) => f.name);
  const extra = [...map.keys()].filter((n) => !names.has(n));
  if (missing.length || extra.length) {
    const show = (l: string[]): string => l.slice(0, 3).join(', ') + (l.length > 3 ? ', ...' : '');
    throw new BuildInputError(
      `${filePath} does not match the data (${missing.length} fields not in it${missing.length ? `: ${show(missing)}` : ''}; ` +
        `${extra.length} names not in the data${extra.length ? `: ${show(extra)}` : ''}); rerun with --resplit`,
    );
  }
  return map;
}

/** Stratum of a BCCD field: its rarest typed type (by box count over the set), else 'unknown' or 'none'. */
function stratumOf(f: Field, typeCounts: number[]): string {
  let best = -1;
  for (const b of f.boxes) {
    if (b.kind !== 'leukocyte' || b.type === null) continue;
    if (best < 0 || typeCounts[b.type] < typeCounts[best] || (typeCounts[b.type] === typeCounts[best] && b.type < best)) best = b.type;
  }
  if (best >= 0) return CELL_TYPE_CODES[best];
  return f.boxes.some((b) => b.kind === 'leukocyte') ? 'unknown' : 'none';
}

interface CleanSets {
  bccdTyped: Field[];
  txlClean: Field[];
  pairing: Record<PairingOutcome, number>;
  fieldsWithoutBox: string[];
  bccdDupBoxes: number;
  txlDupBoxes: number;
}

/** The sets' fields, exact duplicate boxes dropped (the originals are kept for test-as-labelled). */
function cleanFields(bccd: BccdData, txlFields: readonly Field[]): CleanSets {
  const pairing: Record<PairingOutcome, number> = { typed: 0, unpaired: 0, 'type-without-box': 0, 'box-without-type': 0, empty: 0 };
  const fieldsWithoutBox: string[] = [];
  const bccdTyped: Field[] = [];
  let bccdDupBoxes = 0;
  for (const f of bccd.fields) {
    const outcome = bccd.outcomes.get(f.name) ?? 'empty';
    pairing[outcome]++;
    // An unboxed leukocyte would teach a detector that a cell is background.
    if (outcome === 'type-without-box') {
      fieldsWithoutBox.push(f.name);
      continue;
    }
    const leukocytes = f.boxes.filter((b) => b.kind === 'leukocyte');
    const d = dedupeBoxes(leukocytes);
    bccdDupBoxes += d.dropped;
    bccdTyped.push({ ...f, boxes: d.boxes });
  }
  let txlDupBoxes = 0;
  const txlClean = txlFields.map((f) => {
    const d = dedupeBoxes(f.boxes);
    txlDupBoxes += d.dropped;
    return { ...f, boxes: d.boxes };
  });
  return { bccdTyped, txlClean, pairing, fieldsWithoutBox, bccdDupBoxes, txlDupBoxes };
}

/** TXL-PBC split: its own folders, byte-identical copies moved to the most held-out of them. */
function txlSplitFromFolders(txlClean: readonly Field[]): { split: Map<string, SplitName>; moved: number } {
  const split = new Map<string, SplitName>();
  let moved = 0;
  for (const group of groupByHash(txlClean).values()) {
    const own = group.map((f) => f.sourceSplit ?? 'train');
    const target = HOLD_OUT_ORDER.find((s) => own.includes(s))!;
    for (const f of group) {
      if ((f.sourceSplit ?? 'train') !== target) moved++;
      split.set(f.name, target);
    }
  }
  return { split, moved };
}

/** BCCD split without a file: fields shared with TXL-PBC follow it; the rest by the seeded stratified split. */
function bccdStratifiedSplit(bccdTyped: readonly Field[], txlSplitByHash: ReadonlyMap<string, SplitName>, seed: number, ratios: Ratios): Map<string, SplitName> {
  const typeCounts = new Array<number>(NUM_TYPES).fill(0);
  for (const f of bccdTyped) for (const b of f.boxes) if (b.type !== null) typeCounts[b.type]++;
  // Byte-identical BCCD fields travel together: one split item per image content.
  const groups = [...groupByHash(bccdTyped).values()];
  const items = groups.map((g) => ({ key: g[0].name, stratum: stratumOf(g[0], typeCounts), forced: txlSplitByHash.get(g[0].sha256) }));
  const byKey = stratifiedSplit(items, seed, ratios);
  const split = new Map<string, SplitName>();
  for (const g of groups) for (const f of g) split.set(f.name, byKey.get(g[0].name)!);
  return split;
}

/** The fields of each split, sorted by name. */
function fieldsBySplit(fields: readonly Field[], split: ReadonlyMap<string, SplitName>): Record<SplitName, Field[]> {
  const bySplit = emptySplits<Field[]>(() => []);
  const byName = (a: Field, b: Field): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  for (const f of [...fields].sort(byName)) bySplit[split.get(f.name)!].push(f);
  return bySplit;
}

/** Refuses to go on if an image sits in two splits of either set. */
function checkNoLeaks(bccdBySplit: Record<SplitName, Field[]>, txlBySplit: Record<SplitName, Field[]>, fromFiles: boolean): void {
  const leaks = findLeaks([
    { set: BCCD_SET, splits: bccdBySplit },
    { set: TXL_SET, splits: txlBySplit },
  ]);
  if (leaks.length) {
    const l = leaks[0];
    throw new BuildInputError(
      `${leaks.length} images sit in more than one split (e.g. ${l.places.join(' and ')}); ` + (fromFiles ? 'the split files disagree with the data: rerun with --resplit' : 'this is a bug'),
    );
  }
}

function bccdSplitSummary(fields: readonly Field[]): BccdSplitSummary {
  const bs: BccdSplitSummary = { fields: fields.length, boxes: 0, byType: new Array<number>(NUM_TYPES).fill(0), unknownType: 0 };
  for (const f of fields) {
    for (const b of f.boxes) {
      bs.boxes++;
      if (b.type === null) bs.unknownType++;
      else bs.byType[b.type]++;
    }
  }
  return bs;
}

function txlSplitSummary(fields: readonly Field[]): TxlSplitSummary {
  const ts: TxlSplitSummary = { fields: fields.length, boxes: 0, wbc: 0, rbc: 0, platelets: 0 };
  for (const f of fields) {
    for (const b of f.boxes) {
      ts.boxes++;
      if (b.kind === 'leukocyte') ts.wbc++;
      else if (b.kind === 'rbc') ts.rbc++;
      else ts.platelets++;
    }
  }
  return ts;
}

const LICENSES = [{ id: 1, name: 'MIT' }];

/** The info block of a set's COCO files (the split is added per file). */
type SetInfo = Record<string, unknown> & { image_root: string };

function bccdInfo(imageRoot: string, seed: number): SetInfo {
  return {
    description: 'BCCD fields with typed leukocyte boxes; category_id 0 with type_unknown: a leukocyte whose type could not be assigned',
    set: BCCD_SET,
    image_root: imageRoot,
    seed,
    sources: 'BCCD_Dataset by Shenggan (MIT); leukocyte types from the blood-cells labels.csv (MIT)',
    version: 1,
  };
}

function txlInfo(imageRoot: string): SetInfo {
  return {
    description: 'TXL-PBC fields: class-agnostic leukocytes (WBC) plus RBC and platelets',
    set: TXL_SET,
    image_root: imageRoot,
    sources: 'TXL-PBC by Lu Gan and Xi Li (MIT), arXiv:2407.13214',
    version: 1,
  };
}

interface WrittenSets {
  bccd: Record<SplitName, BccdSplitSummary>;
  txl: Record<SplitName, TxlSplitSummary>;
  /** Per split of bccd-typed: fields byte-identical to a TXL-PBC field. */
  cross: Record<SplitName, number>;
  testAsLabelledBoxes: number;
}

/** Writes each split of both sets as COCO JSON, plus TXL-PBC's test split as labelled; returns the counts. */
async function writeSets(
  outDir: string,
  sets: {
    bccdBySplit: Record<SplitName, Field[]>;
    txlBySplit: Record<SplitName, Field[]>;
    txlFields: readonly Field[];
    txlSplitByHash: ReadonlyMap<string, SplitName>;
    bccdInfo: SetInfo;
    txlInfo: SetInfo;
  },
): Promise<WrittenSets> {
  const { bccdBySplit, txlBySplit, txlSplitByHash } = sets;
  const bccd = emptySplits<BccdSplitSummary>(() => bccdSplitSummary([]));
  const txl = emptySplits<TxlSplitSummary>(() => txlSplitSummary([]));
  const cross = emptySplits<number>(() => 0);
  for (const split of SPLITS) {
    const bf = bccdBySplit[split];
    await writeJsonFile(
      path.join(outDir, BCCD_SET, `${split}.json`),
      toCoco(bf, { info: { ...sets.bccdInfo, split }, licenses: LICENSES, categories: TYPE_CATEGORIES, categoryOf: typedCategoryOf }),
      false,
    );
    bccd[split] = bccdSplitSummary(bf);
    cross[split] = bf.filter((f) => txlSplitByHash.has(f.sha256)).length;
    const tf = txlBySplit[split];
    await writeJsonFile(
      path.join(outDir, TXL_SET, `${split}.json`),
      toCoco(tf, { info: { ...sets.txlInfo, split }, licenses: LICENSES, categories: CELL_CATEGORIES, categoryOf: cellCategoryOf }),
      false,
    );
    txl[split] = txlSplitSummary(tf);
  }
  const original = new Map(sets.txlFields.map((f) => [f.name, f]));
  const testAsLabelled = txlBySplit.test.map((f) => original.get(f.name)!);
  await writeJsonFile(
    path.join(outDir, TXL_SET, 'test-as-labelled.json'),
    toCoco(testAsLabelled, {
      info: { ...sets.txlInfo, split: 'test', note: 'the test split with its boxes exactly as labelled: exact duplicate boxes kept' },
      licenses: LICENSES,
      categories: CELL_CATEGORIES,
      categoryOf: cellCategoryOf,
    }),
    false,
  );
  return { bccd, txl, cross, testAsLabelledBoxes: testAsLabelled.reduce((s, f) => s + f.boxes.length, 0) };
}

/** Reads both sources; a missing or malformed folder is a BuildInputError. */
async function readSources(opts: BuildOptions, warn: (m: string) => void): Promise<{ bccd: BccdData; txlFields: Field[]; txlImagesRoot: string }> {
  const txlRoot = await resolveTxlRoot(opts.txlDir);
  if (!(await exists(opts.bccdDir))) throw new BuildInputError(`${opts.bccdDir}: no such folder`);
  await locateBccd(opts.bccdDir).catch((e: Error) => {
    throw new BuildInputError(e.message);
  });
  const [bccd, txlFields] = await Promise.all([readBccd(opts.bccdDir, warn), readYolo(txlRoot, { onWarning: warn })]);
  return { bccd, txlFields, txlImagesRoot: path.join(txlRoot, 'images') };
}

export async function buildDatasets(opts: BuildOptions): Promise<BuildSummary> {
  let warnings = 0;
  const warn = (m: string): void => {
    warnings++;
    opts.onWarning?.(m);
  };
  const ratios = opts.ratios ?? DEFAULT_RATIOS;
  const { bccd, txlFields, txlImagesRoot } = await readSources(opts, warn);
  const clean = cleanFields(bccd, txlFields);
  const { bccdTyped, txlClean } = clean;

  // --- TXL-PBC split: its own folders, unless a split file says otherwise
  const txlSplitPath = path.join(opts.splitsDir, `${TXL_SET}.json`);
  const bccdSplitPath = path.join(opts.splitsDir, `${BCCD_SET}.json`);
  const txlFile = opts.resplit ? undefined : await readSplitFile(txlSplitPath);
  const { split: txlSplit, moved } = txlFile ? { split: checkCoverage(txlFile, txlClean, txlSplitPath), moved: 0 } : txlSplitFromFolders(txlClean);
  const txlSplitByHash = new Map<string, SplitName>();
  for (const f of txlClean) txlSplitByHash.set(f.sha256, txlSplit.get(f.name)!);

  // --- BCCD split: from its file, else shared fields follow TXL-PBC and the rest are split by seed
  const bccdFile = opts.resplit ? undefined : await readSplitFile(bccdSplitPath);
  if (bccdFile && opts.seed !== undefined && bccdFile.seed !== opts.seed) {
    throw new BuildInputError(`${bccdSplitPath} was made with seed ${bccdFile.seed}, not ${opts.seed}; add --resplit to make new splits`);
  }
  const seed = bccdFile?.seed ?? opts.seed ?? DEFAULT_SEED;
  const bccdSplit = bccdFile ? checkCoverage(bccdFile, bccdTyped, bccdSplitPath) : bccdStratifiedSplit(bccdTyped, txlSplitByHash, seed, ratios);

  // --- the split files agree with each other, and no image is in two splits of either set
  const bccdBySplit = fieldsBySplit(bccdTyped, bccdSplit);
  const txlBySplit = fieldsBySplit(txlClean, txlSplit);
  checkNoLeaks(bccdBySplit, txlBySplit, Boolean(bccdFile || txlFile));

  // --- write
  const written = await writeSets(opts.outDir, {
    bccdBySplit,
    txlBySplit,
    txlFields,
    txlSplitByHash,
    bccdInfo: bccdInfo(bccd.imagesDir, seed),
    txlInfo: txlInfo(txlImagesRoot),
  });
  if (!txlFile) {
    await writeJsonFile(txlSplitPath, splitFileFromMap(TXL_SET, null, "TXL-PBC's own train/val/test folders; names are relative to TXL_PBC/images", txlSplit));
  }
  if (!bccdFile) {
    const method =
      `fields byte-identical to a TXL-PBC field take its split; the others: seeded type-stratified split ` +
      `(stratum = rarest type in the field), ratios ${ratios.train}/${ratios.val}/${ratios.test}; names are relative to BCCD/JPEGImages`;
    await writeJsonFile(bccdSplitPath, splitFileFromMap(BCCD_SET, seed, method, bccdSplit));
  }

  const summary: BuildSummary = {
    bccd: {
      seed,
      splitsFrom: bccdFile ? 'file' : 'generated',
      splits: written.bccd,
      duplicateBoxesDropped: clean.bccdDupBoxes,
      fieldsWithoutBox: clean.fieldsWithoutBox,
      pairing: clean.pairing,
    },
    txl: {
      splitsFrom: txlFile ? 'file' : 'generated',
      splits: written.txl,
      duplicateBoxesDropped: clean.txlDupBoxes,
      testAsLabelledBoxes: written.testAsLabelledBoxes,
      movedInternalDuplicates: moved,
    },
    crossSetDuplicates: { total: bccd.fields.filter((f) => txlSplitByHash.has(f.sha256)).length, bySplit: written.cross },
    warnings,
  };
  await writeJsonFile(path.join(opts.outDir, 'summary.json'), summary);
  return summary;
}

/** The summary as a few plain-text tables. */
export function formatSummary(s: BuildSummary, splitsDir: string): string {
  const pad = (v: string | number, w: number): string => String(v).padStart(w);
  const lines: string[] = [];
  lines.push(`${BCCD_SET} (seed ${s.bccd.seed}; splits ${s.bccd.splitsFrom === 'file' ? 'from' : 'written to'} ${path.join(splitsDir, `${BCCD_SET}.json`)})`);
  lines.push(`  split  fields  boxes ${CELL_TYPE_CODES.map((c) => pad(c, 5)).join('')} unknown`);
  const tot = { fields: 0, boxes: 0, byType: new Array<number>(NUM_TYPES).fill(0), unknownType: 0 };
  for (const split of SPLITS) {
    const r = s.bccd.splits[split];
    lines.push(`  ${split.padEnd(5)} ${pad(r.fields, 7)} ${pad(r.boxes, 6)} ${r.byType.map((v) => pad(v, 5)).join('')} ${pad(r.unknownType, 7)}`);
    tot.fields += r.fields;
    tot.boxes += r.boxes;
    tot.unknownType += r.unknownType;
    r.byType.forEach((v, t) => (tot.byType[t] += v));
  }
  lines.push(`  total ${pad(tot.fields, 7)} ${pad(tot.boxes, 6)} ${tot.byType.map((v) => pad(v, 5)).join('')} ${pad(tot.unknownType, 7)}`);
  const p = s.bccd.pairing;
  lines.push(
    `  labels.csv pairing: ${p.typed} typed, ${p.unpaired} boxes and types that do not pair (type unknown), ` +
      `${p['box-without-type']} boxes without a type, ${p['type-without-box']} types without a box (fields left out), ${p.empty} empty`,
  );
  lines.push(`${TXL_SET} (splits ${s.txl.splitsFrom === 'file' ? 'from' : 'written to'} ${path.join(splitsDir, `${TXL_SET}.json`)})`);
  lines.push('  split  fields  boxes    WBC    RBC  Platelets');
  for (const split of SPLITS) {
    const r = s.txl.splits[split];
    lines.push(`  ${split.padEnd(5)} ${pad(r.fields, 7)} ${pad(r.boxes, 6)} ${pad(r.wbc, 6)} ${pad(r.rbc, 6)} ${pad(r.platelets, 10)}`);
  }
  lines.push(`  test-as-labelled.json: ${s.txl.testAsLabelledBoxes} boxes (exact duplicates kept)`);
  if (s.txl.movedInternalDuplicates) lines.push(`  ${s.txl.movedInternalDuplicates} fields moved to a more held-out split: byte-identical copies within TXL-PBC`);
  const c = s.crossSetDuplicates;
  lines.push(
    `exact duplicate images across the sets: ${c.total} BCCD fields are byte-identical to TXL-PBC fields (in ${BCCD_SET}: train ${c.bySplit.train}, val ${c.bySplit.val}, test ${c.bySplit.test}), each in the same split in both`,
  );
  lines.push(`exact duplicate boxes dropped: ${s.bccd.duplicateBoxesDropped} in ${BCCD_SET}, ${s.txl.duplicateBoxesDropped} in ${TXL_SET}`);
  if (s.warnings) lines.push(`${s.warnings} warnings (see above)`);
  return lines.join('\n');
}
