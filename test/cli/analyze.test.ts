import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeBadImages } from '../helpers/bad-images.ts';
import { DEMO_IMAGES, FIXTURE_MODELS, ROOT } from '../helpers/paths.ts';

const exec = promisify(execFile);

async function cli(args: string[], env: Record<string, string> = {}) {
  try {
    const r = await exec(process.execPath, [path.join(ROOT, 'bin', 'leukodiff.mjs'), ...args], {
      env: { ...process.env, LEUKODIFF_MODELS: FIXTURE_MODELS, LEUKODIFF_BACKEND: 'onnxruntime', ...env },
      cwd: ROOT,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const demo = () =>
  readdirSync(DEMO_IMAGES)
    .filter((f) => /\.(jpe?g|png)$/i.test(f))
    .map((f) => path.join(DEMO_IMAGES, f));

describe('leukodiff analyze', () => {
  let dir: string;
  let bad: Record<string, string>;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'ld-cli-'));
    bad = await writeBadImages(path.join(dir, 'bad'));
  });

  it('takes a known scale and who types the cells, and refuses bad values in one line', async () => {
    const r = await cli(['analyze', demo()[0], '--scale', '0.09', '--typing', 'detectors', '--json']);
    expect(r.code).toBe(0);
    const field = JSON.parse(r.stdout).fields[0];
    expect(field.scale).toEqual({ umPerPixel: 0.09, source: 'given', rbcCount: 0 });
    expect(field.typing).toBe('detectors');
    for (const [flag, value, message] of [
      ['--scale', 'abc', /scale must be a positive number/],
      ['--scale', '40', /outside 0.005 to 5/],
      ['--typing', 'votes', /--typing must be classifier or detectors/],
    ] as const) {
      const bad = await cli(['analyze', demo()[0], flag, value]);
      expect(bad.code).toBe(2);
      expect(bad.stderr.trim().split('\n')).toHaveLength(1);
      expect(bad.stderr).toMatch(message);
    }
  });

  it('prints cells, warnings and the differential per field', async () => {
    const r = await cli(['analyze', demo()[0]]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/== .* \(\d+x\d+\)/);
    expect(r.stdout).toMatch(/\d+ cells:/);
    expect(r.stdout).toMatch(/differential \(2 cells\):\n {2}neutrophil/);
  });

  it('prints one JSON object with every field and the total differential, and writes overlays', async () => {
    const images = demo().slice(0, 2);
    const overlay = path.join(dir, 'out.png');
    const r = await cli(['analyze', ...images, '--json', '--overlay', overlay, '--ensemble', 'nms']);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout);
    expect(body.backend.name).toBe('onnxruntime');
    expect(body.fields).toHaveLength(2);
    expect(body.fields[0].fusion).toBe('nms');
    expect(body.differential.total).toBe(body.fields[0].cells.length + body.fields[1].cells.length);
    for (const img of images) {
      const out = path.join(dir, `out-${path.basename(img, path.extname(img))}.png`);
      expect(existsSync(out)).toBe(true);
      const meta = await sharp(out).metadata();
      expect(meta.format).toBe('png');
    }
  });

  it.each(['zero-byte.jpg', 'truncated.jpg', 'document.jpg', 'notes.jpg', 'one-pixel.png', 'bomb.png', 'missing.jpg'])('refuses %s with exit code 2 and one line on stderr', async (name) => {
    const r = await cli(['analyze', bad[name]]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^leukodiff analyze: .*${name.replace('.', '\\.').replace('missing', 'does-not-exist')}: \\S`));
    expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it('analyses the good images and still exits 2 when one of several is bad', async () => {
    const r = await cli(['analyze', demo()[0], bad['notes.jpg']]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/cells:/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('refuses bad arguments with exit code 2', async () => {
    expect((await cli(['analyze'])).code).toBe(2);
    expect((await cli(['analyze', demo()[0], '--ensemble', 'majority'])).stderr).toMatch(/paper/);
    expect((await cli(['analyze', '--frobnicate', demo()[0]])).code).toBe(2);
    expect((await cli(['frobnicate'])).code).toBe(2);
  });

  it('refuses to start on a damaged model set with one line naming the file', async () => {
    const r = await cli(['analyze', demo()[0]], { LEUKODIFF_MODELS: path.join(dir, 'no-models') });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^leukodiff analyze: no model manifest at .*no-models\/manifest\.json/);
  });
});
