/**
 * YOLO txt reader: images/<split>/*.jpg with labels/<split>/*.txt (one `class cx cy w h` line per
 * box, normalised to the image size), or images/ and labels/ without split folders.
 */
import { access, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Box } from '../../core/types.ts';
import { type MappedClass, mapClassName } from './classmap.ts';
import { mapLimit, probeImage } from './image.ts';
import { type Field, type FieldBox, SPLITS, type SplitName } from './types.ts';

const IMAGE_EXT = /\.(jpe?g|png|bmp|tiff?|webp)$/i;

export interface YoloOptions {
  /** Class names by index; default: data.yaml `names`, else labels/classes.txt (or per split). */
  classNames?: string[];
  onWarning?: (message: string) => void;
}

/** The `names` of a YOLO data.yaml: flow list, block list, or index mapping. */
export function parseDataYamlNames(yaml: string): string[] | undefined {
  const lines = yaml.split(/\r?\n/);
  const unquote = (s: string): string => s.trim().replace(/^(['"])(.*)\1$/, '$2');
  const at = lines.findIndex((l) => /^names\s*:/.test(l));
  if (at < 0) return undefined;
  const rest = lines[at]
    .replace(/^names\s*:/, '')
    .replace(/\s+#.*$/, '')
    .trim();
  if (rest.startsWith('[')) {
    let flow = rest;
    for (let j = at + 1; !flow.includes(']') && j < lines.length; j++) flow += lines[j];
    const inner = flow.slice(flow.indexOf('[') + 1, flow.lastIndexOf(']'));
    return inner
      .split(',')
      .map(unquote)
      .filter((s) => s !== '');
  }
  const names: string[] = [];
  for (let j = at + 1; j < lines.length; j++) {
    const l = lines[j];
    if (!/^\s+\S/.test(l)) break;
    const item = /^\s+-\s*(.+)$/.exec(l);
    const pair = /^\s+(\d+)\s*:\s*(.+)$/.exec(l);
    if (item) names.push(unquote(item[1]));
    else if (pair) names[Number(pair[1])] = unquote(pair[2]);
  }
  return names.length ? names : undefined;
}

async function exists(p: string): Promise<boolean> {
  return access(p).then(
    () => true,
    () => false,
  );
}

async function readClassNames(root: string, labelDirs: string[]): Promise<string[]> {
  const yamlPath = path.join(root, 'data.yaml');
  if (await exists(yamlPath)) {
    const names = parseDataYamlNames(await readFile(yamlPath, 'utf8'));
    if (names) return names;
  }
  for (const dir of [path.join(root, 'labels'), ...labelDirs]) {
    const p = path.join(dir, 'classes.txt');
    if (await exists(p))
      return (await readFile(p, 'utf8'))
        .split(/\r?\n/)
        .map((s) => s.trim())
        .filter(Boolean);
  }
  throw new Error(`${root}: no class names (no data.yaml names, no classes.txt); pass them explicitly`);
}

/** Normalised YOLO box to pixel x1,y1,x2,y2 clipped to the image; null when nothing is left. */
export function yoloBoxToPixels(cx: number, cy: number, w: number, h: number, width: number, height: number): Box | null {
  const r = (v: number): number => Math.round(v * 1000) / 1000;
  const x1 = r(Math.max(0, (cx - w / 2) * width));
  const y1 = r(Math.max(0, (cy - h / 2) * height));
  const x2 = r(Math.min(width, (cx + w / 2) * width));
  const y2 = r(Math.min(height, (cy + h / 2) * height));
  return x2 > x1 && y2 > y1 ? [x1, y1, x2, y2] : null;
}

export function parseYoloLabels(text: string, classes: MappedClass[], width: number, height: number, where: string, onWarning?: (m: string) => void): FieldBox[] {
  const boxes: FieldBox[] = [];
  text.split(/\r?\n/).forEach((line, n) => {
    const t = line.trim();
    if (!t) return;
    const parts = t.split(/\s+/).map(Number);
    if (parts.length !== 5 || parts.some((v) => !Number.isFinite(v))) throw new Error(`${where}:${n + 1}: expected 'class cx cy w h'`);
    const [c, cx, cy, w, h] = parts;
    const cls = classes[c];
    if (!cls) throw new Error(`${where}:${n + 1}: class ${c} is not in the class list`);
    const box = yoloBoxToPixels(cx, cy, w, h, width, height);
    if (!box) {
      onWarning?.(`${where}:${n + 1}: dropped empty box`);
      return;
    }
    boxes.push({ box, kind: cls.kind, type: cls.type });
  });
  return boxes;
}

/** Read a YOLO dataset root. Field names are relative to <root>/images (e.g. 'train/x.jpg'). */
export async function readYolo(root: string, opts: YoloOptions = {}): Promise<Field[]> {
  const imagesRoot = path.join(root, 'images');
  const splitDirs = (await Promise.all(SPLITS.map(async (s) => ((await exists(path.join(imagesRoot, s))) ? s : null)))).filter((s): s is SplitName => s !== null);
  const groups: { split?: SplitName; sub: string }[] = splitDirs.length ? splitDirs.map((s) => ({ split: s, sub: s })) : [{ sub: '' }];
  const names =
    opts.classNames ??
    (await readClassNames(
      root,
      groups.map((g) => path.join(root, 'labels', g.sub)),
    ));
  const classes = names.map((n) => {
    const m = mapClassName(n);
    if (!m) throw new Error(`${root}: unknown class name '${n}'`);
    return m;
  });

  const jobs: { split?: SplitName; sub: string; image: string }[] = [];
  for (const g of groups) {
    const files = (await readdir(path.join(imagesRoot, g.sub))).filter((f) => IMAGE_EXT.test(f)).sort();
    for (const image of files) jobs.push({ ...g, image });
  }
  return mapLimit(jobs, 8, async ({ split, sub, image }): Promise<Field> => {
    const file = path.join(imagesRoot, sub, image);
    const facts = await probeImage(file);
    const labelPath = path.join(root, 'labels', sub, image.replace(IMAGE_EXT, '.txt'));
    let text = '';
    try {
      text = await readFile(labelPath, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      opts.onWarning?.(`${labelPath}: missing; the field has no boxes`);
    }
    const boxes = parseYoloLabels(text, classes, facts.width, facts.height, labelPath, opts.onWarning);
    const field: Field = { file, name: sub ? `${sub}/${image}` : image, ...facts, boxes };
    if (split) field.sourceSplit = split;
    return field;
  });
}
