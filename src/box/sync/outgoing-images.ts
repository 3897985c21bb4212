/**
 * An image's encoded form for sending, decided and made once: formats that are already compressed
 * (JPEG, PNG, WebP, AVIF) go as they are; others (TIFF) are gzipped once into
 * <data>/sync/outgoing/<sha256>.gz (written durably, so a restart resumes the same byte stream),
 * kept only when it saves at least a tenth. Parts are read from disk, so memory stays at one part.
 * The cache file goes once the hub has acknowledged the image.
 */
import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import type { ImageFiles } from '../store/image-files.ts';
import { syncDir } from '../store/durable-file.ts';
import type { ImageEncoding, SyncRepo } from './repo.ts';

const ALREADY_COMPRESSED = new Set(['jpeg', 'png', 'webp', 'avif']);

export class LocalImageMissing extends Error {}

export interface Outgoing {
  sha256: string;
  encoding: ImageEncoding;
  total: number;
  file: string;
}

export class OutgoingImages {
  readonly dir: string;

  constructor(
    private readonly files: ImageFiles,
    private readonly repo: SyncRepo,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.dir = path.join(files.dataDir, 'sync', 'outgoing');
    mkdirSync(this.dir, { recursive: true });
  }

  private cacheFile(sha256: string): string {
    return path.join(this.dir, `${sha256}.gz`);
  }

  async prepare(sha256: string): Promise<Outgoing> {
    const original = this.files.pathOf(sha256);
    const size = (await stat(original).catch(() => null))?.size;
    if (!size) throw new LocalImageMissing(`image ${sha256.slice(0, 12)} is missing from the box's disk`);
    const known = this.repo.image(sha256);
    if (known?.encoding === 'identity') return { sha256, encoding: 'identity', total: size, file: original };
    if (known?.encoding === 'gzip') {
      const cached = await stat(this.cacheFile(sha256)).catch(() => null);
      if (cached?.size === known.encodedBytes) return { sha256, encoding: 'gzip', total: known.encodedBytes, file: this.cacheFile(sha256) };
    }
    if (ALREADY_COMPRESSED.has(this.repo.imageFormat(sha256) ?? '')) {
      this.repo.savePrepared({ sha256, encoding: 'identity', encodedBytes: size });
      return { sha256, encoding: 'identity', total: size, file: original };
    }
    const gz = await this.compress(original, this.cacheFile(sha256));
    if (gz > size * 0.9) {
      await rm(this.cacheFile(sha256), { force: true });
      this.repo.savePrepared({ sha256, encoding: 'identity', encodedBytes: size });
      return { sha256, encoding: 'identity', total: size, file: original };
    }
    this.repo.savePrepared({ sha256, encoding: 'gzip', encodedBytes: gz });
    return { sha256, encoding: 'gzip', total: gz, file: this.cacheFile(sha256) };
  }

  private async compress(source: string, target: string): Promise<number> {
    const tmp = path.join(this.files.tmpDir, `${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await pipeline(createReadStream(source), createGzip({ level: 6 }), createWriteStream(tmp, { flags: 'wx' }));
      const fh = await open(tmp, 'r+');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, target);
      await syncDir(path.dirname(target));
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    return (await stat(target)).size;
  }

  async readPart(o: Outgoing, start: number, length: number): Promise<Buffer> {
    const fh = await open(o.file, 'r');
    try {
      const buf = Buffer.alloc(length);
      const { bytesRead } = await fh.read(buf, 0, length, start);
      if (bytesRead !== length) throw new LocalImageMissing(`image ${o.sha256.slice(0, 12)} is shorter on disk than when it was prepared`);
      return buf;
    } finally {
      await fh.close();
    }
  }

  /** The hub holds it: remember that, and drop the compressed copy. */
  async acknowledged(sha256: string): Promise<void> {
    this.repo.acknowledge(sha256, this.now().toISOString());
    await rm(this.cacheFile(sha256), { force: true });
  }

  /** The hub could not rebuild the image from our stream: make it again next time. */
  async discard(sha256: string): Promise<void> {
    this.repo.forgetPrepared(sha256);
    await rm(this.cacheFile(sha256), { force: true });
  }
}
