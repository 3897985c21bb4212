/** Seeded, deterministic, stratified train/val/test splitting, and the committed split files. */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SPLITS, type SplitName } from './types.ts';
import { mulberry32 } from '../../core/util/random.ts';

export type Ratios = Record<SplitName, number>;
export const DEFAULT_RATIOS: Ratios = { train: 0.7, val: 0.15, test: 0.15 };

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Fisher-Yates on a copy. */
export function shuffle<T>(items: readonly T[], rand: () => number): T[] {
  const a = items.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** Split n items by ratios with whole numbers (largest remainder; ties go to the earlier split). */
export function apportion(n: number, ratios: Ratios): Ratios {
  const sum = SPLITS.reduce((s, k) => s + ratios[k], 0);
  const exact = SPLITS.map((k) => (n * ratios[k]) / sum);
  const out = exact.map(Math.floor);
  let left = n - out.reduce((s, v) => s + v, 0);
  const order = SPLITS.map((_, i) => i).sort((a, b) => exact[b] - out[b] - (exact[a] - out[a]) || a - b);
  for (const i of order) if (left-- > 0) out[i]++;
  return { train: out[0], val: out[1], test: out[2] };
}

export interface SplitItem {
  key: string;
  stratum: string;
  /** Already decided elsewhere (e.g. by a duplicate in another dataset); counts towards the targets. */
  forced?: SplitName;
}

/**
 * Each stratum is split towards its own ratio targets, forced items included; the free items, in
 * a seeded shuffle of their sorted keys, each go to the split furthest below its target. Each
 * stratum has its own random stream, so adding a stratum leaves the others' assignment unchanged.
 */
export function stratifiedSplit(items: readonly SplitItem[], seed: number, ratios: Ratios = DEFAULT_RATIOS): Map<string, SplitName> {
  const out = new Map<string, SplitName>();
  const strata = new Map<string, SplitItem[]>();
  const seen = new Set<string>();
  for (const it of items) {
    if (seen.has(it.key)) throw new Error(`duplicate split key '${it.key}'`);
    seen.add(it.key);
    if (!strata.has(it.stratum)) strata.set(it.stratum, []);
    strata.get(it.stratum)!.push(it);
  }
  for (const [stratum, group] of [...strata].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const targets = apportion(group.length, ratios);
    const counts: Ratios = { train: 0, val: 0, test: 0 };
    for (const it of group) {
      if (it.forced) {
        counts[it.forced]++;
        out.set(it.key, it.forced);
      }
    }
    const free = group
      .filter((it) => !it.forced)
      .map((it) => it.key)
      .sort();
    const rand = mulberry32((seed ^ fnv1a(stratum)) >>> 0);
    for (const key of shuffle(free, rand)) {
      let best: SplitName = 'train';
      for (const s of SPLITS) if (targets[s] - counts[s] > targets[best] - counts[best]) best = s;
      counts[best]++;
      out.set(key, best);
    }
  }
  return out;
}

/** datasets/splits/<set>.json: which file names make up each split of one dataset. */
export interface SplitFile {
  set: string;
  /** Seed of the random part, or null where the split is entirely the source's own. */
  seed: number | null;
  /** How the split was made, in words. */
  method: string;
  train: string[];
  val: string[];
  test: string[];
}

export function splitFileFromMap(set: string, seed: number | null, method: string, assignment: ReadonlyMap<string, SplitName>): SplitFile {
  const file: SplitFile = { set, seed, method, train: [], val: [], test: [] };
  for (const [name, split] of assignment) file[split].push(name);
  for (const s of SPLITS) file[s].sort();
  return file;
}

export function splitMapFromFile(file: SplitFile): Map<string, SplitName> {
  const out = new Map<string, SplitName>();
  for (const s of SPLITS) {
    for (const name of file[s]) {
      const prev = out.get(name);
      if (prev) throw new Error(`split file '${file.set}': '${name}' is in both ${prev} and ${s}`);
      out.set(name, s);
    }
  }
  return out;
}

export async function readSplitFile(p: string): Promise<SplitFile | undefined> {
  let text: string;
  try {
    text = await readFile(p, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const f = JSON.parse(text) as SplitFile;
  for (const s of SPLITS) {
    if (!Array.isArray(f[s]) || f[s].some((n) => typeof n !== 'string')) throw new Error(`${p}: '${s}' is not a list of file names`);
  }
  return f;
}

/** Written atomically (temp file + rename), names sorted, so a rebuild gives the same bytes. */
export async function writeJsonFile(p: string, value: unknown, pretty = true): Promise<void> {
  await mkdir(path.dirname(p), { recursive: true });
  const tmp = `${p}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(value, null, pretty ? 2 : undefined) + '\n');
  await rename(tmp, p);
}
