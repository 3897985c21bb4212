import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('../../fixtures/datasets', import.meta.url));
export const BCCD_DIR = path.join(FIXTURES, 'bccd');
export const TXL_DIR = path.join(FIXTURES, 'txl-pbc');
export const BCCD_IMAGES = path.join(BCCD_DIR, 'BCCD', 'JPEGImages');

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'leukodiff-datasets-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
