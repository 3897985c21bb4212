import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FieldRepo } from '../../../src/box/store/fields.ts';
import { ImageFiles } from '../../../src/box/store/image-files.ts';
import { testApp } from '../../helpers/app.ts';
import { inspectDataDir } from '../../helpers/data-dir.ts';
import { analysed, createSample, fieldJpeg, upload } from '../../helpers/workflow.ts';

/** A small tmpfs, when this machine lets us mount one (root in a container usually can). */
function mountTmpfs(bytes: number): string | null {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'leukodiff-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
}
const unmount = (dir: string) => {
  execFileSync('umount', [dir], { stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
};

const noisyJpeg = (seed: number) =>
  sharp(randomBytes(520 * 400 * 3), { raw: { width: 520, height: 400, channels: 3 } })
    .jpeg({ quality: 92 + (seed % 3) })
    .toBuffer();

describe('disk full', () => {
  const mounts: string[] = [];
  afterAll(() => mounts.forEach(unmount));

  it('refuses uploads cleanly (507) when the reserve is reached, and analyses everything it accepted', async (t) => {
    const dir = mountTmpfs(6 * 2 ** 20);
    if (!dir) return t.skip();
    mounts.push(dir);
    const app = await testApp({ dataDir: dir, minFreeBytes: 2 * 2 ** 20, maxUploadBytes: 2 * 2 ** 20 });
    try {
      const id = await createSample(app, { reference: 'FULL-1' });
      const accepted: string[] = [];
      let refusal;
      for (let i = 0; i < 30 && !refusal; i++) {
        const res = await upload(app, id, await noisyJpeg(i));
        if (res.statusCode === 202) accepted.push(res.json().id);
        else refusal = res;
      }
      expect(accepted.length).toBeGreaterThan(2);
      expect(refusal!.statusCode).toBe(507);
      expect(refusal!.json()).toEqual({ error: 'disk_full', message: expect.stringMatching(/^the data disk is almost full: the photo was not stored/) });
      const s = await analysed(app, id);
      expect(s.fields.map((f: { id: string; status: string }) => [f.id, f.status])).toEqual(accepted.map((fid) => [fid, 'analysed']));
    } finally {
      await app.close();
    }
    const report = inspectDataDir(dir);
    expect(report).toMatchObject({ integrity: 'ok', foreignKeyErrors: 0, missingOrDamaged: [], orphans: [], tempFiles: 0 });
  });

  it('without a reserve, turns ENOSPC and SQLITE_FULL into 507 and keeps every acknowledged field', async (t) => {
    const dir = mountTmpfs(3 * 2 ** 20);
    if (!dir) return t.skip();
    mounts.push(dir);
    const app = await testApp({ dataDir: dir, minFreeBytes: 0, maxUploadBytes: 2 * 2 ** 20 });
    const accepted: string[] = [];
    try {
      const id = await createSample(app, { reference: 'FULL-2' });
      let refusal;
      for (let i = 0; i < 30 && !refusal; i++) {
        const res = await upload(app, id, await noisyJpeg(100 + i));
        if (res.statusCode === 202) accepted.push(res.json().id);
        else refusal = res;
      }
      expect(refusal!.statusCode).toBe(507);
      expect(refusal!.json().error).toBe('disk_full');
      // Reads still work on a full disk.
      const s = (await app.inject({ url: `/api/samples/${id}` })).json();
      expect(s.fields.map((f: { id: string }) => f.id)).toEqual(accepted);
    } finally {
      await app.close();
    }
    const report = inspectDataDir(dir);
    expect(report.integrity).toBe('ok');
    expect(report.missingOrDamaged).toEqual([]);
    expect(report.orphans).toEqual([]);
    expect(report.fields.map((f) => f.id)).toEqual(accepted);

    // Space again (a bigger disk): every acknowledged field is analysed, once.
    execFileSync('mount', ['-o', `remount,size=${8 * 2 ** 20}`, dir], { stdio: 'ignore' });
    const again = await testApp({ dataDir: dir, minFreeBytes: 0 });
    try {
      const s = await analysed(again, report.fields[0].sample_id);
      expect(s.fields.map((f: { id: string; status: string }) => [f.id, f.status])).toEqual(accepted.map((id) => [id, 'analysed']));
      expect(s.fields.every((f: { cells: unknown[] }) => f.cells.length === 2)).toBe(true);
    } finally {
      await again.close();
    }
  });
});

describe('disk full, simulated (any machine)', () => {
  let app: Awaited<ReturnType<typeof testApp>>;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'leukodiff-enospc-'));
    mkdirSync(dir, { recursive: true });
    app = await testApp({ dataDir: dir });
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 507 when the image write fails with ENOSPC, and when SQLite is full, leaving no file behind', async () => {
    const id = await createSample(app, { reference: 'SIM-1' });
    expect((await upload(app, id, await fieldJpeg(200))).statusCode).toBe(202);
    const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    const put = vi.spyOn(ImageFiles.prototype, 'put').mockRejectedValueOnce(enospc);
    let res = await upload(app, id, await fieldJpeg(201));
    expect(res.statusCode).toBe(507);
    expect(res.json().error).toBe('disk_full');
    put.mockRestore();

    const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    const insert = vi.spyOn(FieldRepo.prototype, 'insertQueued').mockImplementationOnce(() => {
      throw full;
    });
    res = await upload(app, id, await fieldJpeg(202));
    expect(res.statusCode).toBe(507);
    insert.mockRestore();

    await analysed(app, id);
    const report = inspectDataDir(dir);
    expect(report.fields).toHaveLength(1);
    expect(report.orphans).toEqual([]);
    expect(report.integrity).toBe('ok');
    // The same photos go in once there is space again.
    expect((await upload(app, id, await fieldJpeg(201))).statusCode).toBe(202);
    expect((await upload(app, id, await fieldJpeg(202))).statusCode).toBe(202);
  });
});
