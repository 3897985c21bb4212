/**
 * Installing a model bundle beside the current set and switching to it, with automatic rollback.
 * Order: verify the signature and the payload (nothing written) → unpack to a staging folder,
 * checking every file's sha256 → load its manifest (the models' sha256 again, the version) → run
 * its regression fixture → switch model-sets/current → restart the daemon → wait until its health
 * names the new set. A refusal before the switch removes the staging folder and changes nothing;
 * a daemon that does not come up healthy in time is switched back to the previous set. The
 * database is not touched: results analysed before the switch keep their model set version.
 * A marker, model-sets/.switch.json, is on disk from just before the switch until the outcome is
 * settled: a box that stops in between (power cut, kill -9) is switched back by recoverModelSwitch,
 * run before the daemon starts.
 */
import { randomBytes, type KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadManifest, modelSetVersion, ModelError } from '../../../core/inference/manifest.ts';
import { switchLink, UpdateBusyError, waitHealthy, withLock } from '../bundle/apply.ts';
import { BundleError, MODEL_BUNDLE } from '../bundle/format.ts';
import { unpackBundle } from '../bundle/unpack.ts';
import { verifyBundle } from '../bundle/verify.ts';
import { fsyncPath, writeThroughTemp } from '../files.ts';
import { CURRENT, currentModelSet, modelSetsDir } from './layout.ts';
import { checkModelSetRegression } from './regression-check.ts';

export interface ModelApplyHooks {
  /** Restarts the analysis engine on whatever model-sets/current points at. */
  restartDaemon(): Promise<void>;
  /** True once the daemon answers health with this model set version. */
  healthy(modelSet: string): Promise<boolean>;
  /** Readies an unpacked set before the switch (the engine cache link). */
  prepare?(setDir: string): Promise<void>;
  /** The regression check; returns the differences (default: checkModelSetRegression). */
  regression?(setDir: string): Promise<string[]>;
  log?: (line: string) => void;
}

export interface ModelApplyOptions {
  bundle: string;
  /** Install root: model sets go to <root>/model-sets; the update lock is shared with software updates. */
  root: string;
  publicKey: KeyObject;
  hooks: ModelApplyHooks;
  /** How long the daemon has to answer health with the new set. */
  deadlineMs?: number;
  pollMs?: number;
  /** Sets kept after a success: the current and the previous (for a manual rollback). */
  keepSets?: number;
}

export interface ModelApplyResult {
  status: 'applied' | 'rolled-back' | 'failed' | 'unchanged';
  version: string;
  /** The set before; null: the release's own models. */
  previous: string | null;
  reason?: string;
}

/** The daemon's models after pointing current at `version` (null: no set, the release's models). */
async function pointCurrent(dir: string, version: string | null): Promise<void> {
  if (version) return switchLink(dir, CURRENT, version);
  await rm(path.join(dir, CURRENT), { force: true });
  await fsyncPath(dir);
}

/** In model-sets while a switch is not settled; a name starting with '.' is never taken for a set. */
export const SWITCH_MARKER = '.switch.json';

interface SwitchMarker {
  /** The set switched to; null: the release's own models (--use release). */
  version: string | null;
  previous: string | null;
  at: string;
  /** False: a kept set chosen with --use, which recovery leaves installed. */
  installed: boolean;
}

/** Written durably before the switch: after a cut, recoverModelSwitch finds it and switches back. */
async function markSwitch(dir: string, marker: Omit<SwitchMarker, 'at'>): Promise<void> {
  const text = JSON.stringify({ ...marker, at: new Date().toISOString() }) + '\n';
  await writeThroughTemp(path.join(dir, SWITCH_MARKER), (tmp) => writeFile(tmp, text));
  await fsyncPath(dir);
}

async function clearSwitch(dir: string): Promise<void> {
  await rm(path.join(dir, SWITCH_MARKER), { force: true });
  await fsyncPath(dir);
}

const isSetName = (v: unknown): v is string => typeof v === 'string' && v !== '' && v !== CURRENT && !v.startsWith('.') && !v.includes('/') && !v.includes('\\');

async function prune(dir: string, keep: string[]): Promise<void> {
  for (const name of await readdir(dir)) if (name !== CURRENT && !name.startsWith('.') && !keep.includes(name)) await rm(path.join(dir, name), { recursive: true, force: true });
}

/** Everything up to a set ready to switch to; throws BundleError (refused) after removing what it wrote. */
async function stage(opts: ModelApplyOptions, staging: string, version: string, opened: Awaited<ReturnType<typeof verifyBundle>>): Promise<void> {
  const log = opts.hooks.log ?? (() => {});
  try {
    await unpackBundle(opened, staging);
    let manifest;
    try {
      manifest = await loadManifest(staging);
    } catch (err) {
      if (err instanceof ModelError) throw new BundleError(`the bundle's models do not load: ${err.message}`);
      throw err;
    }
    if (modelSetVersion(manifest) !== version) throw new BundleError(`the bundle says model set ${version} but its manifest says ${modelSetVersion(manifest)}: refused`);
    log(`model set ${version}: files and sha256 verified; running the regression fixture`);
    let differences: string[];
    try {
      differences = await (opts.hooks.regression ?? checkModelSetRegression)(staging);
    } catch (err) {
      differences = [(err as Error).message];
    }
    if (differences.length) {
      throw new BundleError(`model set ${version} fails its regression fixture (${differences.length} difference${differences.length > 1 ? 's' : ''}: ${differences.slice(0, 3).join('; ')}): refused`);
    }
    log(`model set ${version}: regression fixture passed`);
    await opts.hooks.prepare?.(staging);
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
}

export async function applyModelBundle(opts: ModelApplyOptions): Promise<ModelApplyResult> {
  const log = opts.hooks.log ?? (() => {});
  const opened = await verifyBundle(opts.bundle, opts.publicKey, { format: MODEL_BUNDLE });
  const version = opened.manifest.version;
  log(`model bundle verified: model set ${version}, ${opened.manifest.files.length} files, signed by key ${opened.manifest.keyId}`);
  if (version === CURRENT || version.startsWith('.')) throw new BundleError(`model set version '${version}' is reserved: refused`);
  const dir = modelSetsDir(opts.root);
  const firstSet = !existsSync(dir);
  await mkdir(dir, { recursive: true });
  return withLock(opts.root, async () => {
    await settleInterrupted(opts.root, log);
    const previous = currentModelSet(opts.root);
    if (previous === version) return { status: 'unchanged' as const, version, previous, reason: `model set ${version} is already in use` };
    for (const name of await readdir(dir)) if (name.startsWith('.staging-')) await rm(path.join(dir, name), { recursive: true, force: true });
    const staging = path.join(dir, `.staging-${version}-${randomBytes(4).toString('hex')}`);
    try {
      await stage(opts, staging, version, opened);
    } catch (err) {
      // A refused first set leaves no empty model-sets folder behind either.
      if (firstSet) await rm(dir, { recursive: true, force: true });
      throw err;
    }

    const setDir = path.join(dir, version);
    // An earlier copy of this version that is not in use (a failed attempt, an old set) is replaced.
    await rm(setDir, { recursive: true, force: true });
    await rename(staging, setDir);
    await fsyncPath(dir);
    await markSwitch(dir, { version, previous, installed: true });
    await pointCurrent(dir, version);
    log(`switched to model set ${version} (previous: ${previous ?? "the release's own models"})`);

    const deadlineMs = opts.deadlineMs ?? 180_000;
    const pollMs = opts.pollMs ?? 2000;
    let reason: string | null = null;
    try {
      await opts.hooks.restartDaemon();
      if (!(await waitHealthy(opts.hooks, version, deadlineMs, pollMs))) reason = `the daemon did not answer healthy with model set ${version} within ${Math.round(deadlineMs / 1000)} s`;
    } catch (err) {
      reason = `the daemon did not restart on model set ${version}: ${(err as Error).message}`;
    }
    if (reason === null) {
      await clearSwitch(dir);
      await prune(dir, [version, ...(previous ? [previous] : [])].slice(0, Math.max(1, opts.keepSets ?? 2)));
      log(`model set ${version} is in use`);
      return { status: 'applied' as const, version, previous };
    }

    log(`${reason}; rolling back to ${previous ?? "the release's own models"}`);
    await pointCurrent(dir, previous);
    let back = false;
    try {
      await opts.hooks.restartDaemon();
      const previousVersion = previous ?? (await releaseModelsVersion(opts.root));
      back = previousVersion === null || (await waitHealthy(opts.hooks, previousVersion, deadlineMs, pollMs));
    } catch {
      back = false;
    }
    await rm(setDir, { recursive: true, force: true });
    await clearSwitch(dir);
    return { status: 'rolled-back' as const, version, previous, reason: back ? reason : `${reason}; and the previous models are not healthy either: call support` };
  });
}

/** The model set version of the running release's own models (what the daemon uses with no set installed). */
async function releaseModelsVersion(root: string): Promise<string | null> {
  const models = path.join(root, 'current', 'models');
  if (!existsSync(path.join(models, 'manifest.json'))) return null;
  try {
    return modelSetVersion(await loadManifest(models));
  } catch {
    return null;
  }
}

/**
 * Manual rollback: points current at a kept set (or, with null, the release's own models), restarts
 * the daemon and waits for its health. The set passed its regression fixture when it was installed.
 */
export async function useModelSet(opts: { root: string; version: string | null; hooks: ModelApplyHooks; deadlineMs?: number; pollMs?: number }): Promise<ModelApplyResult> {
  const dir = modelSetsDir(opts.root);
  const mustBeKept = async () => {
    if (opts.version !== null && (!isSetName(opts.version) || !existsSync(path.join(dir, opts.version, 'manifest.json')))) {
      const kept = existsSync(dir) ? (await readdir(dir)).filter((n) => n !== CURRENT && !n.startsWith('.')) : [];
      throw new BundleError(`no installed model set '${opts.version}' (kept: ${kept.join(', ') || 'none'}; 'release' for the release's own models)`);
    }
  };
  await mustBeKept();
  return withLock(opts.root, async () => {
    await settleInterrupted(opts.root, opts.hooks.log ?? (() => {}));
    // Settling removes a set whose install never settled: it may be the one asked for.
    await mustBeKept();
    const previous = currentModelSet(opts.root);
    await mkdir(dir, { recursive: true });
    await markSwitch(dir, { version: opts.version, previous, installed: false });
    await pointCurrent(dir, opts.version);
    // A restart that throws leaves the marker: the daemon's next start switches back to `previous`.
    await opts.hooks.restartDaemon();
    const version = opts.version ?? (await releaseModelsVersion(opts.root));
    const ok = version === null || (await waitHealthy(opts.hooks, version, opts.deadlineMs ?? 180_000, opts.pollMs ?? 2000));
    await clearSwitch(dir);
    const name = opts.version ?? 'release';
    return ok
      ? { status: 'applied' as const, version: name, previous }
      : { status: 'failed' as const, version: name, previous, reason: `the daemon did not answer healthy with model set ${version}: call support` };
  });
}

export interface ModelRecoverResult {
  status: 'nothing' | 'busy' | 'rolled-back' | 'failed';
  version?: string;
  previous?: string | null;
  reason?: string;
}

/**
 * Run before the daemon starts (leukodiff.service ExecStartPre): a switch marker left by an apply
 * (or --use) that never settled means the box stopped between the switch and the health check, so
 * current goes back to the set before. While an update holds the lock (it is restarting the daemon
 * itself) nothing is touched. Never restarts the daemon.
 */
export async function recoverModelSwitch(root: string): Promise<ModelRecoverResult> {
  if (!existsSync(modelSetsDir(root))) return { status: 'nothing' };
  try {
    return await withLock(root, () => settleSwitch(root));
  } catch (err) {
    if (err instanceof UpdateBusyError) return { status: 'busy' };
    throw err;
  }
}

/** An apply or --use that never settled (killed, cut) is switched back before the next switch starts: its marker would otherwise outlive it. */
async function settleInterrupted(root: string, log: (line: string) => void): Promise<void> {
  const r = await settleSwitch(root);
  if (r.reason) log(r.reason);
}

/** recoverModelSwitch's work; the caller holds the update lock. */
async function settleSwitch(root: string): Promise<ModelRecoverResult> {
  const dir = modelSetsDir(root);
  const marker = path.join(dir, SWITCH_MARKER);
  let text: string;
  try {
    text = await readFile(marker, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'nothing' };
    throw err;
  }
  const now = currentModelSet(root);
  let m: Partial<SwitchMarker>;
  try {
    m = JSON.parse(text) as Partial<SwitchMarker>;
    if (typeof m !== 'object' || m === null || !(m.version === null || isSetName(m.version)) || !(m.previous === null || isSetName(m.previous))) throw new Error('not a switch marker');
  } catch (err) {
    await clearSwitch(dir);
    return {
      status: 'failed',
      reason: `the model set switch marker ${marker} was unreadable (${(err as Error).message}); model-sets/current left on ${now ?? "the release's own models"}: check the models with leukodiff apply-model-bundle --use VERSION`,
    };
  }
  const version = m.version ?? 'release';
  const previous = m.previous;
  if (previous !== null && !existsSync(path.join(dir, previous, 'manifest.json'))) {
    await clearSwitch(dir);
    return {
      status: 'failed',
      version,
      previous,
      reason: `the box stopped between the switch to model set ${version} and its health check, and the previous set ${previous} is no longer installed; model-sets/current left on ${now ?? "the release's own models"}: check the models with leukodiff apply-model-bundle --use VERSION`,
    };
  }
  await pointCurrent(dir, previous);
  if (m.installed !== false && m.version && m.version !== previous && currentModelSet(root) !== m.version) {
    await rm(path.join(dir, m.version), { recursive: true, force: true });
    await fsyncPath(dir);
  }
  await clearSwitch(dir);
  const again = m.installed === false ? `run leukodiff apply-model-bundle --use ${version} again` : 'apply the bundle again';
  return {
    status: 'rolled-back',
    version,
    previous,
    reason: `the box stopped (power cut or crash) between the switch to model set ${version} and its health check: back on ${previous ?? "the release's own models"}; ${again}`,
  };
}
