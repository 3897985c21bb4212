/**
 * The training export (src/hub/export/): only signed samples, only cells a person verified, only
 * clinics that opted in; no patient id, reference, comment or name anywhere in the files;
 * deterministic; resumable after an interruption; --since and --clinic filter.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/project-root.ts';
import { ExportError, exportTraining, type ExportOptions } from '../../src/hub/export/run.ts';
import { createReview, reviewsOfSample } from '../../src/hub/repo/reviews.ts';
import { setTrainingConsent } from '../../src/hub/repo/training-consent.ts';
import { sha } from './fixtures.ts';
import { bearer, ENGINES, putImage, testHub, type TestHub } from './helpers.ts';

/** Strings the reports carry that must never reach an export. */
const SECRETS = {
  patient: 'PATIENT-ZX81-7731',
  reference: 'REF-QQ-4471-SECRET',
  comment: 'Looks odd, call Dr Mbeki about this one',
  reviewComment: 'Reviewer note: eosinophil, not a neutrophil',
  nurse: 'Nurse Winifred Pemberton',
  supervisor: 'Dr Harriet Okonkwo',
  reviewer: 'Dr Ada',
  shortReason: 'Too few cells, patient is neutropenic',
};

/**
 * A decodable field photo: a light background with dark discs, different for each seed; a JPEG
 * whose EXIF names the patient and the nurse, as a camera set up by hand might.
 */
async function photo(seed: number, width = 320, height = 240): Promise<{ bytes: Buffer; sha256: string }> {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const disc = ((x - 60 - seed * 7) % 90) ** 2 + ((y - 60) % 80) ** 2 < 400;
      raw[i] = disc ? 120 : 235 - (seed % 5);
      raw[i + 1] = disc ? 60 : 220;
      raw[i + 2] = disc ? 150 : 225 + ((x + seed) % 7);
    }
  }
  const bytes = await sharp(raw, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 92 })
    .withExif({ IFD0: { ImageDescription: `patient ${SECRETS.patient}`, Artist: SECRETS.nurse } })
    .toBuffer();
  expect(bytes.includes(Buffer.from(SECRETS.patient))).toBe(true);
  return { bytes, sha256: sha(bytes) };
}

interface CellSpec {
  type: string;
  autoType?: string | null;
  reviewed?: boolean;
  source?: 'automatic' | 'corrected' | 'added';
  changedByReviewer?: string | null;
  box: [number, number, number, number];
}

function cell(fieldId: string, c: CellSpec) {
  const source = c.source ?? 'automatic';
  const autoType = c.autoType === undefined ? (source === 'added' ? null : c.type) : c.autoType;
  return {
    id: randomUUID(),
    fieldId,
    box: c.box,
    type: c.type,
    autoType,
    confidence: autoType === null ? null : 0.87,
    agreement: autoType === null ? null : 1,
    votes: null,
    flagged: false,
    reviewed: c.reviewed ?? false,
    source,
    changedBy: source === 'automatic' ? null : SECRETS.nurse,
    changedAt: source === 'automatic' ? null : '2026-03-01T08:00:00.000Z',
    changedByReviewer: c.changedByReviewer ?? null,
    reviewedBy: c.reviewed ? SECRETS.nurse : null,
    reviewedAt: c.reviewed ? '2026-03-01T08:30:00.000Z' : null,
  };
}

function signedReport(opts: { sampleId: string; revision: number; signedAt: string | null; fields: { sha256: string; umPerPixel: number | null; cells: CellSpec[] }[] }) {
  const person = (name: string) => ({ id: randomUUID(), name });
  const fields = opts.fields.map((f, i) => {
    const id = randomUUID();
    return {
      id,
      seq: i + 1,
      status: 'analysed',
      error: null,
      capturedAt: '2026-03-01T07:00:00.000Z',
      analysedAt: '2026-03-01T07:01:00.000Z',
      image: { sha256: f.sha256, width: 320, height: 240, format: 'png', bytes: 1 },
      warnings: [{ code: 'note', message: SECRETS.comment }],
      scale: { umPerPixel: f.umPerPixel, source: f.umPerPixel === null ? 'unmeasured' : 'measured', rbcCount: 12 },
      cells: f.cells.map((c) => cell(id, c)),
    };
  });
  const signed = opts.signedAt !== null;
  return {
    kind: 'leukodiff.report',
    schemaVersion: 1,
    generatedAt: '2026-03-01T09:00:00.000Z',
    software: { name: 'leukodiff', version: '0.1.0' },
    sample: {
      id: opts.sampleId,
      reference: SECRETS.reference,
      patientId: SECRETS.patient,
      collectedAt: null,
      createdAt: '2026-03-01T06:00:00.000Z',
      status: signed ? 'signed' : 'review',
      revision: opts.revision,
      signedRevision: signed ? opts.revision : null,
      amended: false,
      wbcCount: null,
    },
    differential: { counted: 1, rows: [{ type: 'neutrophil', count: 1, percent: 100 }], flags: [SECRETS.comment] },
    fields,
    people: {
      createdBy: person(SECRETS.nurse),
      photographedBy: [person(SECRETS.nurse)],
      correctedBy: [person(SECRETS.nurse)],
      reviewedAtHub: [],
      signedBy: signed ? { ...person(SECRETS.supervisor), at: opts.signedAt, revision: opts.revision, shortReason: SECRETS.shortReason } : null,
    },
    amendments: [{ at: '2026-03-01T08:45:00.000Z', revision: 2, action: 'cell.reclassified', by: person(SECRETS.nurse), reason: SECRETS.comment }],
    analysis: { models: [{ id: 'yolo-a', sha256: 'a'.repeat(64) }], fusion: ['paper'], backend: ['onnxruntime'], scales: { umPerPixel: 0.1, measured: 1, calibrated: 0, given: 0, unmeasured: 0 } },
    disclaimer: 'Research use only.',
  };
}

type Report = ReturnType<typeof signedReport>;

async function sync(hub: TestHub, token: string, report: Report, images: { bytes: Buffer; sha256: string }[]): Promise<void> {
  for (const img of images) expect((await putImage(hub, img, token)).statusCode).toBeLessThan(300);
  const res = await hub.app.inject({
    method: 'PUT',
    url: `/api/v1/samples/${report.sample.id}/revisions/${report.sample.revision}`,
    headers: bearer(token),
    payload: { images: images.map((i) => i.sha256), payload: report },
  });
  expect(res.statusCode).toBe(200);
}

/** Every file under a folder (but the export's own state) -> sha256 of its bytes. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rel of readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()) {
    if (rel.startsWith('.export')) continue;
    const file = path.join(dir, rel);
    if (statSync(file).isFile()) out[rel] = sha(readFileSync(file));
  }
  return out;
}

interface Coco {
  images: { id: number; file_name: string; clinic_id: string; sample_key: string; um_per_pixel: number | null; scale_source: string; crop_rbc_px: number }[];
  annotations: {
    id: number;
    image_id: number;
    category_id: number;
    bbox: number[];
    attributes: { verifiedBy: string; proposedType: string | null; confidence: number | null; modelSet: string; crop: string | null };
  }[];
  categories: { id: number; name: string }[];
  model_sets: { id: string; models: { id: string; sha256: string }[] }[];
}

describe.each(ENGINES)('training export (%s)', (engine) => {
  let hub: TestHub;
  let tmp: string;
  const ids = { s1: randomUUID(), s2: randomUUID(), unsigned: randomUUID(), c2: randomUUID() };
  let reports: Record<keyof typeof ids, Report>;
  let photos: { bytes: Buffer; sha256: string }[];
  let n = 0;
  const outDir = () => path.join(tmp, `out-${++n}`);
  const run = (out: string, extra: Partial<ExportOptions> = {}) =>
    exportTraining(hub.db, { out, since: null, clinic: null, now: new Date('2026-05-01T00:00:00Z'), modelsDir: path.join(PROJECT_ROOT, 'models'), pageSize: 1, ...extra });
  const cellOf = (r: Report, field: number, k: number) => r.fields[field].cells[k];

  beforeAll(async () => {
    hub = await testHub(engine);
    tmp = mkdtempSync(path.join(os.tmpdir(), 'leukodiff-export-'));
    photos = await Promise.all([0, 1, 2, 3, 4].map((s) => photo(s)));
    reports = {
      s1: signedReport({
        sampleId: ids.s1,
        revision: 3,
        signedAt: '2026-03-01T09:00:00.000Z',
        fields: [
          {
            sha256: photos[0].sha256,
            umPerPixel: 0.12,
            cells: [
              { type: 'neutrophil', reviewed: true, box: [20, 20, 80, 80] },
              { type: 'neutrophil', reviewed: false, box: [100, 20, 140, 60] },
              { type: 'lymphocyte', autoType: 'neutrophil', source: 'corrected', reviewed: true, box: [150, 20, 200, 70] },
              { type: 'monocyte', source: 'added', reviewed: true, box: [210, 20, 270, 80] },
              { type: 'not_leukocyte', reviewed: false, box: [20, 100, 50, 130] },
              { type: 'neutrophil', reviewed: false, box: [60, 100, 110, 150] },
              { type: 'unclassified', reviewed: true, box: [120, 100, 170, 150] },
              { type: 'not_leukocyte', reviewed: true, box: [180, 100, 210, 130] },
            ],
          },
          { sha256: photos[1].sha256, umPerPixel: null, cells: [{ type: 'basophil', reviewed: true, box: [30, 30, 90, 90] }] },
        ],
      }),
      s2: signedReport({
        sampleId: ids.s2,
        revision: 2,
        signedAt: '2026-04-10T09:00:00.000Z',
        fields: [
          {
            sha256: photos[2].sha256,
            umPerPixel: 0.1,
            cells: [
              { type: 'lymphocyte', reviewed: true, box: [40, 40, 100, 100] },
              { type: 'eosinophil', autoType: 'neutrophil', source: 'corrected', reviewed: true, changedByReviewer: SECRETS.reviewer, box: [150, 60, 210, 120] },
            ],
          },
        ],
      }),
      unsigned: signedReport({
        sampleId: ids.unsigned,
        revision: 1,
        signedAt: null,
        fields: [{ sha256: photos[3].sha256, umPerPixel: 0.1, cells: [{ type: 'neutrophil', reviewed: true, box: [40, 40, 100, 100] }] }],
      }),
      c2: signedReport({
        sampleId: ids.c2,
        revision: 1,
        signedAt: '2026-03-05T09:00:00.000Z',
        fields: [{ sha256: photos[4].sha256, umPerPixel: 0.1, cells: [{ type: 'neutrophil', reviewed: true, box: [40, 40, 100, 100] }] }],
      }),
    };
    await sync(hub, hub.tokens.c1, reports.s1, [photos[0], photos[1]]);
    await sync(hub, hub.tokens.c1, reports.s2, [photos[2]]);
    await sync(hub, hub.tokens.c1, reports.unsigned, [photos[3]]);
    await sync(hub, hub.tokens.c2, reports.c2, [photos[4]]);
    // A reviewer at the hub retypes an unseen cell of s1: a person verified it there.
    const review = await createReview(
      hub.db.db,
      null,
      {
        sampleId: ids.s1,
        baseRevision: 3,
        reviewsSeen: 0,
        reviewer: { id: randomUUID(), name: SECRETS.reviewer },
        changes: [{ cellId: cellOf(reports.s1, 0, 5).id, from: 'neutrophil', to: 'eosinophil' }],
        comment: SECRETS.reviewComment,
      },
      new Date().toISOString(),
    );
    expect(review.kind).toBe('created');
    expect(await setTrainingConsent(hub.db.db, 'c1', true, 'admin', new Date().toISOString())).toBe(true);
  }, 60_000);

  afterAll(async () => {
    await hub?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('exports only the verified cells of signed samples of consenting clinics, with crops at the classifier scale', { timeout: 60_000 }, async () => {
    const out = outDir();
    const manifest = await run(out);
    const coco = JSON.parse(readFileSync(path.join(out, 'annotations.json'), 'utf8')) as Coco;
    const classOf = (a: Coco['annotations'][number]) => coco.categories.find((c) => c.id === a.category_id)!.name;

    expect(manifest.clinics).toEqual([{ id: 'c1', samples: 2, images: 3, cells: 9 }]);
    expect(manifest.skippedClinics).toEqual([{ id: 'c2', reason: 'no_training_consent' }]);
    expect(manifest.counts).toMatchObject({ samples: 2, images: 3, annotations: 9, crops: 8, unverifiedCells: 2, unsignedSamples: 1 });
    expect(manifest.counts.perClass).toMatchObject({ neutrophil: 1, lymphocyte: 2, monocyte: 1, eosinophil: 2, basophil: 1, unclassified: 1, not_leukocyte: 1 });
    expect(manifest.annotations.sha256).toBe(sha(readFileSync(path.join(out, 'annotations.json'))));

    // The two cells nobody looked at (an automatic neutrophil, an automatic "not a leukocyte") are nowhere.
    const boxes = coco.annotations.map((a) => a.bbox.join());
    expect(boxes).not.toContain([100, 20, 40, 40].join());
    expect(boxes).not.toContain([20, 100, 30, 30].join());
    // The unseen neutrophil the hub's reviewer retyped is exported as the reviewer's type.
    const retyped = coco.annotations.find((a) => a.bbox.join() === [60, 100, 50, 50].join())!;
    expect({ type: classOf(retyped), ...retyped.attributes }).toMatchObject({ type: 'eosinophil', verifiedBy: 'hub_review', proposedType: 'neutrophil', confidence: 0.87 });
    const applied = coco.annotations.find((a) => a.bbox.join() === [150, 60, 60, 60].join())!;
    expect(applied.attributes.verifiedBy).toBe('hub_review');
    const drawn = coco.annotations.find((a) => classOf(a) === 'monocyte')!;
    expect(drawn.attributes).toMatchObject({ verifiedBy: 'box', proposedType: null, confidence: null });
    expect(coco.annotations.find((a) => classOf(a) === 'unclassified')!.attributes.crop).toBeNull();
    expect(coco.annotations.find((a) => classOf(a) === 'not_leukocyte')!.attributes.crop).toMatch(/^crops\/not_leukocyte\/\d+\.png$/);
    expect(coco.model_sets).toEqual([{ id: coco.annotations[0].attributes.modelSet, models: [{ id: 'yolo-a', sha256: 'a'.repeat(64) }] }]);

    // Fields: the signed samples' photos once each, none of the unsigned sample or of clinic c2.
    expect(coco.images.map((i) => i.clinic_id)).toEqual(['c1', 'c1', 'c1']);
    expect(readdirSync(path.join(out, 'images')).sort()).toEqual([photos[0], photos[1], photos[2]].map((p) => `${p.sha256}.png`).sort());
    // Each photo's pixels as the box decoded them, in a PNG without the file's metadata.
    for (const p of [photos[0], photos[1], photos[2]]) {
      const exported = await sharp(readFileSync(path.join(out, 'images', `${p.sha256}.png`)))
        .raw()
        .toBuffer();
      expect(exported.equals(await sharp(p.bytes).rotate().raw().toBuffer())).toBe(true);
    }
    const unmeasured = coco.images.find((i) => i.file_name.includes(photos[1].sha256))!;
    expect(unmeasured).toMatchObject({ um_per_pixel: null, scale_source: 'unmeasured', crop_rbc_px: Math.round((320 / 5.9) * 1000) / 1000 });
    expect(coco.images.find((i) => i.file_name.includes(photos[0].sha256))!).toMatchObject({ um_per_pixel: 0.12, scale_source: 'measured', crop_rbc_px: 62.5 });

    // Each crop is the classifier's input size, named by its annotation under its class.
    for (const a of coco.annotations.filter((x) => x.attributes.crop)) {
      expect(a.attributes.crop).toBe(`crops/${classOf(a)}/${a.id}.png`);
      const meta = await sharp(readFileSync(path.join(out, a.attributes.crop!))).metadata();
      expect([meta.width, meta.height]).toEqual([manifest.crops.inputPx, manifest.crops.inputPx]);
    }
    expect(Object.keys(tree(out)).filter((f) => f.startsWith('crops/'))).toHaveLength(8);
  });

  it('holds no patient id, reference, comment, name or sample id anywhere in its files, also not in the photos’ metadata', { timeout: 60_000 }, async () => {
    const out = outDir();
    await run(out);
    const forbidden = [...Object.values(SECRETS), ...Object.values(ids), ...Object.values(reports).flatMap((r) => r.fields.flatMap((f) => [f.id, ...f.cells.map((c) => c.id)]))];
    const files = readdirSync(out, { recursive: true, encoding: 'utf8' }).filter((f) => statSync(path.join(out, f)).isFile());
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) {
      const bytes = readFileSync(path.join(out, f));
      for (const s of forbidden) expect(bytes.includes(Buffer.from(s)), `${s} in ${f}`).toBe(false);
    }
    const photosOut = files.filter((f) => f.startsWith('images/'));
    expect(photosOut.length).toBeGreaterThan(0);
    for (const f of photosOut) expect((await sharp(readFileSync(path.join(out, f))).metadata()).exif, f).toBeUndefined();
  });

  it('filters by --since and --clinic; refuses an unknown clinic and one without consent', { timeout: 60_000 }, async () => {
    const since = await run(outDir(), { since: '2026-04-01T00:00:00.000Z' });
    expect(since.clinics).toEqual([{ id: 'c1', samples: 1, images: 1, cells: 2 }]);
    const one = await run(outDir(), { clinic: 'c1' });
    expect(one.clinics.map((c) => c.id)).toEqual(['c1']);
    expect(one.skippedClinics).toEqual([]);
    expect(one.counts.annotations).toBe(9);
    await expect(run(outDir(), { clinic: 'c2' })).rejects.toThrow(/clinic c2 has not opted in.*training-consent --clinic c2 --on/);
    await expect(run(outDir(), { clinic: 'nowhere' })).rejects.toBeInstanceOf(ExportError);
  });

  it('gives byte-identical files when run twice, in the same folder or another', { timeout: 60_000 }, async () => {
    const a = outDir();
    await run(a);
    const first = tree(a);
    await run(a);
    expect(tree(a)).toEqual(first);
    const b = outDir();
    await run(b, { pageSize: 50 });
    expect(tree(b)).toEqual(first);
    expect(first['annotations.json']).toBeDefined();
  });

  it('resumes an interrupted export without redoing what it wrote, and ends identical to an uninterrupted one', { timeout: 60_000 }, async () => {
    const whole = outDir();
    await run(whole);
    const out = outDir();
    await expect(
      run(out, {
        onField: (k) => {
          if (k === 2) throw new Error('power cut');
        },
      }),
    ).rejects.toThrow('power cut');
    expect(() => statSync(path.join(out, 'annotations.json'))).toThrow();
    expect(() => statSync(path.join(out, 'manifest.json'))).toThrow();
    const kept = ['images', 'crops'].flatMap((dir) => readdirSync(path.join(out, dir), { recursive: true, encoding: 'utf8' }).map((f) => path.join(out, dir, f))).filter((f) => statSync(f).isFile());
    expect(kept.filter((f) => f.includes('/images/'))).toHaveLength(2);
    expect(kept.filter((f) => f.includes('/crops/')).length).toBeGreaterThan(0);
    // A file written again is a new file (temporary file, rename): a new inode.
    const before = new Map(kept.map((f) => [f, statSync(f).ino]));
    await expect(run(out, { since: '2026-01-01T00:00:00.000Z' })).rejects.toThrow(/other filters/);
    await run(out);
    for (const [f, ino] of before) expect(statSync(f).ino, f).toBe(ino);
    expect(tree(out)).toEqual(tree(whole));
  });

  it('removes a clinic that withdrew its consent when the export is run again; refuses a folder holding other files', { timeout: 60_000 }, async () => {
    const out = outDir();
    await run(out);
    expect(readdirSync(path.join(out, 'images'))).toHaveLength(3);
    await setTrainingConsent(hub.db.db, 'c1', false, 'admin', new Date().toISOString());
    try {
      const again = await run(out);
      expect(again.clinics).toEqual([]);
      expect(again.skippedClinics.map((c) => c.id)).toEqual(['c1', 'c2']);
      expect(readdirSync(path.join(out, 'images'))).toEqual([]);
      expect(Object.keys(tree(out)).sort()).toEqual(['annotations.json', 'manifest.json']);
    } finally {
      await setTrainingConsent(hub.db.db, 'c1', true, 'admin', new Date().toISOString());
    }
    const busy = outDir();
    await run(busy);
    rmSync(path.join(busy, '.export'), { recursive: true });
    await expect(run(busy)).rejects.toThrow(/not empty and holds no training export/);
  });

  it('leaves out what a review the box refused changed: its types are not the sample’s', { timeout: 60_000 }, async () => {
    const retypedBox = [60, 100, 50, 50].join();
    const first = outDir();
    await run(first);
    const before = JSON.parse(readFileSync(path.join(first, 'annotations.json'), 'utf8')) as Coco;
    expect(before.annotations.find((a) => a.bbox.join() === retypedBox)?.attributes.verifiedBy).toBe('hub_review');
    const reviewId = (await reviewsOfSample(hub.db.db, ids.s1))[0].id;
    const told = await hub.app.inject({
      method: 'POST',
      url: '/api/v1/reviews/outcomes',
      headers: bearer(hub.tokens.c1),
      payload: { outcomes: [{ reviewId, outcome: 'conflict', at: new Date().toISOString(), reason: 'its cells changed here since' }] },
    });
    expect(told.json()).toMatchObject({ recorded: 1 });
    const out = outDir();
    await run(out);
    const after = JSON.parse(readFileSync(path.join(out, 'annotations.json'), 'utf8')) as Coco;
    // The cell nobody at the box looked at is not verified without the review.
    expect(after.annotations.find((a) => a.bbox.join() === retypedBox)).toBeUndefined();
    // A cell a review changed that the box applied (its report names the reviewer) stays.
    expect(after.annotations.find((a) => a.bbox.join() === [150, 60, 60, 60].join())?.attributes.verifiedBy).toBe('hub_review');
  });
});
