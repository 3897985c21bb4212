/**
 * Writes a file so that after a power cut it is either absent or complete: the bytes go to a
 * temporary file in the same file system, are fsynced, renamed into place, and the folder is
 * fsynced so the rename itself is on disk. The file is the owner's alone (0600): it holds patient data.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { PRIVATE_FILE_MODE } from './private-files.ts';

export async function writeFileDurable(target: string, data: Buffer, tmpDir: string): Promise<void> {
  const tmp = path.join(tmpDir, `${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fh = await open(tmp, 'wx', PRIVATE_FILE_MODE);
    try {
      // Explicitly: the create mode only counts after the umask.
      await fh.chmod(PRIVATE_FILE_MODE);
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, target);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
  await syncDir(path.dirname(target));
}

export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
