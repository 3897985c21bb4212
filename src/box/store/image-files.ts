/**
 * Image files by content hash under the data folder:
 *   images/<aa>/<sha256>        the uploaded bytes, never rewritten
 *   derived/<kind>/<key>.jpg    thumbnails and cell crops, made once, remade if lost
 *   tmp/                        files being written (emptied at startup)
 * The database says which images exist; a file the database does not reference is an upload that
 * was never acknowledged, and the startup sweep removes it.
 */
import { readdir, readFile, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { writeFileDurable } from './durable-file.ts';
import { ensurePrivateDir } from './private-files.ts';

const SHA256 = /^[0-9a-f]{64}$/;
const DERIVED_KEY = /^[0-9a-z][0-9a-z_-]{0,127}$/;

export class ImageFiles {
  readonly imagesDir: string;
  readonly derivedDir: string;
  readonly tmpDir: string;
  private readonly making = new Map<string, Promise<Buffer>>();

  constructor(readonly dataDir: string) {
    this.imagesDir = path.join(dataDir, 'images');
    this.derivedDir = path.join(dataDir, 'derived');
    this.tmpDir = path.join(dataDir, 'tmp');
    for (const d of [dataDir, this.imagesDir, this.derivedDir, this.tmpDir]) ensurePrivateDir(d);
  }

  pathOf(sha256: string): string {
    if (!SHA256.test(sha256)) throw new Error(`not a sha256: ${JSON.stringify(sha256)}`);
    return path.join(this.imagesDir, sha256.slice(0, 2), sha256);
  }

  /** Stores the bytes durably under their hash; false when an identical file was already there. */
  async put(sha256: string, bytes: Buffer): Promise<boolean> {
    const target = this.pathOf(sha256);
    const existing = await stat(target).catch(() => null);
    if (existing?.size === bytes.length) return false;
    ensurePrivateDir(path.dirname(target));
    await writeFileDurable(target, bytes, this.tmpDir);
    return true;
  }

  read(sha256: string): Promise<Buffer> {
    return readFile(this.pathOf(sha256));
  }

  async has(sha256: string): Promise<boolean> {
    return (await stat(this.pathOf(sha256)).catch(() => null))?.isFile() ?? false;
  }

  remove(sha256: string): Promise<void> {
    return unlink(this.pathOf(sha256)).catch(() => {});
  }

  /** Every stored image hash. */
  async list(): Promise<string[]> {
    const out: string[] = [];
    for (const shard of await readdir(this.imagesDir)) {
      const names = await readdir(path.join(this.imagesDir, shard)).catch(() => [] as string[]);
      for (const name of names) if (SHA256.test(name) && name.startsWith(shard)) out.push(name);
    }
    return out;
  }

  /**
   * Startup sweep (nothing may be uploading): empties tmp/ and removes image files no database row
   * references. Returns what it removed.
   */
  async sweep(isReferenced: (sha256: string) => boolean): Promise<{ orphans: string[]; temporary: number }> {
    const temps = await readdir(this.tmpDir);
    await Promise.all(temps.map((f) => rm(path.join(this.tmpDir, f), { force: true, recursive: true })));
    const orphans = (await this.list()).filter((sha) => !isReferenced(sha));
    await Promise.all(orphans.map((sha) => this.remove(sha)));
    return { orphans, temporary: temps.length };
  }

  /**
   * A derived JPEG (thumbnail, crop): read from disk, or made by `make`, stored, and returned.
   * Concurrent requests for the same key share one `make`.
   */
  async derived(kind: 'thumb' | 'crop', key: string, make: () => Promise<Buffer>): Promise<Buffer> {
    if (!DERIVED_KEY.test(key)) throw new Error(`bad derived key ${JSON.stringify(key)}`);
    const file = path.join(this.derivedDir, kind, `${key}.jpg`);
    const id = `${kind}/${key}`;
    const pending = this.making.get(id);
    if (pending) return pending;
    const job = (async () => {
      const cached = await readFile(file).catch(() => null);
      if (cached && cached.length > 0) return cached;
      const bytes = await make();
      ensurePrivateDir(path.dirname(file));
      // A cache: losing it to a full disk only costs remaking it later.
      await writeFileDurable(file, bytes, this.tmpDir).catch(() => {});
      return bytes;
    })().finally(() => this.making.delete(id));
    this.making.set(id, job);
    return job;
  }
}
