/**
 * Free-space guard for the data disk: new captures are refused below a floor, with a message the
 * nurse can act on, well before SQLite or an image write fails with ENOSPC half-way.
 */
import { statfs } from 'node:fs/promises';
import { InputError } from '../../core/errors.ts';

export interface DiskSpace {
  /** Bytes an unprivileged writer may still use (statfs bavail). */
  freeBytes: number;
  totalBytes: number;
}

export type StatFs = (dir: string) => Promise<{ bavail: number; blocks: number; bsize: number }>;

const MB = 1024 * 1024;

/** Refusal of a new capture for lack of space: HTTP 507 Insufficient Storage, code disk_full. */
export class StorageFullError extends InputError {
  constructor(
    readonly freeBytes: number,
    readonly floorBytes: number,
  ) {
    super('disk_full', `the data disk is almost full: the photo was not stored (${Math.floor(freeBytes / MB)} MB free); sync and remove old samples, or free space, then try again`, { status: 507 });
  }
}

export async function diskSpace(dir: string, fsStat: StatFs = statfs): Promise<DiskSpace> {
  const s = await fsStat(dir);
  return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
}

/**
 * Throws StorageFullError when storing `incomingBytes` more in `dir` would leave less than
 * `floorBytes` free; returns the space otherwise (for the caller's health report).
 */
export async function ensureFreeSpace(dir: string, floorBytes: number, incomingBytes = 0, fsStat: StatFs = statfs): Promise<DiskSpace> {
  const space = await diskSpace(dir, fsStat);
  if (space.freeBytes - incomingBytes < floorBytes) throw new StorageFullError(space.freeBytes, floorBytes);
  return space;
}
