/**
 * Installing a bundle side by side and switching to it, with automatic rollback:
 *   <root>/releases/<version>/   one folder per version, never modified once in place
 *   <root>/current -> releases/<version>   switched by renaming a new symlink over it (atomic)
 * Order: verify (nothing written) → unpack to a staging folder → prepare (native addon, engine
 * cache link) → stop the daemon → snapshot the database → switch → migrate → start → wait for the
 * new version's health until a deadline. Any failure after the switch switches back, puts the
 * snapshot back (migrations only go forward) and starts the previous version again.
 */
import { randomBytes, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { chown, link, mkdir, readdir, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DB_FILE } from '../../store/store.ts';
import { giveBackToOwner } from '../backup.ts';
import { copyFileDurable, fsyncPath } from '../files.ts';
import { BundleError, type Arch } from './format.ts';
import { unpackBundle } from './unpack.ts';
import { verifyBundle } from './verify.ts';

export interface ApplyHooks {
  stopDaemon(): Promise<void>;
  startDaemon(): Promise<void>;
  /** Runs the new release's migrations on the data folder. */
  migrate(releaseDir: string): Promise<void>;
  /** True once the daemon answers health as the given version. */
  healthy(version: string): Promise<boolean>;
  /** Readies an unpacked release before it is switched to (native addon, engine cache link). */
  prepare?(releaseDir: string): Promise<void>;
  log?: (line: string) => void;
}

export interface ApplyOptions {
  bundle: string;
  root: string;
  dataDir: string;
  publicKey: KeyObject;
  hooks: ApplyHooks;
  arch?: Arch | null;
  /** How long the new version has to become healthy. */
  deadlineMs?: number;
  pollMs?: number;
  /** Releases kept on disk after a success: the current one and the previous ones. */
  keepReleases?: number;
}

export type ApplyStatus = 'applied' | 'rolled-back' | 'failed' | 'unchanged';

export interface ApplyResult {
  status: ApplyStatus;
  version: string;
  previous: string | null;
  reason?: string;
}

/** The version <root>/current points at, or null. */
export function currentRelease(root: string): string | null {
  try {
    return path.basename(readlinkSync(path.join(root, 'current')));
  } catch {
    return null;
  }
}

/** Points <root>/current at releases/<version> atomically (a new link renamed over the old). */
export async function switchCurrent(root: string, version: string): Promise<void> {
  await switchLink(root, 'current', path.join('releases', version));
}

/** Points <dir>/<name> at target atomically (a new link renamed over the old); also used for model sets. */
export async function switchLink(dir: string, name: string, target: string): Promise<void> {
  const tmp = path.join(dir, `.${name}-${randomBytes(4).toString('hex')}`);
  await symlink(target, tmp);
  await rename(tmp, path.join(dir, name));
  await fsyncPath(dir);
}

/** This boot's id: a pid in a lock file written before a reboot names no process of ours. '' where unreadable (not Linux). */
function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return '';
  }
}

/** The pid a lock file holds, if that process runs (this boot, not this process); null: free to take. */
function lockHolder(lock: string): number | null {
  let text: string;
  try {
    text = readFileSync(lock, 'utf8');
  } catch {
    return null;
  }
  // '<pid> <boot id>'; an older lock has the pid alone. Empty or garbage: cut between create and write.
  const [pidText = '', boot = ''] = text.trim().split(/\s+/);
  const pid = Number(pidText);
  if (!/^\d+$/.test(pidText) || !Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) return null;
  const now = bootId();
  if (boot && now && boot !== now) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}

/** Creates the lock with its content in one step (a complete file linked into place): a reader never sees it empty. */
async function createLock(lock: string, content: string): Promise<boolean> {
  const tmp = `${lock}.${process.pid}-${randomBytes(4).toString('hex')}`;
  await writeFile(tmp, content);
  try {
    await link(tmp, lock);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Another update holds the lock (a BundleError, so the CLIs report it as a refusal). */
export class UpdateBusyError extends BundleError {
  constructor(holder: number | null) {
    super(`another update is running (process ${holder ?? 'unknown'})`);
  }
}

/** One update at a time under <root> (software or models): a lock file naming the running process and the boot. */
export async function withLock<T>(root: string, fn: () => Promise<T>): Promise<T> {
  const lock = path.join(root, '.update.lock');
  const boot = bootId();
  const content = boot ? `${process.pid} ${boot}\n` : `${process.pid}\n`;
  if (!(await createLock(lock, content))) {
    const holder = lockHolder(lock);
    if (holder !== null) throw new UpdateBusyError(holder);
    // Stale: removed, then created exclusively again; a process that loses that create to another backs off.
    await rm(lock, { force: true });
    if (!(await createLock(lock, content))) throw new UpdateBusyError(lockHolder(lock));
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { force: true });
  }
}

export async function waitHealthy(hooks: Pick<ApplyHooks, 'healthy'>, version: string, deadlineMs: number, pollMs: number): Promise<boolean> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    if (await hooks.healthy(version).catch(() => false)) return true;
    if (Date.now() + pollMs > until) return false;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

async function snapshotDatabase(dataDir: string, label: string): Promise<string | null> {
  const db = path.join(dataDir, DB_FILE);
  if (!existsSync(db)) return null;
  const dir = path.join(dataDir, 'pre-update');
  await mkdir(dir, { recursive: true });
  const snap = path.join(dir, `${label}.db`);
  await rm(snap, { force: true });
  const src = new Database(db, { readonly: true, fileMustExist: true });
  try {
    await src.backup(snap);
  } finally {
    src.close();
    await giveBackToOwner(dataDir);
  }
  await fsyncPath(snap);
  const owner = await stat(dataDir);
  if (process.getuid?.() === 0) {
    await chown(dir, owner.uid, owner.gid);
    await chown(snap, owner.uid, owner.gid);
  }
  return snap;
}

async function restoreSnapshot(dataDir: string, snap: string, label: string): Promise<void> {
  const db = path.join(dataDir, DB_FILE);
  const failed = path.join(dataDir, 'pre-update', `failed-${label}`);
  await mkdir(failed, { recursive: true });
  for (const suffix of ['', '-wal', '-shm']) if (existsSync(db + suffix)) await rename(db + suffix, path.join(failed, DB_FILE + suffix));
  await copyFileDurable(snap, db);
  await giveBackToOwner(dataDir);
}

async function pruneReleases(root: string, keep: string[]): Promise<void> {
  const dir = path.join(root, 'releases');
  for (const name of await readdir(dir)) if (!keep.includes(name)) await rm(path.join(dir, name), { recursive: true, force: true });
}

export async function applyBundle(opts: ApplyOptions): Promise<ApplyResult> {
  const log = opts.hooks.log ?? (() => {});
  const opened = await verifyBundle(opts.bundle, opts.publicKey, { arch: opts.arch });
  const version = opened.manifest.version;
  log(`bundle verified: leukodiff ${version} for ${opened.manifest.arch}, ${opened.manifest.files.length} files, signed by key ${opened.manifest.keyId}`);
  await mkdir(path.join(opts.root, 'releases'), { recursive: true });
  return withLock(opts.root, async () => {
    const previous = currentRelease(opts.root);
    if (previous === version) return { status: 'unchanged' as const, version, previous, reason: `leukodiff ${version} is already the running version` };

    const releaseDir = path.join(opts.root, 'releases', version);
    const staging = path.join(opts.root, 'releases', `.staging-${version}-${randomBytes(4).toString('hex')}`);
    for (const name of await readdir(path.join(opts.root, 'releases'))) {
      if (name.startsWith('.staging-')) await rm(path.join(opts.root, 'releases', name), { recursive: true, force: true });
    }
    try {
      await unpackBundle(opened, staging);
      await opts.hooks.prepare?.(staging);
    } catch (err) {
      await rm(staging, { recursive: true, force: true });
      throw err;
    }
    // An earlier, unused copy of this version (e.g. a failed attempt) is replaced.
    await rm(releaseDir, { recursive: true, force: true });
    await rename(staging, releaseDir);
    log(`unpacked into ${releaseDir}`);

    await opts.hooks.stopDaemon();
    const label = `${previous ?? 'none'}-to-${version}`;
    let snap: string | null = null;
    try {
      snap = await snapshotDatabase(opts.dataDir, label);
    } catch (err) {
      await opts.hooks.startDaemon().catch(() => {});
      throw new BundleError(`cannot snapshot the database before updating (${(err as Error).message}); nothing was changed`);
    }
    await switchCurrent(opts.root, version);
    log(`switched to ${version}`);

    let reason: string | null = null;
    try {
      await opts.hooks.migrate(releaseDir);
      await opts.hooks.startDaemon();
      if (!(await waitHealthy(opts.hooks, version, opts.deadlineMs ?? 180_000, opts.pollMs ?? 2000))) {
        reason = `leukodiff ${version} did not become healthy within ${Math.round((opts.deadlineMs ?? 180_000) / 1000)} s`;
      }
    } catch (err) {
      reason = `leukodiff ${version} failed to start: ${(err as Error).message}`;
    }
    if (reason === null) {
      await pruneReleases(opts.root, [version, ...(previous ? [previous] : [])].slice(0, Math.max(1, opts.keepReleases ?? 2)));
      log(`leukodiff ${version} is healthy`);
      return { status: 'applied' as const, version, previous };
    }

    log(`${reason}; rolling back to ${previous ?? 'nothing'}`);
    if (!previous) return { status: 'failed' as const, version, previous, reason: `${reason}; there is no previous version to go back to` };
    await opts.hooks.stopDaemon().catch(() => {});
    await switchCurrent(opts.root, previous);
    if (snap) await restoreSnapshot(opts.dataDir, snap, label);
    await opts.hooks.startDaemon();
    const back = await waitHealthy(opts.hooks, previous, opts.deadlineMs ?? 180_000, opts.pollMs ?? 2000);
    await rm(releaseDir, { recursive: true, force: true });
    return { status: 'rolled-back' as const, version, previous, reason: back ? reason : `${reason}; and ${previous} is not healthy either: call support` };
  });
}
