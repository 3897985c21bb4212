import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileDurable } from '../../../src/box/store/durable-file.ts';
import { ImageFiles } from '../../../src/box/store/image-files.ts';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('ImageFiles', () => {
  let dir: string;
  let files: ImageFiles;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'leukodiff-img-'));
    files = new ImageFiles(dir);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('stores bytes under their hash, once, and leaves no temporary file', async () => {
    const bytes = Buffer.from('not really a jpeg, but bytes');
    const h = sha(bytes);
    expect(await files.put(h, bytes)).toBe(true);
    expect(await files.put(h, bytes)).toBe(false);
    expect(files.pathOf(h)).toBe(path.join(dir, 'images', h.slice(0, 2), h));
    expect(readFileSync(files.pathOf(h))).toEqual(bytes);
    expect(readdirSync(path.join(dir, 'tmp'))).toEqual([]);
    expect(await files.list()).toEqual([h]);
  });

  it('refuses anything but a sha256 as a name (no path traversal)', () => {
    for (const bad of ['../../etc/passwd', 'A'.repeat(64), 'a'.repeat(63), `${'a'.repeat(62)}/.`]) expect(() => files.pathOf(bad)).toThrow(/not a sha256/);
  });

  it('sweeps orphaned images and temporary files, keeping referenced ones', async () => {
    const keep = Buffer.from('keep');
    const drop = Buffer.from('drop');
    await files.put(sha(keep), keep);
    await files.put(sha(drop), drop);
    writeFileSync(path.join(dir, 'tmp', 'half-written.tmp'), 'x');
    const swept = await files.sweep((h) => h === sha(keep));
    expect(swept).toEqual({ orphans: [sha(drop)], temporary: 1 });
    expect(await files.list()).toEqual([sha(keep)]);
    expect(readdirSync(path.join(dir, 'tmp'))).toEqual([]);
  });

  it('makes a derived image once, even when asked concurrently, and keeps it', async () => {
    let made = 0;
    const make = async () => {
      made++;
      await new Promise((r) => setTimeout(r, 10));
      return Buffer.from('jpeg');
    };
    const [a, b] = await Promise.all([files.derived('thumb', 'k1', make), files.derived('thumb', 'k1', make)]);
    expect(a).toEqual(Buffer.from('jpeg'));
    expect(b).toEqual(a);
    expect(await files.derived('thumb', 'k1', make)).toEqual(a);
    expect(made).toBe(1);
    expect(existsSync(path.join(dir, 'derived', 'thumb', 'k1.jpg'))).toBe(true);
    await expect(files.derived('crop', '../x', make)).rejects.toThrow(/bad derived key/);
  });
});

describe('writeFileDurable', () => {
  it('leaves neither the target nor a temporary file when the write fails', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'leukodiff-dur-'));
    const tmp = path.join(dir, 'tmp');
    const target = path.join(dir, 'missing-folder', 'file');
    mkdirSync(tmp);
    await expect(writeFileDurable(target, Buffer.from('x'), tmp)).rejects.toThrow(/ENOENT/);
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(tmp)).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  });
});
