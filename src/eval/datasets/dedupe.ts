/** Exact duplicates: boxes repeated within a field, and images repeated across datasets. */
import type { Field, FieldBox, SplitName } from './types.ts';

/** Drops boxes identical in kind, type and all four coordinates to an earlier box of the field. */
export function dedupeBoxes(boxes: readonly FieldBox[]): { boxes: FieldBox[]; dropped: number } {
  const seen = new Set<string>();
  const out: FieldBox[] = [];
  for (const b of boxes) {
    const key = `${b.kind}|${b.type}|${b.box.join(',')}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(b);
  }
  return { boxes: out, dropped: boxes.length - out.length };
}

/** Fields grouped by image content. */
export function groupByHash(fields: readonly Field[]): Map<string, Field[]> {
  const out = new Map<string, Field[]>();
  for (const f of fields) {
    const list = out.get(f.sha256);
    if (list) list.push(f);
    else out.set(f.sha256, [f]);
  }
  return out;
}

export interface LeakReport {
  sha256: string;
  /** '<set>:<split>:<name>' of every copy. */
  places: string[];
}

/**
 * Every image hash that appears in more than one split, over all the given sets together
 * (a field of set A's test that is byte-identical to a field of set B's train is a leak).
 */
export function findLeaks(sets: { set: string; splits: Record<SplitName, readonly Field[]> }[]): LeakReport[] {
  const where = new Map<string, { splits: Set<SplitName>; places: string[] }>();
  for (const { set, splits } of sets) {
    for (const [split, fields] of Object.entries(splits) as [SplitName, readonly Field[]][]) {
      for (const f of fields) {
        const w = where.get(f.sha256) ?? { splits: new Set<SplitName>(), places: [] };
        w.splits.add(split);
        w.places.push(`${set}:${split}:${f.name}`);
        where.set(f.sha256, w);
      }
    }
  }
  return [...where].filter(([, w]) => w.splits.size > 1).map(([sha256, w]) => ({ sha256, places: w.places }));
}
