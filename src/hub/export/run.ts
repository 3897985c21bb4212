/**
 * `npm run hub -- export-training`: the person-verified cells of the signed samples of the clinics
 * that opted in, as a COCO data set with classifier crops (docs/sync.md, "Training export").
 *
 *   DIR/annotations.json            COCO: images (fields), annotations (verified cells), categories
 *   DIR/images/<sha256>.png         the field photos (named by the hub's sha256 of the photo as sent), their metadata left out
 *   DIR/crops/<class>/<id>.png      each cell as the classifier sees it (crops.ts), by annotation id
 *   DIR/manifest.json               filters, clinics exported and skipped, counts, annotations.json's sha256
 *   DIR/.export/                    the export's own state: its filters, which crops are done
 *
 * Deterministic: clinics by id, their samples by id, fields by number, cells by id; ids are counted
 * in that order, so the same database gives the same files (manifest.json's `created` aside).
 * Samples are read a page at a time, the lists go to files as they grow, and one photo is in memory
 * at a time. Resumable: rerun with the same filters and the photos and crops already written (checked
 * by sha256) are kept; annotations.json and manifest.json are written last, each atomically, and
 * files of an earlier run that this one does not name (a clinic that withdrew consent) are removed.
 */
import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Report, ReportField } from '../../contracts/api/report.ts';
import { CELL_CLASSES, type CellClass } from '../../contracts/vocabulary.ts';
import { InputError } from '../../core/errors.ts';
import { REFERENCE_RBC_UM } from '../../core/analysis/scale.ts';
import { CELL_CLASS_NAMES, UNMEASURED_FIELD_RBC } from '../../core/analysis/typing.ts';
import { PROJECT_ROOT } from '../../project-root.ts';
import type { HubDb } from '../db/connect.ts';
import { imageBytes } from '../repo/images.ts';
import { outcomesOfReviews } from '../repo/review-outcomes.ts';
import { reviewsOfSample, type Review } from '../repo/reviews.ts';
import { listTrainingConsent } from '../repo/training-consent.ts';
import { CATEGORIES, categoryId, cocoBbox, cropFileName, hasCrop, imageFileName, modelSetKey, sampleKey, type CocoAnnotation, type CocoImage, type ModelRef } from './coco.ts';
import { cropSpecOf, fieldFiles, rbcPxOf, type CropSpec } from './crops.ts';
import { concatAtomic, fileSha256, LineWriter, sha256Of, writeAtomic } from './files.ts';
import { samplesOfClinic } from './source.ts';
import { isSignedRevision, verifiedFields, type VerifiedCell } from './verified.ts';

export const EXPORT_FORMAT = 1;
const STATE_DIR = '.export';
const SCALE_SOURCES = new Set(['measured', 'calibrated', 'given', 'unmeasured']);
const PROPOSED_TYPES = new Set<string>([...CELL_CLASSES, ...CELL_CLASS_NAMES]);

/** A refusal the user can act on (the CLI prints it and exits 2). */
export class ExportError extends Error {}

export interface ExportFilters {
  /** ISO time: samples signed at or after it (received, for one without a signing time); null: all. */
  since: string | null;
  clinic: string | null;
}

export interface ExportOptions extends ExportFilters {
  out: string;
  /** manifest.json's `created`. */
  now: Date;
  /** A models folder whose manifest names the cell classifier (its crop size). */
  modelsDir: string;
  pageSize?: number;
  /** Called after each field is written; the tests interrupt an export here. */
  onField?: (fieldsWritten: number) => void | Promise<void>;
}

export interface ClinicTally {
  id: string;
  samples: number;
  images: number;
  cells: number;
}

export interface ExportManifest {
  kind: 'leukodiff.training-export';
  format: number;
  hub: { engine: string; software: { name: string; version: string } };
  created: string;
  filters: ExportFilters;
  verification: string;
  crops: CropSpec & { referenceRbcUm: number; unmeasuredFieldRbc: number };
  clinics: ClinicTally[];
  skippedClinics: { id: string; reason: 'no_training_consent' }[];
  counts: {
    samples: number;
    images: number;
    annotations: number;
    crops: number;
    perClass: Record<string, number>;
    /** Cells of exported samples that no person verified: left out. */
    unverifiedCells: number;
    /** Samples whose newest revision at the hub is not a signed one: left out. */
    unsignedSamples: number;
    /** Fields whose photo is missing or cannot be decoded: left out with their cells. */
    unreadableFields: number;
  };
  annotations: { file: 'annotations.json'; sha256: string; bytes: number };
}

const VERIFICATION =
  "signed samples only; a cell counts when a hub review of the signed revision changed it or it carries changedByReviewer ('hub_review'), else when a person at the box looked at it before sign-off, corrected it or added it ('box'); every other cell is left out";

function software(): { name: string; version: string } {
  const pkg = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { name?: string; version?: string };
  return { name: pkg.name ?? 'leukodiff', version: pkg.version ?? '0' };
}

export async function exportTraining(hub: HubDb, opts: ExportOptions): Promise<ExportManifest> {
  const consent = await listTrainingConsent(hub.db);
  let scope = consent;
  if (opts.clinic !== null) {
    scope = consent.filter((c) => c.id === opts.clinic);
    if (!scope.length) throw new ExportError(`no clinic ${opts.clinic} at this hub (list-devices shows each device's clinic)`);
    if (!scope[0].optIn) throw new ExportError(`clinic ${opts.clinic} has not opted in to training exports: once it agrees, run npm run hub -- training-consent --clinic ${opts.clinic} --on`);
  }
  const filters: ExportFilters = { since: opts.since, clinic: opts.clinic };
  const spec = await cropSpecOf(opts.modelsDir);
  await prepareFolder(opts.out, filters);
  const run = new ExportRun(hub, opts, spec);
  const clinics: ClinicTally[] = [];
  for (const c of scope) if (c.optIn) clinics.push(await run.clinic(c.id));
  const annotations = await run.finish();
  const manifest: ExportManifest = {
    kind: 'leukodiff.training-export',
    format: EXPORT_FORMAT,
    hub: { engine: hub.dialect, software: software() },
    created: opts.now.toISOString(),
    filters,
    verification: VERIFICATION,
    crops: { ...spec, referenceRbcUm: REFERENCE_RBC_UM, unmeasuredFieldRbc: UNMEASURED_FIELD_RBC },
    clinics,
    skippedClinics: scope.filter((c) => !c.optIn).map((c) => ({ id: c.id, reason: 'no_training_consent' as const })),
    counts: run.counts(),
    annotations: { file: 'annotations.json', ...annotations },
  };
  await writeAtomic(path.join(opts.out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** Creates DIR or takes up the export of the same filters in it; refuses a folder holding anything else. */
async function prepareFolder(out: string, filters: ExportFilters): Promise<void> {
  const stateFile = path.join(out, STATE_DIR, 'state.json');
  const want = `${JSON.stringify({ format: EXPORT_FORMAT, filters })}\n`;
  try {
    await mkdir(out, { recursive: true });
    const have = await readFile(stateFile, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null;
      throw err;
    });
    if (have === null) {
      if ((await readdir(out)).length) throw new ExportError(`${out} is not empty and holds no training export: give a new or empty folder`);
      await writeAtomic(stateFile, want);
    } else if (have !== want) {
      throw new ExportError(`${out} holds an export of other filters (${have.trim()}): resume it with the same --since and --clinic, or give another folder`);
    }
  } catch (err) {
    if (err instanceof ExportError) throw err;
    throw new ExportError(`cannot write the export to ${out}: ${(err as Error).message}`);
  }
}

function modelsOf(payload: Report): ModelRef[] {
  const models = payload.analysis?.models;
  if (!Array.isArray(models)) return [];
  return models
    .filter((m) => typeof m?.id === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(m.id) && typeof m.sha256 === 'string' && /^[0-9a-f]{64}$/.test(m.sha256))
    .map((m) => ({ id: m.id, sha256: m.sha256 }));
}

const finite = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

class ExportRun {
  private imageId = 0;
  private annotationId = 0;
  private fieldsWritten = 0;
  /** Category id of each annotation (index = id - 1): which crop files this run names. */
  private readonly annotationCategory: number[] = [];
  private readonly imageFiles = new Set<string>();
  private readonly modelSets = new Map<string, ModelRef[]>();
  private readonly perClass: Record<string, number> = Object.fromEntries(CELL_CLASSES.map((c) => [c, 0]));
  private samples = 0;
  private crops = 0;
  private unverified = 0;
  private unsigned = 0;
  private unreadable = 0;
  private images!: LineWriter;
  private annotations!: LineWriter;
  private readonly stateDir: string;

  constructor(
    private readonly hub: HubDb,
    private readonly opts: ExportOptions,
    private readonly spec: CropSpec,
  ) {
    this.stateDir = path.join(opts.out, STATE_DIR);
  }

  async clinic(clinicId: string): Promise<ClinicTally> {
    this.images ??= await LineWriter.create(path.join(this.stateDir, 'images.part'), 'w');
    this.annotations ??= await LineWriter.create(path.join(this.stateDir, 'annotations.part'), 'w');
    const tally: ClinicTally = { id: clinicId, samples: 0, images: 0, cells: 0 };
    for await (const sample of samplesOfClinic(this.hub.db, clinicId, this.opts.since, this.opts.pageSize)) {
      if (!isSignedRevision(sample.payload)) {
        this.unsigned++;
        continue;
      }
      const fields = verifiedFields(sample.payload, await reviewsTakenIn(this.hub.db, sample.id));
      const models = modelsOf(sample.payload);
      const modelSet = modelSetKey(models);
      let cells = 0;
      for (const vf of fields) {
        this.unverified += vf.unverified;
        if (!vf.cells.length) continue;
        const n = await this.field(sample.clinicId, sample.deviceId, sampleKey(sample.id), modelSet, vf.field, vf.cells);
        if (n === 0) continue;
        this.modelSets.set(modelSet, models);
        cells += n;
        tally.images++;
      }
      if (cells) {
        tally.samples++;
        tally.cells += cells;
        this.samples++;
      }
    }
    return tally;
  }

  /** One field: its photo, its crops, its entries; the cells written (0: its photo is unreadable). */
  private async field(clinicId: string, deviceId: string, sample: string, modelSet: string, field: ReportField, cells: VerifiedCell[]): Promise<number> {
    const sha = field.image?.sha256;
    const width = finite(field.image?.width);
    const height = finite(field.image?.height);
    if (typeof sha !== 'string' || !/^[0-9a-f]{64}$/.test(sha) || !width || !height) {
      this.unreadable++;
      return 0;
    }
    const umPerPixel = finite(field.scale?.umPerPixel);
    const rbcPx = rbcPxOf(umPerPixel, width, height);
    const file = imageFileName(sha);
    const first = this.annotationId + 1;
    const planned = cells.map((c, i) => ({ ...c, id: first + i, crop: hasCrop(c.type) ? cropFileName(c.type, first + i) : null }));
    if (!(await this.writeFiles(clinicId, sha, file, { width, height }, rbcPx, planned))) {
      this.unreadable++;
      return 0;
    }
    this.imageFiles.add(file);
    const imageId = ++this.imageId;
    const image: CocoImage = {
      id: imageId,
      file_name: file,
      width,
      height,
      sha256: sha,
      clinic_id: clinicId,
      device_id: deviceId,
      sample_key: sample,
      field_seq: finite(field.seq) ?? 0,
      um_per_pixel: umPerPixel,
      scale_source: SCALE_SOURCES.has(String(field.scale?.source)) ? String(field.scale?.source) : 'unmeasured',
      crop_rbc_px: Math.round(rbcPx * 1000) / 1000,
    };
    await this.images.raw(`${imageId > 1 ? ',' : ''}\n${JSON.stringify(image)}`);
    for (const c of planned) {
      const annotation: CocoAnnotation = {
        id: c.id,
        image_id: imageId,
        category_id: categoryId(c.type),
        bbox: cocoBbox(c.cell.box),
        area: (c.cell.box[2] - c.cell.box[0]) * (c.cell.box[3] - c.cell.box[1]),
        iscrowd: 0,
        attributes: {
          verifiedBy: c.verifiedBy,
          proposedType: typeof c.cell.autoType === 'string' && PROPOSED_TYPES.has(c.cell.autoType) ? c.cell.autoType : null,
          confidence: finite(c.cell.confidence),
          modelSet,
          flagged: c.cell.flagged === true,
          crop: c.crop,
        },
      };
      await this.annotations.raw(`${c.id > 1 ? ',' : ''}\n${JSON.stringify(annotation)}`);
      this.annotationCategory.push(categoryId(c.type));
      this.perClass[c.type]++;
      if (c.crop) this.crops++;
    }
    this.annotationId += planned.length;
    this.fieldsWritten++;
    await this.opts.onField?.(this.fieldsWritten);
    return planned.length;
  }

  /**
   * The field's photo and crops, unless an earlier run wrote them: the record of the run that
   * wrote them (.export/fields/, keyed by the photo, the crop size, the cells' ids, classes and
   * boxes) names each file with its sha256. False: the photo is missing or unreadable.
   */
  private async writeFiles(
    clinicId: string,
    sha: string,
    file: string,
    declared: { width: number; height: number },
    rbcPx: number,
    cells: (VerifiedCell & { id: number; crop: string | null })[],
  ): Promise<boolean> {
    const out = this.opts.out;
    const withCrops = cells.filter((c) => c.crop !== null);
    const key = sha256Of(JSON.stringify([EXPORT_FORMAT, sha, this.spec, rbcPx, withCrops.map((c) => [c.id, c.type, c.cell.box])]));
    const record = path.join(this.stateDir, 'fields', key.slice(0, 2), `${key}.json`);
    if (await filesIntact(out, record)) return true;
    const bytes = await imageBytes(this.hub.db, clinicId, sha);
    if (!bytes) return false;
    let made: { photo: Buffer; crops: Buffer[] };
    try {
      made = await fieldFiles(
        bytes,
        declared,
        rbcPx,
        withCrops.map((c) => c.cell.box),
        this.spec,
      );
    } catch (err) {
      if (err instanceof InputError) return false;
      throw err;
    }
    const written: [string, string][] = [[file, sha256Of(made.photo)]];
    await writeAtomic(path.join(out, file), made.photo);
    for (const [i, c] of withCrops.entries()) {
      await writeAtomic(path.join(out, c.crop!), made.crops[i]);
      written.push([c.crop!, sha256Of(made.crops[i])]);
    }
    await writeAtomic(record, JSON.stringify(written));
    return true;
  }

  /** Composes annotations.json from the lists, then removes the files this run does not name. */
  async finish(): Promise<{ sha256: string; bytes: number }> {
    this.images ??= await LineWriter.create(path.join(this.stateDir, 'images.part'), 'w');
    this.annotations ??= await LineWriter.create(path.join(this.stateDir, 'annotations.part'), 'w');
    await this.images.close();
    await this.annotations.close();
    const info = { description: 'leukodiff training export: the person-verified cells of signed samples', format: EXPORT_FORMAT, verification: VERIFICATION };
    const modelSets = [...this.modelSets].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, models]) => ({ id, models }));
    const result = await concatAtomic(path.join(this.opts.out, 'annotations.json'), [
      `{"info":${JSON.stringify(info)},\n"licenses":[],\n"categories":${JSON.stringify(CATEGORIES)},\n"model_sets":${JSON.stringify(modelSets)},\n"images":[`,
      { path: path.join(this.stateDir, 'images.part') },
      '\n],\n"annotations":[',
      { path: path.join(this.stateDir, 'annotations.part') },
      '\n]}\n',
    ]);
    await rm(path.join(this.stateDir, 'images.part'), { force: true });
    await rm(path.join(this.stateDir, 'annotations.part'), { force: true });
    await this.removeUnnamed();
    return result;
  }

  /** Photos and crops of an earlier run of these filters that this run does not name. */
  private async removeUnnamed(): Promise<void> {
    const list = async (dir: string) => readdir(path.join(this.opts.out, dir)).catch(() => [] as string[]);
    for (const name of await list('images')) {
      if (!this.imageFiles.has(`images/${name}`)) await rm(path.join(this.opts.out, 'images', name), { force: true });
    }
    for (const cls of await list('crops')) {
      const category = (CELL_CLASSES as readonly string[]).includes(cls) ? categoryId(cls as CellClass) : -1;
      for (const name of await list(`crops/${cls}`)) {
        const id = /^([1-9][0-9]*)\.png$/.exec(name);
        if (!id || this.annotationCategory[Number(id[1]) - 1] !== category) await rm(path.join(this.opts.out, 'crops', cls, name), { force: true });
      }
    }
  }

  counts(): ExportManifest['counts'] {
    return {
      samples: this.samples,
      images: this.imageId,
      annotations: this.annotationId,
      crops: this.crops,
      perClass: this.perClass,
      unverifiedCells: this.unverified,
      unsignedSamples: this.unsigned,
      unreadableFields: this.unreadable,
    };
  }
}

/**
 * The sample's reviews but those its box refused: a refused review's types are not the sample's
 * (the box sends the sample back to review and signs it again), so they are not training truth.
 */
async function reviewsTakenIn(db: HubDb['db'], sampleId: string): Promise<Review[]> {
  const reviews = await reviewsOfSample(db, sampleId);
  const outcomes = await outcomesOfReviews(
    db,
    reviews.map((r) => r.id),
  );
  return reviews.filter((r) => outcomes.get(r.id)?.outcome !== 'conflict');
}

/** Whether every file a record names (the photo and the crops) is on disk with the sha256 it was written with. */
async function filesIntact(out: string, record: string): Promise<boolean> {
  let written: [string, string][];
  try {
    written = JSON.parse(await readFile(record, 'utf8')) as [string, string][];
  } catch {
    return false;
  }
  for (const [file, sha] of written) if ((await fileSha256(path.join(out, file))) !== sha) return false;
  return true;
}
