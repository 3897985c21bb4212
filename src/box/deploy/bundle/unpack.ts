/** Unpacks a verified bundle into a new folder, checking every file against the signed manifest. */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { chmod, mkdir, open, symlink, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { createGunzip } from 'node:zlib';
import { BundleError } from './format.ts';
import type { OpenedBundle } from './verify.ts';

export const RELEASE_MARKER = '.leukodiff-release.json';

export async function unpackBundle(opened: OpenedBundle, dest: string): Promise<void> {
  const { manifest } = opened;
  if (existsSync(dest)) throw new BundleError(`${dest} already exists`);
  await mkdir(dest, { recursive: true });
  const made = new Set<string>();
  const ensureDir = async (dir: string) => {
    if (made.has(dir)) return;
    await mkdir(dir, { recursive: true });
    made.add(dir);
  };

  let i = 0;
  let fh: FileHandle | null = null;
  let remaining = 0;
  let hash = createHash('sha256');
  const finish = async () => {
    const f = manifest.files[i];
    await fh?.close();
    fh = null;
    if (hash.digest('hex') !== f.sha256) throw new BundleError(`${f.path} does not match its hash in the manifest: refused`);
    await chmod(path.join(dest, f.path), f.mode);
    i++;
  };
  // Opens the next file with bytes to receive, creating (and checking) empty files on the way.
  const next = async (): Promise<boolean> => {
    while (i < manifest.files.length) {
      const f = manifest.files[i];
      const target = path.join(dest, f.path);
      await ensureDir(path.dirname(target));
      hash = createHash('sha256');
      fh = await open(target, 'wx', 0o600);
      remaining = f.size;
      if (remaining > 0) return true;
      await finish();
    }
    return false;
  };

  const end = opened.payloadOffset + manifest.payload.bytes - 1;
  const stream = manifest.payload.bytes > 0 ? createReadStream(opened.file, { start: opened.payloadOffset, end }).pipe(createGunzip()) : [];
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let off = 0;
      while (off < chunk.length) {
        if (!fh && !(await next())) throw new BundleError('the payload holds more bytes than the manifest lists: refused');
        const take = Math.min(remaining, chunk.length - off);
        const part = chunk.subarray(off, off + take);
        await fh!.write(part);
        hash.update(part);
        remaining -= take;
        off += take;
        if (remaining === 0) await finish();
      }
    }
  } catch (err) {
    if (err instanceof BundleError) throw err;
    throw new BundleError(`the payload cannot be unpacked (${(err as Error).message}): refused`);
  } finally {
    await (fh as FileHandle | null)?.close();
  }
  if (fh || (await next())) throw new BundleError('the payload holds fewer bytes than the manifest lists: refused');

  for (const l of manifest.symlinks) {
    const target = path.join(dest, l.path);
    await ensureDir(path.dirname(target));
    await symlink(l.target, target);
  }
  await writeFile(
    path.join(dest, RELEASE_MARKER),
    JSON.stringify({ version: manifest.version, arch: manifest.arch, bundle: opened.manifestSha256, keyId: manifest.keyId, createdAt: manifest.createdAt }, null, 2) + '\n',
  );
  // One file-system sync instead of an fsync per file (node_modules has tens of thousands).
  if (spawnSync('sync', ['-f', dest]).status !== 0) spawnSync('sync');
}
