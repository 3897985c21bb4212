/**
 * The export's files: every file is written whole or not at all (a temporary file beside it, synced,
 * then renamed), so a file under its final name is complete; a resumed export checks the ones it
 * keeps by their sha256.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';

export const sha256Of = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

export async function writeAtomic(file: string, data: Buffer | string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, file);
}

/** The sha256 of a file's bytes; null when there is no such file. */
export async function fileSha256(file: string): Promise<string | null> {
  try {
    return sha256Of(await readFile(file));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Streams files one after the other into `file` (atomically); returns the result's sha256 and size. */
export async function concatAtomic(file: string, parts: (string | { path: string })[]): Promise<{ sha256: string; bytes: number }> {
  const tmp = `${file}.tmp`;
  const hash = createHash('sha256');
  let bytes = 0;
  const handle = await open(tmp, 'w');
  try {
    for (const part of parts) {
      const chunks: AsyncIterable<Buffer> | Iterable<Buffer> = typeof part === 'string' ? [Buffer.from(part)] : createReadStream(part.path);
      for await (const chunk of chunks) {
        hash.update(chunk);
        bytes += chunk.length;
        await handle.write(chunk);
      }
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, file);
  return { sha256: hash.digest('hex'), bytes };
}

/** Appends text to a file, a buffered chunk at a time. */
export class LineWriter {
  private buffered: string[] = [];
  private size = 0;
  private constructor(private readonly handle: Awaited<ReturnType<typeof open>>) {}

  static async create(file: string, flags: 'w' | 'a'): Promise<LineWriter> {
    await mkdir(path.dirname(file), { recursive: true });
    return new LineWriter(await open(file, flags));
  }

  async line(text: string): Promise<void> {
    await this.raw(`${text}\n`);
  }

  async raw(text: string): Promise<void> {
    this.buffered.push(text);
    this.size += text.length;
    if (this.size > 1 << 20) await this.flush();
  }

  async flush(): Promise<void> {
    if (!this.buffered.length) return;
    await this.handle.write(this.buffered.join(''));
    this.buffered = [];
    this.size = 0;
  }

  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await this.handle.close();
    }
  }
}
