import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveFieldScale } from '../../src/core/analysis/field-scale.ts';
import { decodeImage } from '../../src/core/analysis/image-input.ts';
import { evaluate } from '../../src/eval/coco-eval.ts';
import { leukocyteGt } from '../../src/eval/run-eval.ts';
import { FIXTURE_MODELS, ROOT } from '../helpers/paths.ts';

const exec = promisify(execFile);

async function cli(args: string[], env: Record<string, string> = {}) {
  try {
    const r = await exec(process.execPath, [path.join(ROOT, 'bin', 'leukodiff.mjs'), 'eval', ...args], {
      env: { ...process.env, LEUKODIFF_MODELS: FIXTURE_MODELS, LEUKODIFF_BACKEND: 'onnxruntime', ...env },
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const categories = ['neutrophil', 'eosinophil', 'basophil', 'lymphocyte', 'monocyte'].map((name, i) => ({ id: i + 1, name }));

describe('leukodiff eval (constant-output fixture models)', () => {
  let dir: string;
  let typedSet: string;
  let wbcSet: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'ld-eval-'));
    for (const name of ['a.png', 'b.png']) {
      await sharp({ create: { width: 640, height: 480, channels: 3, background: '#d8c8d0' } })
        .png()
        .toFile(path.join(dir, name));
    }
    const images = [
      { id: 1, file_name: 'a.png', width: 640, height: 480 },
      { id: 2, file_name: 'b.png', width: 640, height: 480 },
    ];
    // fixed-a finds exactly these two cells on any 640x480 field (input 64x64: scale 0.1, padY 8).
    const cells = (imageId: number, base: number) => [
      { id: base, image_id: imageId, category_id: 1, bbox: [80, 0, 160, 160], area: 25600, iscrowd: 0 },
      { id: base + 1, image_id: imageId, category_id: 4, bbox: [400, 220, 160, 200], area: 32000, iscrowd: 0 },
    ];
    typedSet = path.join(dir, 'typed.json');
    writeFileSync(typedSet, JSON.stringify({ info: { image_root: dir }, images, categories, annotations: [...cells(1, 1), ...cells(2, 3)] }));
    wbcSet = path.join(dir, 'wbc.json');
    writeFileSync(
      wbcSet,
      JSON.stringify({
        info: { image_root: dir },
        images,
        categories: [
          { id: 1, name: 'WBC' },
          { id: 2, name: 'RBC' },
        ],
        annotations: [...cells(1, 1), { id: 9, image_id: 2, category_id: 2, bbox: [0, 0, 10, 10], area: 100 }].map((a) => ({ ...a, category_id: a.category_id === 4 ? 1 : a.category_id })),
      }),
    );
  });

  it('prints Table 2 as JSON: one row per member and fusion mode, the shipped ensemble named', async () => {
    const r = await cli(['--dataset', typedSet, '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.typed).toBe(true);
    expect(out.rows.map((x: { name: string }) => x.name)).toEqual(['fixed-a', 'fixed-b', 'paper', 'wbf', 'nms', 'ensemble']);
    for (const row of out.rows) {
      for (const k of ['mAP', 'AP50', 'AP75', 'mAR', 'sizeMB', 'gflops', 'fieldsPerSecond']) expect(typeof row[k]).toBe('number');
      expect(Object.keys(row.perType)).toEqual(['neutrophil', 'eosinophil', 'basophil', 'lymphocyte', 'monocyte']);
    }
    const a = out.rows[0];
    expect(a.mAP).toBeCloseTo(1, 9);
    expect(a.perType.basophil).toBe(-1);
    // fixed-b types the same cells as eosinophil and monocyte: all wrong.
    expect(out.rows[1].mAP).toBe(0);
  });

  it('gives each JSON row the typed accuracy, the type confusion and the duplicates per 100 leukocytes', async () => {
    const r = await cli(['--dataset', typedSet, '--json', '--ensemble', 'all']);
    expect(r.code, r.stderr).toBe(0);
    const [a, b] = JSON.parse(r.stdout).rows;
    // fixed-a finds and types right the neutrophil and the lymphocyte of both fields, once each.
    expect(a.typedAccuracy).toBe(1);
    expect(a.duplicatesPer100).toBe(0);
    expect(a.confusion.rowLabels).toEqual([...categories.map((c) => c.name), 'false']);
    expect(a.confusion.colLabels).toEqual([...categories.map((c) => c.name), 'missed']);
    const want = Array.from({ length: 6 }, () => new Array<number>(6).fill(0));
    want[0][0] = 2;
    want[3][3] = 2;
    expect(a.confusion.matrix).toEqual(want);
    // fixed-b finds both (at IoU 0.78 and 1) but calls them eosinophil and monocyte.
    expect(b.typedAccuracy).toBe(0);
    expect(b.confusion.matrix[0][1]).toBe(2);
    expect(b.confusion.matrix[3][4]).toBe(2);
  });

  it("reads the study's own Pascal VOC layout (NG/EG/BG/L/M) as well as COCO", async () => {
    const voc = path.join(dir, 'voc');
    mkdirSync(path.join(voc, 'Annotations'), { recursive: true });
    mkdirSync(path.join(voc, 'JPEGImages'), { recursive: true });
    copyFileSync(path.join(dir, 'a.png'), path.join(voc, 'JPEGImages', 'a.png'));
    const obj = (name: string, [x1, y1, x2, y2]: number[]) => `<object><name>${name}</name><bndbox><xmin>${x1 + 1}</xmin><ymin>${y1 + 1}</ymin><xmax>${x2}</xmax><ymax>${y2}</ymax></bndbox></object>`;
    writeFileSync(
      path.join(voc, 'Annotations', 'a.xml'),
      `<annotation><filename>a.png</filename><size><width>640</width><height>480</height><depth>3</depth></size>${obj('NG', [80, 0, 240, 160])}${obj('L', [400, 220, 560, 420])}</annotation>`,
    );
    const r = await cli(['--dataset', voc, '--json', '--ensemble', 'single:fixed-a']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.typed).toBe(true);
    expect(out.images).toBe(1);
    expect(out.rows[0].mAP).toBeCloseTo(1, 9);
  });

  it('evaluates a WBC/RBC set class-agnostically on the leukocytes only', async () => {
    const r = await cli(['--dataset', wbcSet, '--json', '--ensemble', 'single:fixed-b']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.typed).toBe(false);
    expect(out.rows).toHaveLength(1);
    // On image 1 fixed-b finds both cells (untyped; one of them at IoU 0.78, so matched at the six
    // thresholds up to 0.75 only); on image 2 it finds two cells with no GT.
    expect(out.rows[0].mAR).toBeCloseTo(0.8, 9);
    expect(out.rows[0].AP50).toBeLessThan(1);
    // Untyped: nothing to type right or confuse; the two cells on image 2 are false, not duplicates.
    expect(out.rows[0]).toMatchObject({ typedAccuracy: null, confusion: null, duplicatesPer100: 0 });
  });

  it('runs the shipped models of models/ end to end (shapes and rows, not accuracy)', async () => {
    const r = await cli(['--dataset', typedSet, '--json'], { LEUKODIFF_MODELS: '' });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const manifest = JSON.parse(readFileSync(path.join(ROOT, 'models', 'manifest.json'), 'utf8'));
    expect(out.rows.map((x: { name: string }) => x.name)).toEqual([...manifest.models.map((m: { id: string }) => m.id), 'paper', 'wbf', 'nms', 'ensemble']);
    for (const row of out.rows) {
      expect(row.mAP).toBeGreaterThanOrEqual(0);
      expect(row.mAP).toBeLessThanOrEqual(1);
      expect(row.gflops).toBeGreaterThan(0);
    }
  });

  it('writes the PR charts and the confusion matrix as SVG and PNG', async () => {
    const plots = path.join(dir, 'plots');
    const r = await cli(['--dataset', typedSet, '--plots', plots, '--ensemble', 'ensemble']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ensemble/);
    const files = readdirSync(plots).sort();
    expect(files).toEqual(expect.arrayContaining(['pr-iou0.50.png', 'pr-iou0.50.svg', 'pr-iou0.90.png', 'confusion-ensemble.png', 'confusion-ensemble.svg']));
    for (const f of files) expect(statSync(path.join(plots, f)).size).toBeGreaterThan(500);
    const meta = await sharp(path.join(plots, 'confusion-ensemble.png')).metadata();
    expect(meta.width).toBeGreaterThan(300);
  });

  it('writes the scored detections as COCO results that give the same AP', async () => {
    const file = path.join(dir, 'detections.json');
    const r = await cli(['--dataset', typedSet, '--json', '--ensemble', 'ensemble', '--detections', file]);
    expect(r.code).toBe(0);
    const results = JSON.parse(readFileSync(file, 'utf8'));
    expect(results.length).toBeGreaterThan(0);
    for (const d of results) expect(d).toEqual({ image_id: expect.any(Number), category_id: expect.any(Number), bbox: expect.any(Array), score: expect.any(Number) });
    const gt = leukocyteGt(JSON.parse(readFileSync(typedSet, 'utf8'))).gt;
    expect(evaluate(gt, results).stats[0]).toBeCloseTo(JSON.parse(r.stdout).rows[0].mAP, 10);
  });

  it('reports the drop under each interference factor', async () => {
    const r = await cli(['--dataset', typedSet, '--json', '--ensemble', 'single:fixed-a', '--interference', 'all']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out.interference)).toEqual(['colour-cast', 'low-light', 'defocus', 'stain-acid', 'stain-alkaline', 'jpeg30']);
    // The fixture models ignore pixels: no drop at all.
    for (const list of Object.values(out.interference) as { drop: number }[][]) expect(list[0].drop).toBeCloseTo(0, 12);
  });

  it('measures a colour cast of any strength, with the share typed right', async () => {
    const r = await cli(['--dataset', typedSet, '--json', '--ensemble', 'single:fixed-a', '--interference', 'cast:1.25,1,0.7']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    const [row] = out.interference['cast:1.25,1,0.7'] as { name: string; drop: number; typedAccuracy: number }[];
    expect(row.name).toBe('fixed-a');
    expect(row.typedAccuracy).toBe(out.rows[0].typedAccuracy);
    expect(row.typedAccuracy).toBeGreaterThanOrEqual(0);
  });

  it('calibrates on the fields themselves with --calibrate, as a box does, and reports it', async () => {
    // Three fields of red cells 40 px wide, drawn on the background colour.
    const d = 40;
    const w = 640;
    const h = 480;
    const rgb = Buffer.alloc(w * h * 3);
    for (let i = 0; i < w * h; i++) rgb.set([0xd8, 0xc8, 0xd0], i * 3);
    for (let cy = d; cy + d < h; cy += 1.5 * d) {
      for (let cx = d; cx + d < w; cx += 1.5 * d) {
        for (let y = Math.floor(cy - d / 2); y <= cy + d / 2; y++) {
          for (let x = Math.floor(cx - d / 2); x <= cx + d / 2; x++) if (Math.hypot(x + 0.5 - cx, y + 0.5 - cy) <= d / 2) rgb.set([200, 120, 140], (y * w + x) * 3);
        }
      }
    }
    const images = ['r1.png', 'r2.png', 'r3.png'].map((file_name, i) => ({ id: i + 1, file_name, width: w, height: h }));
    for (const im of images)
      await sharp(rgb, { raw: { width: w, height: h, channels: 3 } })
        .png()
        .toFile(path.join(dir, im.file_name));
    const set = path.join(dir, 'rbc.json');
    writeFileSync(set, JSON.stringify({ info: { image_root: dir }, images, categories, annotations: [{ id: 1, image_id: 1, category_id: 1, bbox: [80, 0, 160, 160], area: 25600, iscrowd: 0 }] }));
    const r = await cli(['--dataset', set, '--json', '--ensemble', 'single:fixed-a', '--calibrate']);
    expect(r.code).toBe(0);
    const cal = JSON.parse(r.stdout).calibration;
    expect(cal).toMatchObject({ measuredFields: 3, fields: 3 });
    // The median of the fields' own measurements (identical fields: the one measurement).
    const measured = resolveFieldScale(await decodeImage(path.join(dir, 'r1.png'))).umPerPixel!;
    expect(cal.umPerPixel).toBeCloseTo(measured, 10);
    expect(measured * d).toBeGreaterThan(6);
    expect(measured * d).toBeLessThan(9);

    // Fields of two microscopes, red cells 40 and 80 px wide, are not one calibration.
    const wide = path.join(dir, 'r4.png');
    await sharp(path.join(dir, 'r1.png'))
      .resize(2 * w, 2 * h)
      .toFile(wide);
    const mixed = path.join(dir, 'mixed.json');
    const two = [...images.slice(0, 2), { id: 4, file_name: 'r4.png', width: 2 * w, height: 2 * h }, { id: 5, file_name: 'r4.png', width: 2 * w, height: 2 * h }];
    writeFileSync(mixed, JSON.stringify({ info: { image_root: dir }, images: two, categories, annotations: [] }));
    const refused = await cli(['--dataset', mixed, '--json', '--ensemble', 'single:fixed-a', '--calibrate']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/several microscopes/);
  });

  it.each([
    [[], /--dataset is required/],
    [['--dataset', 'TYPED', '--scale', '0.1', '--calibrate'], /either --scale or --calibrate/],
    [['--dataset', 'TYPED', '--calibrate'], /--calibrate: the red cells of 0 of 2 fields could be measured/],
    [['--dataset', '/nonexistent.json'], /cannot read \/nonexistent\.json/],
    [['--dataset', 'TYPED', '--ensemble', 'vote'], /unknown --ensemble 'vote'/],
    [['--dataset', 'TYPED', '--interference', 'rain'], /unknown interference 'rain'/],
    [['--dataset', 'TYPED', '--interference', 'cast:1,1'], /bad colour cast 'cast:1,1': give three channel gains/],
    [['--dataset', 'TYPED', '--images', '/nonexistent-dir'], /is --images right\?/],
  ])('refuses bad arguments with exit 2 and one line (%#)', async (args, message) => {
    const r = await cli(args.map((a) => (a === 'TYPED' ? typedSet : a)));
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(message);
  });
});
