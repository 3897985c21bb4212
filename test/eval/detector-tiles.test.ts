import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { Box } from '../../src/core/types.ts';
import type { CocoDataset } from '../../src/eval/coco-types.ts';
import { trainingTiles } from '../../src/eval/detector-tiles.ts';
import { detectorView } from '../../src/core/analysis/detector-view.ts';
import { ROOT } from '../helpers/paths.ts';

const exec = promisify(execFile);

// Four tiles of 100 px over a 180 px square, 20 px overlap, as detectorView cuts them.
const TILES: Box[] = [
  [0, 0, 100, 100],
  [80, 0, 180, 100],
  [0, 80, 100, 180],
  [80, 80, 180, 180],
];
const half = () => 0.5;

describe('trainingTiles', () => {
  it('takes, for each leukocyte, the tile that holds it whole nearest its middle, each tile once', () => {
    // Whole in tiles 0 and 1, nearer the middle of 1; the second cell lies in tile 1 only.
    const chosen = trainingTiles(
      TILES,
      [
        [84, 40, 100, 56],
        [150, 10, 170, 30],
      ],
      0,
      half,
    );
    expect(chosen.map((c) => c.tile)).toEqual([TILES[1]]);
    expect(chosen[0]!.boxes).toEqual([
      [4, 40, 20, 56],
      [70, 10, 90, 30],
    ]);
  });

  it('keeps a cell cut by the tile where at least 45 % of it is inside, in tile pixels', () => {
    // A cell whole in tile 2 only; another cut by tile 2's right edge (half inside) and one a quarter inside.
    const chosen = trainingTiles(
      TILES,
      [
        [10, 150, 30, 170],
        [90, 100, 110, 120],
        [95, 130, 115, 150],
      ],
      0,
      half,
    );
    const tile2 = chosen.find((c) => c.tile === TILES[2])!;
    expect(tile2.boxes).toEqual([
      [10, 70, 30, 90],
      [90, 20, 100, 40],
    ]);
  });

  it('adds tiles without a leukocyte, evenly, and never one a leukocyte touches', () => {
    const many: Box[] = Array.from({ length: 10 }, (_, i) => [i * 50, 0, i * 50 + 60, 60]);
    const chosen = trainingTiles(many, [[5, 5, 25, 25]], 3, () => 0);
    const empty = chosen.filter((c) => c.boxes.length === 0).map((c) => many.indexOf(c.tile));
    expect(empty).toEqual([1, 4, 7]);
    expect(trainingTiles(many, [[5, 5, 25, 25]], 50, half)).toHaveLength(10);
    // A cell whole in tile 2 that only reaches into tile 1: tile 1 is not an empty tile.
    const touched = trainingTiles(
      many,
      [
        [5, 5, 25, 25],
        [105, 5, 115, 15],
      ],
      3,
      () => 0,
    );
    expect(touched.filter((c) => c.boxes.length === 0).map((c) => many.indexOf(c.tile))).toEqual([3, 5, 7]);
  });

  it('gives no tile to a leukocyte larger than every tile, and none at all for a field without cells and no empty share', () => {
    expect(trainingTiles(TILES, [[0, 0, 170, 170]], 0, half)).toEqual([]);
    expect(trainingTiles(TILES, [], 0, half)).toEqual([]);
  });
});

async function script(args: string[]) {
  try {
    const r = await exec(process.execPath, [path.join(ROOT, 'bin', 'run-ts.mjs'), path.join(ROOT, 'scripts', 'detector-tiles.ts'), ...args]);
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('scripts/detector-tiles.ts', () => {
  it('cuts a YOLO set at a given scale into the daemon tiles that hold its leukocytes, in tile pixels', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ld-tiles-'));
    mkdirSync(path.join(dir, 'set', 'images'), { recursive: true });
    mkdirSync(path.join(dir, 'set', 'labels'));
    writeFileSync(path.join(dir, 'set', 'data.yaml'), 'names: [WBC]\n');
    // A 480x360 field with one dark 30 px leukocyte at (120..150, 200..230), off the middle.
    const cell = await sharp({ create: { width: 30, height: 30, channels: 3, background: '#301060' } })
      .png()
      .toBuffer();
    await sharp({ create: { width: 480, height: 360, channels: 3, background: '#d8c8d0' } })
      .composite([{ input: cell, left: 120, top: 200 }])
      .png()
      .toFile(path.join(dir, 'set', 'images', 'f.png'));
    writeFileSync(path.join(dir, 'set', 'labels', 'f.txt'), `0 ${135 / 480} ${215 / 360} ${30 / 480} ${30 / 360}\n`);
    // 0.5 um/px: red cells of 15 px, so the field spans 32 of them and is cut into tiles.
    const out = path.join(dir, 'out');
    const r = await script(['--dataset', path.join(dir, 'set'), '--out', out, '--scale', '0.5', '--empty-per-field', '1']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const coco = JSON.parse(readFileSync(path.join(out, 'tiles.json'), 'utf8')) as CocoDataset;
    expect(coco.images).toHaveLength(2);
    expect(coco.annotations).toHaveLength(1);
    const withCell = coco.images.find((im) => im.id === coco.annotations[0]!.image_id)!;
    const [x0, y0] = withCell.file_name.replace('.png', '').split('-').slice(-2).map(Number) as [number, number];
    const view = detectorView(480, 360, 15);
    expect(view.kind).toBe('tiles');
    const daemonTiles = view.kind === 'tiles' ? view.tiles : [];
    expect(daemonTiles).toContainEqual([x0, y0, x0 + withCell.width, y0 + withCell.height]);
    const [bx, by, bw, bh] = coco.annotations[0]!.bbox;
    expect([bx, by, bw, bh]).toEqual([120 - x0, 200 - y0, 30, 30]);
    // The tile's pixels are the field's: the box's middle is the dark cell, its corner's outside the background.
    const { data, info } = await sharp(path.join(out, withCell.file_name)).raw().toBuffer({ resolveWithObject: true });
    const at = (x: number, y: number) => [...data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3)];
    expect(at(bx + 15, by + 15)).toEqual([0x30, 0x10, 0x60]);
    expect(at(Math.max(0, bx - 3), Math.max(0, by - 3))).toEqual([0xd8, 0xc8, 0xd0]);
    expect([info.width, info.height]).toEqual([withCell.width, withCell.height]);
    expect(existsSync(path.join(out, coco.images.find((im) => im !== withCell)!.file_name))).toBe(true);
  });

  it('refuses an unknown option and a scale given twice with one line and exit 2', async () => {
    for (const args of [
      ['--dataset', 'x', '--out', 'y', '--sclae', '0.5'],
      ['--dataset', 'x', '--out', 'y', '--scale', '0.5', '--calibrate'],
    ]) {
      const r = await script(args);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^detector-tiles: /);
    }
  });

  it('refuses a missing dataset with one line and exit 2', async () => {
    const r = await script(['--dataset', '/nonexistent/set', '--out', path.join(tmpdir(), 'ld-tiles-none')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^detector-tiles: \/nonexistent\/set: /);
  });
});
