/**
 * BCCD: Pascal VOC boxes (WBC, RBC, Platelets) plus labels.csv, which names the leukocyte type(s)
 * of each field but not which box is which. The pairing rule below turns that into typed boxes.
 */
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { mapClassName } from './classmap.ts';
import type { Field } from './types.ts';
import { readVoc } from './voc.ts';

/** RFC 4180-ish CSV: quoted fields with "" escapes, CRLF or LF, optional final newline. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  let i = 0;
  const endCell = (): void => {
    row.push(cell);
    cell = '';
  };
  const endRow = (): void => {
    endCell();
    if (row.length > 1 || row[0] !== '') rows.push(row);
    row = [];
  };
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === ',') endCell();
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRow();
    } else cell += c;
    i++;
  }
  if (cell !== '' || row.length) endRow();
  return rows;
}

/** BCCD image number N -> 'BloodImage_0000N.jpg'. */
export function bccdFileName(n: number): string {
  return `BloodImage_${String(n).padStart(5, '0')}.jpg`;
}

/**
 * labels.csv -> image file name -> type indices (possibly empty, possibly repeated).
 * Columns are found by header name (Image, Category); a leading unnamed index column is ignored.
 */
export function parseBccdLabels(text: string): Map<string, number[]> {
  const [header, ...rows] = parseCsv(text);
  if (!header) throw new Error('labels.csv is empty');
  const col = (name: string): number => {
    const j = header.findIndex((h) => h.trim().toLowerCase() === name.toLowerCase());
    if (j < 0) throw new Error(`labels.csv has no '${name}' column`);
    return j;
  };
  const imageCol = col('Image');
  const catCol = col('Category');
  const out = new Map<string, number[]>();
  rows.forEach((row, r) => {
    const image = (row[imageCol] ?? '').trim();
    if (!/^\d+$/.test(image)) throw new Error(`labels.csv row ${r + 2}: Image '${image}' is not a number`);
    const types = (row[catCol] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((name) => {
        const m = mapClassName(name);
        if (!m || m.kind !== 'leukocyte' || m.type === null) throw new Error(`labels.csv row ${r + 2}: unknown leukocyte type '${name}'`);
        return m.type;
      });
    out.set(bccdFileName(Number(image)), types);
  });
  return out;
}

export type PairingOutcome =
  /** n boxes and n types, all one type (n = 1 is the common case): every box gets that type. */
  | 'typed'
  /** Boxes and types that do not pair up: the boxes stay leukocytes of unknown type. */
  | 'unpaired'
  /** labels.csv names a type but the field has no leukocyte box. */
  | 'type-without-box'
  /** Leukocyte boxes but no type in labels.csv (empty category, or no row). */
  | 'box-without-type'
  /** Neither a leukocyte box nor a type. */
  | 'empty';

/**
 * Apply labels.csv's types to the untyped leukocyte boxes of one field, in place. Boxes whose type
 * the annotation already gives (the study's own layouts) are left alone.
 */
export function pairTypes(field: Field, types: number[] | undefined): PairingOutcome {
  const untyped = field.boxes.filter((b) => b.kind === 'leukocyte' && b.type === null);
  const ts = types ?? [];
  if (!untyped.length) {
    if (field.boxes.some((b) => b.kind === 'leukocyte')) return 'typed';
    return ts.length ? 'type-without-box' : 'empty';
  }
  if (!ts.length) return 'box-without-type';
  // With two boxes and two different types, which box is which is not recorded; a count
  // mismatch means a cell was boxed but not typed or the other way round.
  if (ts.length === untyped.length && ts.every((t) => t === ts[0])) {
    for (const b of untyped) b.type = ts[0];
    return 'typed';
  }
  return 'unpaired';
}

export interface BccdData {
  /** Folder of the images (the COCO image_root). */
  imagesDir: string;
  fields: Field[];
  outcomes: Map<string, PairingOutcome>;
}

async function exists(p: string): Promise<boolean> {
  return access(p).then(
    () => true,
    () => false,
  );
}

/** Accepts the folder holding BCCD/ and labels.csv, or the VOC folder itself (labels.csv beside or above it). */
export async function locateBccd(dir: string): Promise<{ vocRoot: string; csvPath: string }> {
  const abs = path.resolve(dir);
  const vocRoot = (await exists(path.join(abs, 'BCCD', 'Annotations'))) ? path.join(abs, 'BCCD') : abs;
  if (!(await exists(path.join(vocRoot, 'Annotations')))) throw new Error(`${dir}: no BCCD/Annotations or Annotations folder`);
  for (const c of [path.join(abs, 'labels.csv'), path.join(vocRoot, 'labels.csv'), path.join(path.dirname(vocRoot), 'labels.csv')]) {
    if (await exists(c)) return { vocRoot, csvPath: c };
  }
  throw new Error(`${dir}: no labels.csv`);
}

export async function readBccd(dir: string, onWarning?: (m: string) => void): Promise<BccdData> {
  const { vocRoot, csvPath } = await locateBccd(dir);
  const labels = parseBccdLabels(await readFile(csvPath, 'utf8'));
  const imagesDir = path.join(vocRoot, 'JPEGImages');
  const fields = await readVoc(vocRoot, { imagesDir, onWarning });
  const outcomes = new Map<string, PairingOutcome>();
  for (const f of fields) outcomes.set(f.name, pairTypes(f, labels.get(f.name)));
  return { imagesDir, fields, outcomes };
}
