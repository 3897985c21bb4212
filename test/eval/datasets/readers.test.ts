import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCoco, toCoco, typedCategoryOf, TYPE_CATEGORIES } from '../../../src/eval/datasets/coco.ts';
import { sha256Hex } from '../../../src/eval/datasets/image.ts';
import type { Field } from '../../../src/eval/datasets/types.ts';
import { readVoc, vocBoxToPixels } from '../../../src/eval/datasets/voc.ts';
import { parseDataYamlNames, readYolo, yoloBoxToPixels } from '../../../src/eval/datasets/yolo.ts';
import { BCCD_DIR, BCCD_IMAGES, TXL_DIR, withTempDir } from './helpers.ts';

const kinds = (f: Field): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const b of f.boxes) out[b.kind] = (out[b.kind] ?? 0) + 1;
  return out;
};

describe('Pascal VOC reader', () => {
  it('reads the BCCD fixture: sizes, hashes, 1-based boxes to pixel edges, WBC as untyped leukocyte', async () => {
    const fields = await readVoc(path.join(BCCD_DIR, 'BCCD'));
    expect(fields.map((f) => f.name)).toEqual([
      'BloodImage_00010.jpg',
      'BloodImage_00065.jpg',
      'BloodImage_00117.jpg',
      'BloodImage_00133.jpg',
      'BloodImage_00167.jpg',
      'BloodImage_00387.jpg',
      'BloodImage_00388.jpg',
      'BloodImage_00389.jpg',
    ]);
    const f = fields.find((x) => x.name === 'BloodImage_00389.jpg')!;
    expect(f.file).toBe(path.join(BCCD_IMAGES, 'BloodImage_00389.jpg'));
    expect([f.width, f.height]).toEqual([640, 480]);
    expect(f.sha256).toBe(sha256Hex(await readFile(f.file)));
    expect(kinds(f)).toEqual({ leukocyte: 1, rbc: 5, platelet: 2 });
    expect(f.boxes.find((b) => b.kind === 'leukocyte')).toEqual({ box: [0, 10, 222, 221], kind: 'leukocyte', type: null });
    expect(kinds(fields.find((x) => x.name === 'BloodImage_00133.jpg')!).leukocyte).toBeUndefined();
  });

  it("reads the study's own VOC layout with NG/EG/BG/L/M names, and clips boxes to the image", async () => {
    await withTempDir(async (dir) => {
      await mkdir(path.join(dir, 'Annotations'));
      await mkdir(path.join(dir, 'JPEGImages'));
      await copyFile(path.join(BCCD_IMAGES, 'BloodImage_00389.jpg'), path.join(dir, 'JPEGImages', 'a.jpg'));
      const obj = (name: string, b: number[]): string => `<object><name>${name}</name><bndbox><xmin>${b[0]}</xmin><ymin>${b[1]}</ymin><xmax>${b[2]}</xmax><ymax>${b[3]}</ymax></bndbox></object>`;
      // No <filename>: the image is the XML's stem + .jpg. A wrong <size> is reported, the image's wins.
      await writeFile(
        path.join(dir, 'Annotations', 'a.xml'),
        `<annotation><size><width>100</width><height>100</height></size>
        ${obj('NG', [11, 21, 110, 120])}${obj('EG', [1, 1, 50, 50])}${obj('BG', [200, 200, 260, 250])}
        ${obj('L', [300, 300, 700, 500])}${obj('M', [6, 5, 5, 40])}</annotation>`,
      );
      const warnings: string[] = [];
      const [f] = await readVoc(dir, { onWarning: (m) => warnings.push(m) });
      expect(f.name).toBe('a.jpg');
      expect(f.boxes).toEqual([
        { box: [10, 20, 110, 120], kind: 'leukocyte', type: 0 },
        { box: [0, 0, 50, 50], kind: 'leukocyte', type: 1 },
        { box: [199, 199, 260, 250], kind: 'leukocyte', type: 2 },
        { box: [299, 299, 640, 480], kind: 'leukocyte', type: 3 },
      ]);
      expect(warnings.some((w) => w.includes('<size> 100x100'))).toBe(true);
      expect(warnings.some((w) => w.includes('dropped empty M box'))).toBe(true);
    });
  });

  it('refuses an unknown class name, naming the file', async () => {
    await withTempDir(async (dir) => {
      await mkdir(path.join(dir, 'Annotations'));
      await mkdir(path.join(dir, 'JPEGImages'));
      await copyFile(path.join(BCCD_IMAGES, 'BloodImage_00389.jpg'), path.join(dir, 'JPEGImages', 'a.jpg'));
      await writeFile(path.join(dir, 'Annotations', 'a.xml'), '<annotation><object><name>Banana</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>9</xmax><ymax>9</ymax></bndbox></object></annotation>');
      await expect(readVoc(dir)).rejects.toThrow(/a\.xml: unknown class name 'Banana'/);
    });
  });

  it('converts coordinates', () => {
    expect(vocBoxToPixels({ name: 'x', xmin: 1, ymin: 1, xmax: 640, ymax: 480 }, 640, 480)).toEqual([0, 0, 640, 480]);
    expect(vocBoxToPixels({ name: 'x', xmin: 10, ymin: 10, xmax: 9, ymax: 20 }, 640, 480)).toBeNull();
  });
});

describe('COCO reader', () => {
  it("reads the study's COCO layout (NG/EG/BG/L/M categories), type_unknown and a relative image_root", async () => {
    await withTempDir(async (dir) => {
      await mkdir(path.join(dir, 'imgs'));
      await copyFile(path.join(BCCD_IMAGES, 'BloodImage_00389.jpg'), path.join(dir, 'imgs', 'x.jpg'));
      const sha = sha256Hex(await readFile(path.join(dir, 'imgs', 'x.jpg')));
      const cats = ['NG', 'EG', 'BG', 'L', 'M'].map((name, i) => ({ id: 10 + i, name }));
      const coco = {
        info: { image_root: 'imgs' },
        images: [{ id: 7, file_name: 'x.jpg', width: 640, height: 480, sha256: sha }],
        annotations: [
          { id: 1, image_id: 7, category_id: 14, bbox: [10, 20, 30, 40], area: 1200, iscrowd: 0 },
          { id: 2, image_id: 7, category_id: 11, bbox: [0, 0, 5, 5], area: 25, iscrowd: 0 },
          { id: 3, image_id: 7, category_id: 0, bbox: [50, 50, 10, 10], area: 100, iscrowd: 0, type_unknown: true },
        ],
        categories: cats,
      };
      await writeFile(path.join(dir, 'c.json'), JSON.stringify(coco));
      const [f] = await readCoco(path.join(dir, 'c.json'));
      expect(f.file).toBe(path.join(dir, 'imgs', 'x.jpg'));
      expect(f.sha256).toBe(sha);
      expect(f.boxes).toEqual([
        { box: [10, 20, 40, 60], kind: 'leukocyte', type: 4 },
        { box: [0, 0, 5, 5], kind: 'leukocyte', type: 1 },
        { box: [50, 50, 60, 60], kind: 'leukocyte', type: null },
      ]);

      await writeFile(path.join(dir, 'bad.json'), JSON.stringify({ ...coco, images: [{ ...coco.images[0], sha256: '0'.repeat(64) }] }));
      await expect(readCoco(path.join(dir, 'bad.json'))).rejects.toThrow(/does not match its sha256/);
      await writeFile(path.join(dir, 'bad2.json'), JSON.stringify({ ...coco, categories: [{ id: 14, name: 'Banana' }] }));
      await expect(readCoco(path.join(dir, 'bad2.json'))).rejects.toThrow(/unknown category name 'Banana'/);
    });
  });

  it('round-trips what toCoco writes', async () => {
    await withTempDir(async (dir) => {
      const fields = await readVoc(path.join(BCCD_DIR, 'BCCD'));
      fields[0].boxes[0].type = 3;
      const coco = toCoco(fields, { info: { image_root: BCCD_IMAGES }, categories: TYPE_CATEGORIES, categoryOf: typedCategoryOf });
      expect(coco.annotations.filter((a) => a.category_id === 0).every((a) => a.type_unknown === true)).toBe(true);
      await writeFile(path.join(dir, 'c.json'), JSON.stringify(coco));
      const back = await readCoco(path.join(dir, 'c.json'));
      expect(back.map((f) => [f.name, f.sha256, f.width, f.height])).toEqual(fields.map((f) => [f.name, f.sha256, f.width, f.height]));
      expect(back.map((f) => f.boxes)).toEqual(fields.map((f) => f.boxes.filter((b) => b.kind === 'leukocyte')));
    });
  });
});

describe('YOLO reader', () => {
  it('reads the TXL-PBC fixture: split folders, data.yaml names, normalised boxes to pixels', async () => {
    const fields = await readYolo(path.join(TXL_DIR, 'TXL_PBC'));
    expect(fields.map((f) => `${f.sourceSplit} ${f.name}`)).toEqual([
      'train train/6afb78a3-cf6c-55c0-aa6d-748b0a9466e7.jpg',
      'train train/dbb7bc51-f818-5661-9e74-6dd9b4005dba.jpg',
      'val val/76517032-648b-5be6-89d6-cf9b8ce3f372.jpg',
      'val val/ac327618-bea5-5311-bc90-765a97846beb.jpg',
      'test test/4e2139d2-7d0c-56a5-91d5-abfa72c21efa.jpg',
      'test test/f38d1de4-ec58-55a4-854b-c6f79422edb6.jpg',
    ]);
    const f = fields.find((x) => x.name.startsWith('test/f38d1de4'))!;
    expect([f.width, f.height]).toEqual([640, 480]);
    expect(kinds(f)).toEqual({ leukocyte: 1, rbc: 20, platelet: 2 });
    // first line: 0 0.517188 0.769792 0.371875 0.435417
    expect(f.boxes[0]).toEqual({ box: [212, 265, 450, 474], kind: 'leukocyte', type: null });
    expect(fields.find((x) => x.name.startsWith('test/4e2139d2'))!.boxes).toHaveLength(38);
  });

  it('falls back to classes.txt (TXL-PBC names platelets PC there), and a missing label file means no boxes', async () => {
    await withTempDir(async (dir) => {
      await mkdir(path.join(dir, 'images'));
      await mkdir(path.join(dir, 'labels'));
      await copyFile(path.join(BCCD_IMAGES, 'BloodImage_00389.jpg'), path.join(dir, 'images', 'a.jpg'));
      await copyFile(path.join(BCCD_IMAGES, 'BloodImage_00387.jpg'), path.join(dir, 'images', 'b.jpg'));
      await writeFile(path.join(dir, 'labels', 'classes.txt'), 'WBC\r\nRBC\r\nPC\r\n');
      await writeFile(path.join(dir, 'labels', 'a.txt'), '2 0.5 0.5 0.1 0.1\n\n0 0.0 0.0 0.5 0.5\n');
      const warnings: string[] = [];
      const [a, b] = await readYolo(dir, { onWarning: (m) => warnings.push(m) });
      expect(a.sourceSplit).toBeUndefined();
      expect(a.boxes).toEqual([
        { box: [288, 216, 352, 264], kind: 'platelet', type: null },
        { box: [0, 0, 160, 120], kind: 'leukocyte', type: null },
      ]);
      expect(b.boxes).toEqual([]);
      expect(warnings).toHaveLength(1);
      await writeFile(path.join(dir, 'labels', 'a.txt'), '3 0.5 0.5 0.1 0.1\n');
      await expect(readYolo(dir)).rejects.toThrow(/class 3 is not in the class list/);
      // Explicit names win, and go through the class map (the study's codes work here too).
      await writeFile(path.join(dir, 'labels', 'a.txt'), '3 0.5 0.5 0.1 0.1\n');
      const [typed] = await readYolo(dir, { classNames: ['NG', 'EG', 'BG', 'L', 'M'] });
      expect(typed.boxes[0].type).toBe(3);
    });
  });

  it('parses data.yaml names in flow, block and mapping form', () => {
    expect(parseDataYamlNames("nc: 3\nnames: ['WBC', 'RBC','Platelets']")).toEqual(['WBC', 'RBC', 'Platelets']);
    expect(parseDataYamlNames('names:\n  - NG\n  - "EG"\nnc: 2\n')).toEqual(['NG', 'EG']);
    expect(parseDataYamlNames('names:\n  0: WBC\n  1: RBC\n')).toEqual(['WBC', 'RBC']);
    expect(parseDataYamlNames('nc: 1\n')).toBeUndefined();
  });

  it('converts and clips normalised boxes', () => {
    expect(yoloBoxToPixels(0.5, 0.5, 1, 1, 640, 480)).toEqual([0, 0, 640, 480]);
    expect(yoloBoxToPixels(0.99, 0.5, 0.2, 0.2, 100, 100)).toEqual([89, 40, 100, 60]);
    expect(yoloBoxToPixels(0.5, 0.5, 0, 0.2, 100, 100)).toBeNull();
  });
});
