/**
 * The TensorRT engine cache next to the models (models/engines/, git-ignored). An engine is only valid
 * for the model, TensorRT version, GPU and precision that built it, so those four make its key. Every
 * engine has a sidecar JSON written after it (the commit marker) with the key's parts and the engine's
 * sha256: a missing, stale, truncated or damaged engine is detected and rebuilt, never handed to TensorRT.
 * Pure TypeScript: the builder and the loader are injected.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';

export interface EngineKeyParts {
  /** sha256 of the ONNX model (from the manifest, checked against the file before building). */
  modelSha256: string;
  /** TensorRT version of the loaded library, e.g. "10.3.0". */
  trtVersion: string;
  /** GPU the engine is built for, e.g. "Orin (sm_87, 8 SMs)". */
  gpuName: string;
  /** Builder precision, "fp16" or "fp32". */
  precision: string;
}

const KEY_PARTS = ['modelSha256', 'trtVersion', 'gpuName', 'precision'] as const;
const SIDECAR_FORMAT = 1;

/** sha256 (hex) over exactly the four parts, unambiguously encoded. */
export function engineCacheKey(parts: EngineKeyParts): string {
  const values = KEY_PARTS.map((k) => {
    const v = parts[k];
    if (typeof v !== 'string' || v === '') throw new TypeError(`engineCacheKey: '${k}' must be a non-empty string`);
    return v;
  });
  return createHash('sha256')
    .update(JSON.stringify(['leukodiff-trt-engine', ...values]))
    .digest('hex');
}

export interface EngineSidecar extends EngineKeyParts {
  format: number;
  key: string;
  modelId: string;
  engineSha256: string;
  engineBytes: number;
  builtAt: string;
  buildSeconds?: number;
}

export type CacheStatus = 'hit' | 'missing' | 'stale' | 'corrupt';

export interface CacheCheck {
  status: CacheStatus;
  /** Why the engine can or cannot be used, in words. */
  reason: string;
  enginePath: string;
}

export interface EnsureResult extends CacheCheck {
  /** True when this call built (or rebuilt) the engine. */
  built: boolean;
  buildSeconds?: number;
}

/** Returns the serialized engine of one model. */
export type EngineBuilder = () => Promise<Uint8Array>;
export type CacheLog = (level: 'error' | 'warn' | 'info' | 'debug', message: string) => void;

export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function safeId(modelId: string): string {
  return modelId.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
}

const isNotFound = (err: unknown) => (err as NodeJS.ErrnoException)?.code === 'ENOENT';

async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const handle = await open(tmp, 'w', 0o644);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Not every filesystem lets a directory be fsynced; the renames are still atomic.
  }
}

function describeDifference(sidecar: Partial<EngineSidecar>, parts: EngineKeyParts): string {
  const labels: Record<(typeof KEY_PARTS)[number], string> = {
    modelSha256: 'model sha256',
    trtVersion: 'TensorRT',
    gpuName: 'GPU',
    precision: 'precision',
  };
  const diffs = KEY_PARTS.filter((k) => sidecar[k] !== parts[k]).map((k) => `${labels[k]} ${JSON.stringify(sidecar[k] ?? null)}, now ${JSON.stringify(parts[k])}`);
  return diffs.length ? `built for ${diffs.join('; ')}` : 'its sidecar has another key';
}

export class EngineCache {
  private readonly inflight = new Map<string, Promise<EnsureResult>>();

  constructor(readonly dir: string) {}

  paths(modelId: string, key: string): { engine: string; sidecar: string } {
    const base = path.join(this.dir, `${safeId(modelId)}.${key.slice(0, 16)}`);
    return { engine: `${base}.engine`, sidecar: `${base}.json` };
  }

  /** Whether the cached engine for these parts can be used, without loading it. */
  async check(modelId: string, parts: EngineKeyParts): Promise<CacheCheck> {
    const key = engineCacheKey(parts);
    const { engine, sidecar: sidecarPath } = this.paths(modelId, key);
    const result = (status: CacheStatus, reason: string): CacheCheck => ({ status, reason, enginePath: engine });

    let sidecar: Partial<EngineSidecar>;
    try {
      sidecar = JSON.parse(await readFile(sidecarPath, 'utf8')) as Partial<EngineSidecar>;
    } catch (err) {
      if (!isNotFound(err)) return result('corrupt', `sidecar ${sidecarPath} is unreadable (${(err as Error).message})`);
      const engineExists = await stat(engine).then(
        () => true,
        () => false,
      );
      return engineExists ? result('corrupt', 'engine file without its sidecar (an interrupted build)') : result('missing', 'no cached engine');
    }
    if (typeof sidecar !== 'object' || sidecar === null) return result('corrupt', `sidecar ${sidecarPath} is not an object`);
    if (sidecar.format !== SIDECAR_FORMAT || sidecar.key !== key || KEY_PARTS.some((k) => sidecar[k] !== parts[k])) {
      return result('stale', `cached engine ${describeDifference(sidecar, parts)}`);
    }
    if (typeof sidecar.engineSha256 !== 'string' || typeof sidecar.engineBytes !== 'number') {
      return result('corrupt', 'sidecar lacks the engine sha256 or size');
    }
    let size: number;
    try {
      size = (await stat(engine)).size;
    } catch {
      return result('corrupt', 'engine file missing');
    }
    if (size !== sidecar.engineBytes) return result('corrupt', `engine file is ${size} bytes, its sidecar says ${sidecar.engineBytes}`);
    if ((await sha256OfFile(engine)) !== sidecar.engineSha256) return result('corrupt', 'engine file does not match its sha256');
    return result('hit', `cached engine ${path.basename(engine)} is current`);
  }

  /** Writes the engine then its sidecar, each to a temp file, fsynced, renamed into place. */
  async store(modelId: string, parts: EngineKeyParts, engineBytes: Uint8Array, buildSeconds?: number): Promise<string> {
    const key = engineCacheKey(parts);
    const { engine, sidecar } = this.paths(modelId, key);
    await mkdir(this.dir, { recursive: true });
    await writeFileAtomic(engine, engineBytes);
    const record: EngineSidecar = {
      format: SIDECAR_FORMAT,
      key,
      modelId,
      modelSha256: parts.modelSha256,
      trtVersion: parts.trtVersion,
      gpuName: parts.gpuName,
      precision: parts.precision,
      engineSha256: createHash('sha256').update(engineBytes).digest('hex'),
      engineBytes: engineBytes.byteLength,
      builtAt: new Date().toISOString(),
      ...(buildSeconds === undefined ? {} : { buildSeconds }),
    };
    await writeFileAtomic(sidecar, JSON.stringify(record, null, 2) + '\n');
    await syncDir(this.dir);
    return engine;
  }

  /**
   * Removes this model's engines built for another model file, TensorRT version or GPU (left behind by
   * a model update or a JetPack upgrade), and temp files of interrupted writes older than a day.
   * Engines of another precision for the same setup are kept. Returns the removed files.
   */
  async prune(modelId: string, current: EngineKeyParts): Promise<string[]> {
    const prefix = `${safeId(modelId)}.`;
    const currentKey = engineCacheKey(current);
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const removed: string[] = [];
    const remove = async (file: string) => {
      await rm(file, { force: true });
      removed.push(file);
    };
    for (const name of names.filter((n) => n.startsWith(prefix))) {
      const file = path.join(this.dir, name);
      if (name.includes('.tmp-')) {
        const age = await stat(file).then(
          (s) => Date.now() - s.mtimeMs,
          () => 0,
        );
        if (age > 24 * 3600 * 1000) await remove(file);
        continue;
      }
      if (!name.endsWith('.json')) continue;
      let sidecar: Partial<EngineSidecar>;
      try {
        sidecar = JSON.parse(await readFile(file, 'utf8')) as Partial<EngineSidecar>;
      } catch {
        continue;
      }
      if (sidecar.modelId !== modelId || sidecar.key === currentKey) continue;
      if (sidecar.modelSha256 === current.modelSha256 && sidecar.trtVersion === current.trtVersion && sidecar.gpuName === current.gpuName) {
        continue;
      }
      await remove(file.replace(/\.json$/, '.engine'));
      await remove(file);
    }
    return removed;
  }

  /**
   * The path of a usable engine for these parts: the cached one when it checks out (unless `force`),
   * else one built now through `build` and stored. Concurrent calls for one engine share one build.
   */
  ensure(modelId: string, parts: EngineKeyParts, build: EngineBuilder, opts: { force?: string; log?: CacheLog } = {}): Promise<EnsureResult> {
    const key = `${modelId}\0${engineCacheKey(parts)}`;
    const running = this.inflight.get(key);
    if (running) return running;
    const job = this.ensureNow(modelId, parts, build, opts).finally(() => this.inflight.delete(key));
    this.inflight.set(key, job);
    return job;
  }

  private async ensureNow(modelId: string, parts: EngineKeyParts, build: EngineBuilder, opts: { force?: string; log?: CacheLog }): Promise<EnsureResult> {
    const log = opts.log ?? (() => {});
    const check: CacheCheck = opts.force ? { status: 'stale', reason: opts.force, enginePath: this.paths(modelId, engineCacheKey(parts)).engine } : await this.check(modelId, parts);
    if (check.status === 'hit') return { ...check, built: false };
    log(check.status === 'missing' ? 'info' : 'warn', `${modelId}: building a TensorRT engine (${check.reason}); this takes minutes`);
    const started = performance.now();
    const bytes = await build();
    if (!(bytes instanceof Uint8Array) || bytes.byteLength === 0) throw new Error(`${modelId}: the TensorRT builder returned no engine`);
    const buildSeconds = Math.round((performance.now() - started) / 100) / 10;
    const enginePath = await this.store(modelId, parts, bytes, buildSeconds);
    for (const file of await this.prune(modelId, parts)) log('info', `${modelId}: removed outdated engine file ${path.basename(file)}`);
    return { status: check.status, reason: check.reason, enginePath, built: true, buildSeconds };
  }
}

/** Errors of the loader that say the engine file itself is unusable (not the GPU, not the model). */
function engineFileRejected(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === undefined || code === 'ERR_TENSORRT' || code === 'ERR_IO';
}

/**
 * Ensures the engine, loads it, and when TensorRT rejects a cached engine that passed the checks
 * (a file from an incompatible build under the same key), rebuilds it once and loads the new one.
 */
export async function loadCachedEngine<T>(
  cache: EngineCache,
  modelId: string,
  parts: EngineKeyParts,
  build: EngineBuilder,
  load: (enginePath: string) => Promise<T>,
  log: CacheLog = () => {},
  opts: { force?: string } = {},
): Promise<EnsureResult & { engine: T }> {
  const first = await cache.ensure(modelId, parts, build, { log, force: opts.force });
  try {
    return { ...first, engine: await load(first.enginePath) };
  } catch (err) {
    if (first.built || !engineFileRejected(err)) throw err;
    const reason = `cached engine rejected by TensorRT: ${(err as Error).message}`;
    const rebuilt = await cache.ensure(modelId, parts, build, { log, force: reason });
    return { ...rebuilt, engine: await load(rebuilt.enginePath) };
  }
}
