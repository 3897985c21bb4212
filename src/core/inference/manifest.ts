/** models/manifest.json: the shipped detectors and the ensemble, verified against their sha256. */
import { createHash } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CELL_TYPES, CLASSIFIER_CLASSES } from '../../contracts/vocabulary.ts';
import type { ClassifierEntry } from './classifier-contract.ts';
import type { ColourNormalisation } from './colour.ts';
import type { BoxVoting } from './decode.ts';

export interface ModelEntry {
  id: string;
  file: string;
  sha256: string;
  /** [H, W] */
  input: [number, number];
  classes: string[];
  scoreThreshold: number;
  nmsIou: number;
  nmsClassAware: boolean;
  maxDetections: number;
  boxVoting?: BoxVoting;
  sizeBytes?: number;
  gflops?: number;
  params?: number;
  architecture?: string;
  training?: Record<string, unknown>;
  metrics?: Record<string, unknown>;
}

export interface EnsembleEntry {
  members: string[];
  mode: 'paper' | 'wbf' | 'nms';
  iou: number;
}

/** The model set's own version: what every analysed field records and the report prints. */
export interface ModelSetInfo {
  /** e.g. 2026.12.1; letters, digits and . + _ - (it names the set's folder on a box). */
  version: string;
  createdAt?: string;
}

export interface Manifest {
  version: 1;
  /** Absent in manifests from before model sets were versioned: see modelSetVersion. */
  modelSet?: ModelSetInfo;
  models: ModelEntry[];
  ensemble: EnsembleEntry;
  /** Applied to every field before the detectors; absent = none. */
  colourNormalisation?: ColourNormalisation;
  /** The scales the detectors were trained on (src/core/analysis/detector-view.ts); absent = every field whole. */
  detectorScale?: DetectorScale;
  /** Types the located cells; absent = the detectors' own types. */
  cellClassifier?: ClassifierEntry;
}

/** The scales the detectors were trained on (src/core/analysis/detector-view.ts). */
export interface DetectorScale {
  /** Long side of the detectors' training fields, in red-cell diameters: [fewest, most]. */
  fieldRbcDiameters: [number, number];
  /** Most tiles per field; a field that needs more is read at a coarser scale and warned about. */
  maxTiles: number;
}

/** Tiles overlap by this many red-cell diameters: a large leukocyte (about 20 um) fits in the overlap. */
export const TILE_OVERLAP_RBC = 2.8;

export class ModelError extends Error {}

const fail = (where: string, what: string): never => {
  throw new ModelError(`models/manifest.json: ${where}: ${what}`);
};

function checkModel(m: unknown, i: number): ModelEntry {
  const where = `models[${i}]`;
  if (typeof m !== 'object' || m === null) return fail(where, 'expected an object');
  const e = m as Record<string, unknown>;
  const str = (k: string) => (typeof e[k] === 'string' && e[k] !== '' ? (e[k] as string) : fail(where, `'${k}' must be a non-empty string`));
  const num = (k: string, lo: number, hi: number) =>
    typeof e[k] === 'number' && (e[k] as number) >= lo && (e[k] as number) <= hi ? (e[k] as number) : fail(where, `'${k}' must be a number from ${lo} to ${hi}`);
  const id = str('id');
  const file = str('file');
  if (file.includes('/') || file.includes('\\') || file.startsWith('.')) fail(where, `'file' must be a plain file name in models/, got '${file}'`);
  const sha256 = str('sha256');
  if (!/^[0-9a-f]{64}$/.test(sha256)) fail(where, `'sha256' must be 64 lowercase hex digits`);
  const input = e.input;
  if (!Array.isArray(input) || input.length !== 2 || !input.every((v) => Number.isInteger(v) && v >= 32 && v <= 4096)) {
    fail(where, `'input' must be [H, W] with integers from 32 to 4096`);
  }
  const classes = e.classes;
  if (!Array.isArray(classes) || classes.join() !== CELL_TYPES.join()) fail(where, `'classes' must be exactly ${CELL_TYPES.join(', ')}`);
  let boxVoting: BoxVoting | undefined;
  if (e.boxVoting !== undefined) {
    const v = e.boxVoting as Record<string, unknown>;
    const ok = typeof v === 'object' && v !== null && typeof v.iou === 'number' && v.iou > 0 && v.iou <= 1 && typeof v.power === 'number' && v.power >= 0 && v.power <= 16;
    if (!ok) fail(where, `'boxVoting' must be {"iou": a number above 0 up to 1, "power": a number from 0 to 16}, or absent`);
    boxVoting = { iou: v.iou as number, power: v.power as number };
  }
  return {
    ...(e as object),
    id,
    file,
    sha256,
    input: input as [number, number],
    classes: classes as string[],
    scoreThreshold: num('scoreThreshold', 0, 1),
    nmsIou: num('nmsIou', 0, 1),
    nmsClassAware: e.nmsClassAware === true,
    maxDetections: typeof e.maxDetections === 'number' ? num('maxDetections', 1, 10000) : 100,
    ...(boxVoting ? { boxVoting } : {}),
  } as ModelEntry;
}

export function parseManifest(json: unknown): Manifest {
  if (typeof json !== 'object' || json === null) return fail('top level', 'expected an object');
  const j = json as Record<string, unknown>;
  if (j.version !== 1) fail('version', `expected 1, got ${JSON.stringify(j.version)}`);
  if (!Array.isArray(j.models) || j.models.length === 0) fail('models', 'expected a non-empty list');
  const models = (j.models as unknown[]).map(checkModel);
  const ids = new Set<string>();
  for (const m of models) {
    if (ids.has(m.id)) fail('models', `duplicate id '${m.id}'`);
    ids.add(m.id);
  }
  const ens = j.ensemble as Record<string, unknown> | undefined;
  if (typeof ens !== 'object' || ens === null) return fail('ensemble', 'expected an object');
  const members = ens.members;
  if (!Array.isArray(members) || members.length === 0 || !members.every((id) => typeof id === 'string' && ids.has(id))) {
    fail('ensemble.members', `expected a non-empty list of model ids among ${[...ids].join(', ')}`);
  }
  if (!['paper', 'wbf', 'nms'].includes(ens.mode as string)) fail('ensemble.mode', `expected paper, wbf or nms`);
  if (typeof ens.iou !== 'number' || ens.iou <= 0 || ens.iou >= 1) fail('ensemble.iou', 'expected a number between 0 and 1');
  const colourNormalisation = j.colourNormalisation === undefined ? undefined : checkColour(j.colourNormalisation);
  const detectorScale = j.detectorScale === undefined ? undefined : checkDetectorScale(j.detectorScale);
  const cellClassifier = j.cellClassifier === undefined ? undefined : checkClassifier(j.cellClassifier);
  const modelSet = j.modelSet === undefined ? undefined : checkModelSet(j.modelSet);
  return {
    version: 1,
    ...(modelSet ? { modelSet } : {}),
    models,
    ensemble: { members: members as string[], mode: ens.mode as EnsembleEntry['mode'], iou: ens.iou as number },
    ...(colourNormalisation ? { colourNormalisation } : {}),
    ...(detectorScale ? { detectorScale } : {}),
    ...(cellClassifier ? { cellClassifier } : {}),
  };
}

export const MODEL_SET_VERSION = /^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$/;

function checkModelSet(v: unknown): ModelSetInfo {
  const e = v as { version?: unknown; createdAt?: unknown } | null;
  if (typeof e !== 'object' || e === null || typeof e.version !== 'string' || !MODEL_SET_VERSION.test(e.version)) {
    return fail('modelSet', `expected {"version": letters, digits and . + _ - (at most 64, e.g. "2026.12.1"), "createdAt": an ISO date or absent}, or absent`);
  }
  if (e.createdAt !== undefined && (typeof e.createdAt !== 'string' || Number.isNaN(Date.parse(e.createdAt)))) fail('modelSet.createdAt', 'expected an ISO date, or absent');
  return { version: e.version, ...(typeof e.createdAt === 'string' ? { createdAt: e.createdAt } : {}) };
}

/**
 * The version a field's result records: the manifest's modelSet.version, or for an unversioned
 * manifest `unversioned-` and a digest of its model files, so that two different sets never share one.
 */
export function modelSetVersion(manifest: Pick<Manifest, 'modelSet' | 'models' | 'cellClassifier'>): string {
  if (manifest.modelSet) return manifest.modelSet.version;
  const files = [...manifest.models.map((m) => `${m.id}:${m.sha256}`), `cellClassifier:${manifest.cellClassifier?.sha256 ?? ''}`];
  return `unversioned-${createHash('sha256').update(files.join('\n')).digest('hex').slice(0, 12)}`;
}

function checkDetectorScale(v: unknown): DetectorScale {
  const d = v as { fieldRbcDiameters?: unknown; maxTiles?: unknown } | null;
  const band = d?.fieldRbcDiameters;
  const ok =
    typeof d === 'object' &&
    d !== null &&
    Array.isArray(band) &&
    band.length === 2 &&
    band.every((x) => typeof x === 'number' && x >= 1 && x <= 100) &&
    band[0] <= band[1] &&
    (band[0] + band[1]) / 2 >= TILE_OVERLAP_RBC + 1 &&
    Number.isInteger(d.maxTiles) &&
    (d.maxTiles as number) >= 1 &&
    (d.maxTiles as number) <= 256;
  if (!ok) {
    fail('detectorScale', `expected {"fieldRbcDiameters": [fewest, most] from 1 to 100, their mean at least ${TILE_OVERLAP_RBC + 1}, "maxTiles": an integer from 1 to 256}, or absent`);
  }
  const [fewest, most] = band as number[];
  return { fieldRbcDiameters: [fewest, most], maxTiles: d!.maxTiles as number };
}

function checkClassifier(v: unknown): ClassifierEntry {
  const where = 'cellClassifier';
  if (typeof v !== 'object' || v === null) return fail(where, 'expected an object, or absent');
  const e = v as Record<string, unknown>;
  if (typeof e.file !== 'string' || !/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(e.file)) fail(where, `'file' must be a plain file name in models/`);
  if (typeof e.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(e.sha256)) fail(where, `'sha256' must be 64 lowercase hex digits`);
  if (!Number.isInteger(e.inputPx) || (e.inputPx as number) < 16 || (e.inputPx as number) > 512) fail(where, `'inputPx' must be an integer from 16 to 512`);
  if (typeof e.cropRbc !== 'number' || e.cropRbc < 1 || e.cropRbc > 20) fail(where, `'cropRbc' must be a number from 1 to 20`);
  if (!Array.isArray(e.classes) || e.classes.join() !== CLASSIFIER_CLASSES.join()) fail(where, `'classes' must be exactly ${CLASSIFIER_CLASSES.join(', ')}`);
  if (typeof e.unidentifiedBelow !== 'number' || e.unidentifiedBelow < 0 || e.unidentifiedBelow >= 1) fail(where, `'unidentifiedBelow' must be a number from 0 to below 1`);
  return { ...e, classes: [...CLASSIFIER_CLASSES] } as unknown as ClassifierEntry;
}

function checkColour(v: unknown): ColourNormalisation {
  const c = v as { strength?: unknown; target?: { mean?: unknown; std?: unknown }; background?: unknown } | null;
  const triple = (t: unknown, lo: number) => Array.isArray(t) && t.length === 3 && t.every((x) => typeof x === 'number' && x >= lo && x <= 255);
  const ok =
    typeof c === 'object' &&
    c !== null &&
    typeof c.strength === 'number' &&
    c.strength >= 0 &&
    c.strength <= 1 &&
    typeof c.target === 'object' &&
    c.target !== null &&
    triple(c.target.mean, 0) &&
    triple(c.target.std, 1) &&
    (c.background === undefined || triple(c.background, 1));
  if (!ok) {
    fail('colourNormalisation', 'expected {"strength": 0..1, "target": {"mean": [R, G, B] in 0..255, "std": [R, G, B] in 1..255}, "background": [R, G, B] in 1..255 or absent}, or absent');
  }
  const t = c!.target as { mean: number[]; std: number[] };
  const background = c!.background as [number, number, number] | undefined;
  return {
    strength: c!.strength as number,
    target: { mean: [...t.mean] as [number, number, number], std: [...t.std] as [number, number, number] },
    ...(background ? { background: [...background] as [number, number, number] } : {}),
  };
}

export async function sha256File(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}

/** Reads the manifest and verifies every model file named by it (present, sha256 as stated). */
export async function loadManifest(modelsDir: string): Promise<Manifest> {
  const file = path.join(modelsDir, 'manifest.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new ModelError(`no model manifest at ${file}: reinstall the models (models/manifest.json and the .onnx files)`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ModelError(`${file} is not valid JSON (${(err as Error).message}): reinstall the models`);
  }
  const manifest = parseManifest(json);
  for (const m of manifest.models) await verifyFile(modelsDir, m.file, m.sha256, `model '${m.id}'`);
  if (manifest.cellClassifier) await verifyFile(modelsDir, manifest.cellClassifier.file, manifest.cellClassifier.sha256, 'the cell classifier');
  return manifest;
}

async function verifyFile(modelsDir: string, file: string, sha256: string, what: string): Promise<void> {
  const modelPath = path.join(modelsDir, file);
  let actual: string;
  try {
    actual = await sha256File(modelPath);
  } catch {
    throw new ModelError(`model file missing: ${modelPath} (listed in models/manifest.json as ${what}): reinstall the models`);
  }
  if (actual !== sha256) {
    throw new ModelError(
      `model file ${modelPath} does not match its sha256 in models/manifest.json (expected ${sha256.slice(0, 12)}…, got ${actual.slice(0, 12)}…): the file is damaged or was replaced; reinstall the models`,
    );
  }
}

/** models/manifest.json as plain JSON, before validation. */
export type RawManifest = { models: Record<string, unknown>[]; ensemble: Record<string, unknown> } & Record<string, unknown>;

/**
 * For the tuning scripts: applies `edit` to models/manifest.json as plain JSON (every other key kept
 * as it is) and replaces the file atomically. Returns the file's path.
 */
export async function rewriteManifest(modelsDir: string, edit: (manifest: RawManifest) => void): Promise<string> {
  const file = path.join(modelsDir, 'manifest.json');
  const manifest = JSON.parse(await readFile(file, 'utf8')) as RawManifest;
  edit(manifest);
  await writeFile(file + '.tmp', JSON.stringify(manifest, null, 2) + '\n');
  await rename(file + '.tmp', file);
  return file;
}
