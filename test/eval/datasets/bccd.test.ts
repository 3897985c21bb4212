import { describe, expect, it } from 'vitest';
import { pairTypes, parseBccdLabels, parseCsv, readBccd } from '../../../src/eval/datasets/bccd.ts';
import type { Field, FieldBox } from '../../../src/eval/datasets/types.ts';
import { BCCD_DIR } from './helpers.ts';

const wbc = (): FieldBox => ({ box: [0, 0, 10, 10], kind: 'leukocyte', type: null });
const rbc = (): FieldBox => ({ box: [20, 20, 30, 30], kind: 'rbc', type: null });
const field = (boxes: FieldBox[]): Field => ({ file: '/x.jpg', name: 'x.jpg', sha256: '', width: 640, height: 480, boxes });
const leukocyteTypes = (f: Field): (number | null)[] => f.boxes.filter((b) => b.kind === 'leukocyte').map((b) => b.type);

describe('labels.csv', () => {
  it('parses quoted fields, CRLF and a missing final newline', () => {
    expect(parseCsv(',Image,Category\r\n,0,NEUTROPHIL\r\n,10,"NEUTROPHIL, EOSINOPHIL"\r\n,11,"a ""q"" b"\r\n,12,')).toEqual([
      ['', 'Image', 'Category'],
      ['', '0', 'NEUTROPHIL'],
      ['', '10', 'NEUTROPHIL, EOSINOPHIL'],
      ['', '11', 'a "q" b'],
      ['', '12', ''],
    ]);
  });

  it('maps image numbers to BloodImage_NNNNN.jpg and categories to type lists', () => {
    const m = parseBccdLabels(',Image,Category\r\n,7,MONOCYTE\r\n,10,"NEUTROPHIL,BASOPHIL"\r\n,25,\r\n,31,"LYMPHOCYTE, LYMPHOCYTE"');
    expect([...m]).toEqual([
      ['BloodImage_00007.jpg', [4]],
      ['BloodImage_00010.jpg', [0, 2]],
      ['BloodImage_00025.jpg', []],
      ['BloodImage_00031.jpg', [3, 3]],
    ]);
    expect(() => parseBccdLabels(',Image,Category\n,1,PLASMA CELL\n')).toThrow(/unknown leukocyte type 'PLASMA CELL'/);
    expect(() => parseBccdLabels(',Img,Category\n')).toThrow(/no 'Image' column/);
  });
});

describe('the unknown-type rule (pairing labels.csv types with WBC boxes)', () => {
  it('one box + one type: typed; RBC and platelets untouched', () => {
    const f = field([wbc(), rbc()]);
    expect(pairTypes(f, [1])).toBe('typed');
    expect(f.boxes.map((b) => b.type)).toEqual([1, null]);
  });

  it('several boxes of one type: all typed', () => {
    const f = field([wbc(), wbc()]);
    expect(pairTypes(f, [3, 3])).toBe('typed');
    expect(leukocyteTypes(f)).toEqual([3, 3]);
  });

  it('boxes and types that do not pair: all unknown', () => {
    for (const [n, types] of [
      [2, [0, 1]],
      [1, [0, 1]],
      [1, [1, 1]],
      [2, [0]],
    ] as [number, number[]][]) {
      const f = field(Array.from({ length: n }, wbc));
      expect(pairTypes(f, types)).toBe('unpaired');
      expect(leukocyteTypes(f)).toEqual(new Array(n).fill(null));
    }
  });

  it('a box without a type, a type without a box, neither', () => {
    const a = field([wbc()]);
    expect(pairTypes(a, [])).toBe('box-without-type');
    expect(pairTypes(field([wbc()]), undefined)).toBe('box-without-type');
    expect(leukocyteTypes(a)).toEqual([null]);
    expect(pairTypes(field([rbc()]), [0])).toBe('type-without-box');
    expect(pairTypes(field([rbc()]), [])).toBe('empty');
  });

  it('boxes the annotation already types (the study layouts) are left alone', () => {
    const f = field([{ box: [0, 0, 5, 5], kind: 'leukocyte', type: 2 }]);
    expect(pairTypes(f, [0])).toBe('typed');
    expect(leukocyteTypes(f)).toEqual([2]);
  });

  it('applies to the BCCD fixture as the data README counts it', async () => {
    const bccd = await readBccd(BCCD_DIR);
    expect(Object.fromEntries(bccd.outcomes)).toEqual({
      'BloodImage_00010.jpg': 'unpaired', // 2 boxes, NEUTROPHIL + EOSINOPHIL
      'BloodImage_00065.jpg': 'typed', // 2 boxes, NEUTROPHIL + NEUTROPHIL
      'BloodImage_00117.jpg': 'box-without-type',
      'BloodImage_00133.jpg': 'type-without-box',
      'BloodImage_00167.jpg': 'typed',
      'BloodImage_00387.jpg': 'typed',
      'BloodImage_00388.jpg': 'typed',
      'BloodImage_00389.jpg': 'typed',
    });
    const byName = new Map(bccd.fields.map((f) => [f.name, f]));
    expect(leukocyteTypes(byName.get('BloodImage_00010.jpg')!)).toEqual([null, null]);
    expect(leukocyteTypes(byName.get('BloodImage_00065.jpg')!)).toEqual([0, 0]);
    expect(leukocyteTypes(byName.get('BloodImage_00387.jpg')!)).toEqual([1]);
  });
});
