import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import errorsPlugin from '../../../src/box/server/plugins/errors.ts';
import { InputError } from '../../../src/core/errors.ts';
import { diskSpace, ensureFreeSpace, StorageFullError, type StatFs } from '../../../src/box/deploy/disk-guard.ts';

const MB = 1024 * 1024;
const fakeFs =
  (freeBytes: number): StatFs =>
  async () => ({ bavail: freeBytes / 4096, blocks: (1024 * MB) / 4096, bsize: 4096 });

describe('disk guard', () => {
  it('refuses below the floor with a 507 and a message the nurse can act on', async () => {
    const err = await ensureFreeSpace('/data', 64 * MB, 0, fakeFs(12 * MB)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageFullError);
    // The API's error handler answers InputErrors with their status and code.
    expect(err).toBeInstanceOf(InputError);
    const e = err as StorageFullError;
    expect(e.status).toBe(507);
    expect(e.statusCode).toBe(507);
    expect(e.code).toBe('disk_full');
    expect(e.message).toBe('the data disk is almost full: the photo was not stored (12 MB free); sync and remove old samples, or free space, then try again');
  });

  it('counts the incoming upload against the floor', async () => {
    await expect(ensureFreeSpace('/data', 64 * MB, 0, fakeFs(100 * MB))).resolves.toEqual({ freeBytes: 100 * MB, totalBytes: 1024 * MB });
    await expect(ensureFreeSpace('/data', 64 * MB, 40 * MB, fakeFs(100 * MB))).rejects.toThrow(/100 MB free/);
  });

  it('reads the real file system like df does', async () => {
    const dir = tmpdir();
    const space = await diskSpace(dir);
    const [, avail, size] = execFileSync('df', ['-B1', '--output=target,avail,size', dir], { encoding: 'utf8' }).trim().split('\n')[1].trim().split(/\s+/).map(Number);
    expect(space.totalBytes).toBe(size);
    // Other writers share this disk: allow some drift between the two readings.
    expect(Math.abs(space.freeBytes - avail)).toBeLessThan(256 * MB);
    await expect(ensureFreeSpace(dir, 0)).resolves.toMatchObject({ totalBytes: size });
    await expect(ensureFreeSpace(dir, space.totalBytes + 1)).rejects.toBeInstanceOf(StorageFullError);
  });

  it('reaches the screen as a 507 with the message through the API error handler', async () => {
    const app = Fastify({ logger: false });
    await app.register(errorsPlugin);
    app.post('/capture', async () => {
      await ensureFreeSpace('/data', 64 * MB, 0, fakeFs(3 * MB));
      return {};
    });
    const res = await app.inject({ method: 'POST', url: '/capture' });
    expect(res.statusCode).toBe(507);
    expect(res.json()).toEqual({
      error: 'disk_full',
      message: 'the data disk is almost full: the photo was not stored (3 MB free); sync and remove old samples, or free space, then try again',
    });
    await app.close();
  });
});
