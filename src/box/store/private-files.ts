/**
 * The data folder holds patient data: it and everything the daemon creates in it are for the
 * daemon's user alone (folders 0700, files 0600), whatever the umask of whoever started it. Modes
 * are set explicitly after creating, since the umask can only take bits away from a create mode.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Creates the folder (and missing parents) if needed and makes it the owner's alone. A folder that
 * was already there and belongs to someone else (a mount point) keeps its mode.
 */
export function ensurePrivateDir(dir: string): void {
  const created = mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  try {
    chmodSync(dir, PRIVATE_DIR_MODE);
  } catch (err) {
    if (created !== undefined || (err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
  }
}

/** Creates the file empty if missing and makes it the owner's alone (before anything is written to it). */
export function ensurePrivateFile(file: string): void {
  closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
  chmodSync(file, PRIVATE_FILE_MODE);
}

/** Makes existing files the owner's alone (files that may or may not exist, e.g. SQLite's -wal and -shm). */
export function restrictIfPresent(...files: string[]): void {
  for (const f of files) if (existsSync(f)) chmodSync(f, PRIVATE_FILE_MODE);
}
