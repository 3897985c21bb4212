import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { run } from '../../../src/cli/commands/dataset.ts';
import type { CocoDataset } from '../../../src/eval/datasets/coco.ts';
import { BCCD_DIR, BCCD_IMAGES, TXL_DIR, withTempDir } from './helpers.ts';

const SPLITS = ['train', 'val', 'test'] as const;

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    const code = await run(argv);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

const build = (dir: string, ...extra: string[]): Promise<{ code: number; out: string; err: string }> =>
  cli(['--bccd', BCCD_DIR, '--txl', TXL_DIR, '--out', path.join(dir, 'out'), '--splits', path.join(dir, 'splits'), ...extra]);

const readJson = async <T = CocoDataset>(p: string): Promise<T> => JSON.parse(await readFile(p, 'utf8')) as T;

async function splitOf(outDir: string, set: string): Promise<Record<string, string>> {
  const where: Record<string, string> = {};
  for (const s of SPLITS) for (const img of (await readJson(path.join(outDir, set, `${s}.json`))).images) where[img.file_name] = s;
  return where;
}

afterEach(() => vi.restoreAllMocks());

describe('leukodiff dataset (end to end on the fixtures)', () => {
  it('writes both COCO sets with their categories, unknown types, dropped duplicate boxes and the split files', async () => {
    await withTempDir(async (dir) => {
      const res = await build(dir);
      expect(res.err).toBe('');
      expect(res.code).toBe(0);
      expect(res.out).toMatch(/exact duplicate boxes dropped: 0 in bccd-typed, 20 in txl-wbc/);
      expect(res.out).toMatch(/2 BCCD fields are byte-identical to TXL-PBC fields/);
      expect(res.out).toMatch(/1 types without a box \(fields left out\)/);
      const out = path.join(dir, 'out');

      const bccd = await Promise.all(SPLITS.map((s) => readJson(path.join(out, 'bccd-typed', `${s}.json`))));
      expect(bccd[0].categories.map((c) => `${c.id} ${c.name} ${c.code}`)).toEqual(['1 neutrophil NG', '2 eosinophil EG', '3 basophil BG', '4 lymphocyte L', '5 monocyte M']);
      expect(bccd[0].info.image_root).toBe(BCCD_IMAGES);
      const all = bccd.flatMap((d) => d.images.map((img) => ({ img, anns: d.annotations.filter((a) => a.image_id === img.id) })));
      expect(all.map((x) => x.img.file_name).sort()).toEqual(['00010', '00065', '00117', '00167', '00387', '00388', '00389'].map((n) => `BloodImage_${n}.jpg`));
      const anns = (n: string): CocoDataset['annotations'] => all.find((x) => x.img.file_name === `BloodImage_${n}.jpg`)!.anns;
      expect(anns('00010').map((a) => [a.category_id, a.type_unknown])).toEqual([
        [0, true],
        [0, true],
      ]);
      expect(anns('00117').map((a) => [a.category_id, a.type_unknown])).toEqual([[0, true]]);
      expect(anns('00065').map((a) => a.category_id)).toEqual([1, 1]);
      expect(anns('00387').map((a) => a.category_id)).toEqual([2]);
      expect(anns('00389')).toEqual([expect.objectContaining({ category_id: 1, bbox: [0, 10, 222, 211], area: 222 * 211, iscrowd: 0 })]);

      const txl = await Promise.all(SPLITS.map((s) => readJson(path.join(out, 'txl-wbc', `${s}.json`))));
      expect(txl[0].categories.map((c) => c.name)).toEqual(['WBC', 'RBC', 'Platelets']);
      expect(txl.map((d) => d.images.length)).toEqual([2, 2, 2]);
      expect(txl[2].annotations).toHaveLength(61 - 20);
      const asLabelled = await readJson(path.join(out, 'txl-wbc', 'test-as-labelled.json'));
      expect(asLabelled.images.map((i) => i.file_name)).toEqual(txl[2].images.map((i) => i.file_name));
      expect(asLabelled.annotations).toHaveLength(61);
      const wbcOf = (d: CocoDataset, name: string): number => {
        const id = d.images.find((i) => i.file_name.includes(name))!.id;
        return d.annotations.filter((a) => a.image_id === id && a.category_id === 1).length;
      };
      expect(wbcOf(asLabelled, '4e2139d2')).toBe(6);
      expect(wbcOf(txl[2], '4e2139d2')).toBe(1);

      const bccdSplit = await readJson<Record<string, unknown>>(path.join(dir, 'splits', 'bccd-typed.json'));
      expect(bccdSplit).toMatchObject({ set: 'bccd-typed', seed: 1 });
      const txlSplit = await readJson<Record<string, string[]>>(path.join(dir, 'splits', 'txl-wbc.json'));
      expect(txlSplit.test).toEqual(['test/4e2139d2-7d0c-56a5-91d5-abfa72c21efa.jpg', 'test/f38d1de4-ec58-55a4-854b-c6f79422edb6.jpg']);
    });
  });

  it('puts a BCCD field that is byte-identical to a TXL-PBC field into the TXL-PBC split, whatever the seed', async () => {
    await withTempDir(async (dir) => {
      for (const seed of ['1', '2', '3', '4', '5']) {
        expect((await build(dir, '--resplit', '--seed', seed)).code).toBe(0);
        const bccd = await splitOf(path.join(dir, 'out'), 'bccd-typed');
        const txl = await splitOf(path.join(dir, 'out'), 'txl-wbc');
        expect(bccd['BloodImage_00167.jpg']).toBe('test');
        expect(txl['test/f38d1de4-ec58-55a4-854b-c6f79422edb6.jpg']).toBe('test');
        expect(bccd['BloodImage_00388.jpg']).toBe('val');
        expect(txl['val/ac327618-bea5-5311-bc90-765a97846beb.jpg']).toBe('val');
      }
    });
  });

  it('leaks no image: every image of every split of both sets, hashed from its bytes, is in one split only', async () => {
    await withTempDir(async (dir) => {
      expect((await build(dir)).code).toBe(0);
      const splitsOfHash = new Map<string, Set<string>>();
      let images = 0;
      for (const set of ['bccd-typed', 'txl-wbc']) {
        for (const s of SPLITS) {
          const d = await readJson(path.join(dir, 'out', set, `${s}.json`));
          for (const img of d.images) {
            const bytes = await readFile(path.resolve(String(d.info.image_root), img.file_name));
            const h = createHash('sha256').update(bytes).digest('hex');
            expect(img.sha256).toBe(h);
            const seen = splitsOfHash.get(h) ?? new Set<string>();
            seen.add(s);
            splitsOfHash.set(h, seen);
            images++;
          }
        }
      }
      expect(images).toBe(7 + 6);
      expect(splitsOfHash.size).toBe(images - 2); // the two cross-set copies
      for (const [h, seen] of splitsOfHash) expect([h, [...seen]]).toEqual([h, [expect.any(String)]]);
    });
  });

  it('gives the same bytes again from the split files, and the same splits again from the same seed', async () => {
    await withTempDir(async (dir) => {
      const snapshot = async (root: string): Promise<Record<string, string>> => {
        const o: Record<string, string> = {};
        for (const sub of await readdir(root, { recursive: true })) {
          // summary.json says where the splits came from, which is meant to differ
          if (sub.endsWith('.json') && sub !== 'summary.json') o[sub] = await readFile(path.join(root, sub), 'utf8');
        }
        return o;
      };
      expect((await build(dir, '--seed', '9')).code).toBe(0);
      const first = { out: await snapshot(path.join(dir, 'out')), splits: await snapshot(path.join(dir, 'splits')) };
      const again = await build(dir);
      expect(again.code).toBe(0);
      expect(again.out).toMatch(/bccd-typed \(seed 9; splits from /);
      expect(await snapshot(path.join(dir, 'out'))).toEqual(first.out);
      expect((await build(dir, '--resplit', '--seed', '9')).code).toBe(0);
      expect(await snapshot(path.join(dir, 'splits'))).toEqual(first.splits);
      expect(await snapshot(path.join(dir, 'out'))).toEqual(first.out);
    });
  });

  it('refuses split files that do not match the data or that would leak an image (exit 2)', async () => {
    await withTempDir(async (dir) => {
      expect((await build(dir)).code).toBe(0);
      const p = path.join(dir, 'splits', 'bccd-typed.json');
      const file = await readJson<Record<string, unknown> & { train: string[]; val: string[]; test: string[] }>(p);
      // 00167 is in TXL-PBC's test: moving it to train would leak it.
      await writeFile(p, JSON.stringify({ ...file, train: [...file.train, 'BloodImage_00167.jpg'], test: file.test.filter((n) => n !== 'BloodImage_00167.jpg') }));
      let res = await build(dir);
      expect(res.code).toBe(2);
      expect(res.err).toMatch(/more than one split .*BloodImage_00167\.jpg.*--resplit/);
      await writeFile(p, JSON.stringify({ ...file, train: file.train.slice(1) }));
      res = await build(dir);
      expect(res.code).toBe(2);
      expect(res.err).toMatch(/1 fields not in it/);
      res = await build(dir, '--resplit');
      expect(res.code).toBe(0);
      expect(await readJson(p)).toEqual(file);
      res = await build(dir, '--seed', '2');
      expect(res.code).toBe(2);
      expect(res.err).toMatch(/made with seed 1, not 2; add --resplit/);
    });
  });

  it('answers bad arguments with one line on stderr and exit 2', async () => {
    await withTempDir(async (dir) => {
      const cases: [string[], RegExp][] = [
        [[], /--bccd is required/],
        [['--bccd', BCCD_DIR, '--txl', TXL_DIR], /--out is required/],
        [['--bccd', BCCD_DIR, '--txl', TXL_DIR, '--out', dir, '--frobnicate'], /unknown argument '--frobnicate'/],
        [['--bccd', BCCD_DIR, '--txl', TXL_DIR, '--out', dir, '--seed', 'abc'], /--seed must be a whole number/],
        [['--bccd', BCCD_DIR, '--txl', TXL_DIR, '--out'], /--out needs a value/],
        [['--bccd', path.join(dir, 'nope'), '--txl', TXL_DIR, '--out', dir], /nope: no such folder/],
        [['--bccd', BCCD_DIR, '--txl', BCCD_DIR, '--out', dir], /no TXL_PBC\/images or images folder/],
        [['--bccd', TXL_DIR, '--txl', TXL_DIR, '--out', dir], /no BCCD\/Annotations or Annotations folder/],
      ];
      for (const [argv, msg] of cases) {
        const res = await cli(argv);
        expect(res.code, argv.join(' ')).toBe(2);
        expect(res.err).toMatch(msg);
        expect(res.err.trimEnd().split('\n')).toHaveLength(1);
        expect(res.out).toBe('');
      }
      expect((await cli(['--help'])).out).toMatch(/usage: leukodiff dataset/);
    });
  });
});
