import { mkdtempSync } from 'node:fs';
import { readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { EngineCache, engineCacheKey, loadCachedEngine, type EngineKeyParts } from '../../../../src/core/inference/tensorrt/engine-cache.ts';

const PARTS: EngineKeyParts = {
  modelSha256: 'a'.repeat(64),
  trtVersion: '10.3.0',
  gpuName: 'Orin (sm_87, 8 SMs)',
  precision: 'fp16',
};

describe('engineCacheKey', () => {
  it('is a sha256 that depends on the four parts only', () => {
    const key = engineCacheKey(PARTS);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    const reordered = { precision: 'fp16', gpuName: 'Orin (sm_87, 8 SMs)', trtVersion: '10.3.0', modelSha256: 'a'.repeat(64) };
    expect(engineCacheKey(reordered)).toBe(key);
    expect(engineCacheKey({ ...PARTS, modelId: 'other', builtAt: 'now' } as EngineKeyParts)).toBe(key);
  });

  it.each([
    ['modelSha256', 'b'.repeat(64)],
    ['trtVersion', '8.6.2'],
    ['gpuName', 'Orin (sm_87, 16 SMs)'],
    ['precision', 'fp32'],
  ] as const)('changes with %s', (part, value) => {
    expect(engineCacheKey({ ...PARTS, [part]: value })).not.toBe(engineCacheKey(PARTS));
  });

  it('cannot be fooled by moving text between parts', () => {
    expect(engineCacheKey({ ...PARTS, trtVersion: '10.3', gpuName: '.0Orin (sm_87, 8 SMs)' })).not.toBe(engineCacheKey(PARTS));
  });

  it('refuses an empty part', () => {
    expect(() => engineCacheKey({ ...PARTS, gpuName: '' })).toThrow(/gpuName/);
  });
});

describe('EngineCache', () => {
  let dir: string;
  let cache: EngineCache;
  let builds: number;
  const engineBytes = () => Buffer.from(`engine #${++builds}`);
  const build = async () => engineBytes();
  const ensure = (parts = PARTS) => cache.ensure('yolo-n', parts, build);

  beforeEach(() => {
    dir = path.join(mkdtempSync(path.join(tmpdir(), 'leukodiff-engines-')), 'engines');
    cache = new EngineCache(dir);
    builds = 0;
  });

  it('builds a missing engine once, then reuses it', async () => {
    const first = await ensure();
    expect(first).toMatchObject({ status: 'missing', built: true });
    expect(await readFile(first.enginePath, 'utf8')).toBe('engine #1');
    const sidecar = JSON.parse(await readFile(first.enginePath.replace(/\.engine$/, '.json'), 'utf8'));
    expect(sidecar).toMatchObject({ ...PARTS, format: 1, key: engineCacheKey(PARTS), modelId: 'yolo-n', engineBytes: 9 });
    const second = await ensure();
    expect(second).toMatchObject({ status: 'hit', built: false, enginePath: first.enginePath });
    expect(builds).toBe(1);
    expect((await readdir(dir)).sort()).toEqual([path.basename(first.enginePath), path.basename(first.enginePath).replace(/\.engine$/, '.json')].sort());
  });

  it('shares one build between concurrent callers', async () => {
    const [a, b] = await Promise.all([ensure(), ensure()]);
    expect(a.enginePath).toBe(b.enginePath);
    expect(builds).toBe(1);
  });

  it('rebuilds an engine whose bytes changed', async () => {
    const { enginePath } = await ensure();
    const bytes = await readFile(enginePath);
    bytes[0] ^= 0xff;
    await writeFile(enginePath, bytes);
    expect(await cache.check('yolo-n', PARTS)).toMatchObject({ status: 'corrupt', reason: expect.stringMatching(/sha256/) });
    const r = await ensure();
    expect(r).toMatchObject({ status: 'corrupt', built: true });
    expect(await readFile(enginePath, 'utf8')).toBe('engine #2');
  });

  it('rebuilds a truncated engine', async () => {
    const { enginePath } = await ensure();
    await truncate(enginePath, 3);
    expect(await ensure()).toMatchObject({ status: 'corrupt', built: true, reason: expect.stringMatching(/3 bytes/) });
    expect(await readFile(enginePath, 'utf8')).toBe('engine #2');
  });

  it('rebuilds an engine without its sidecar (an interrupted build) or with a damaged one', async () => {
    const { enginePath } = await ensure();
    const sidecar = enginePath.replace(/\.engine$/, '.json');
    await rm(sidecar);
    expect(await ensure()).toMatchObject({ status: 'corrupt', built: true, reason: expect.stringMatching(/without its sidecar/) });
    await writeFile(sidecar, '{"format": 1, "key": ');
    expect(await ensure()).toMatchObject({ status: 'corrupt', built: true });
    expect(await ensure()).toMatchObject({ status: 'hit' });
    expect(builds).toBe(3);
  });

  it('treats a sidecar written for other parts as stale and rebuilds', async () => {
    const { enginePath } = await ensure();
    const sidecarPath = enginePath.replace(/\.engine$/, '.json');
    const sidecar = JSON.parse(await readFile(sidecarPath, 'utf8'));
    await writeFile(sidecarPath, JSON.stringify({ ...sidecar, trtVersion: '8.6.2' }));
    const r = await ensure();
    expect(r).toMatchObject({ status: 'stale', built: true });
    expect(r.reason).toMatch(/TensorRT "8\.6\.2", now "10\.3\.0"/);
  });

  it('removes the engines of an older TensorRT or model after building, keeps other precisions', async () => {
    const old = await ensure({ ...PARTS, trtVersion: '8.6.2' });
    const fp32 = await ensure({ ...PARTS, precision: 'fp32' });
    const other = await cache.ensure('other-model', { ...PARTS, trtVersion: '8.6.2' }, build);
    const current = await ensure();
    const files = await readdir(dir);
    expect(files).not.toContain(path.basename(old.enginePath));
    expect(files).toContain(path.basename(fp32.enginePath));
    expect(files).toContain(path.basename(other.enginePath));
    expect(files).toContain(path.basename(current.enginePath));
  });

  it('leaves nothing behind when the builder fails', async () => {
    await expect(cache.ensure('yolo-n', PARTS, async () => Promise.reject(new Error('parser: bad node')))).rejects.toThrow('bad node');
    await expect(cache.ensure('yolo-n', PARTS, async () => new Uint8Array(0))).rejects.toThrow(/no engine/);
    expect(await readdir(dir).catch(() => [])).toEqual([]);
    expect(await cache.check('yolo-n', PARTS)).toMatchObject({ status: 'missing' });
  });

  describe('loadCachedEngine', () => {
    const loader = (reject: (file: string, text: string) => Error | null) => {
      const loads: string[] = [];
      const load = async (file: string) => {
        const text = await readFile(file, 'utf8');
        loads.push(text);
        const err = reject(file, text);
        if (err) throw err;
        return { text };
      };
      return { load, loads };
    };
    const nativeError = (code: string) => Object.assign(new Error(`${code} failure`), { code });

    it('rebuilds once when TensorRT rejects a cached engine that passed the checks', async () => {
      await ensure();
      const { load, loads } = loader((_, text) => (text === 'engine #1' ? nativeError('ERR_TENSORRT') : null));
      const r = await loadCachedEngine(cache, 'yolo-n', PARTS, build, load);
      expect(r).toMatchObject({ built: true, status: 'stale', engine: { text: 'engine #2' } });
      expect(r.reason).toMatch(/rejected by TensorRT/);
      expect(loads).toEqual(['engine #1', 'engine #2']);
    });

    it('does not rebuild for a failure that is not the file (e.g. out of GPU memory)', async () => {
      await ensure();
      const { load } = loader(() => nativeError('cudaErrorMemoryAllocation'));
      await expect(loadCachedEngine(cache, 'yolo-n', PARTS, build, load)).rejects.toThrow('cudaErrorMemoryAllocation');
      expect(builds).toBe(1);
    });

    it('does not loop when a freshly built engine does not load', async () => {
      const { load, loads } = loader(() => nativeError('ERR_TENSORRT'));
      await expect(loadCachedEngine(cache, 'yolo-n', PARTS, build, load)).rejects.toThrow('ERR_TENSORRT');
      expect(builds).toBe(1);
      expect(loads).toHaveLength(1);
    });
  });
});
