/** File helpers shared by backups and update bundles: hashing, durable copies, content-addressed walks. */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, open, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';

export const SHA256_NAME = /^[0-9a-f]{64}$/;

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function fsyncPath(p: string): Promise<void> {
  const fh = await open(p, 'r');
  try {
    await fh.sync();
  } catch (err) {
    // Some file systems (vfat on a USB stick, for a directory) refuse fsync on a directory.
    if ((err as NodeJS.ErrnoException).code !== 'EINVAL' && (err as NodeJS.ErrnoException).code !== 'EISDIR') throw err;
  } finally {
    await fh.close();
  }
}

export function tempSibling(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.tmp-${randomBytes(4).toString('hex')}`);
}

/** Writes dst through `write` into a temp sibling + fsync + rename: dst is either absent or complete. */
export async function writeThroughTemp(dst: string, write: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = tempSibling(dst);
  try {
    await write(tmp);
    await fsyncPath(tmp);
    await rename(tmp, dst);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Copies src to dst through a temp file + fsync + rename, then syncs the folder. */
export async function copyFileDurable(src: string, dst: string): Promise<void> {
  await writeThroughTemp(dst, (tmp) => copyFile(src, tmp));
  await fsyncPath(path.dirname(dst));
}

/** Content-addressed image files under `dir` (<aa>/<sha256>), as [sha256, path] pairs. */
export async function listHashedFiles(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const shards = await readdir(dir).catch(() => [] as string[]);
  for (const shard of shards) {
    if (!/^[0-9a-f]{2}$/.test(shard)) continue;
    const names = await readdir(path.join(dir, shard)).catch(() => [] as string[]);
    for (const name of names) if (SHA256_NAME.test(name) && name.startsWith(shard)) out.set(name, path.join(dir, shard, name));
  }
  return out;
}

export function hashedPath(dir: string, sha256: string): string {
  return path.join(dir, sha256.slice(0, 2), sha256);
}
