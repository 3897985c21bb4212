import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ADDON_PATH, loadAddon, tensorRtStatus } from '../../../../src/core/inference/tensorrt/addon.ts';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const detect = (field: string) => spawnSync(process.execPath, ['tools/detect.mjs', field], { cwd: path.join(root, 'native'), encoding: 'utf8' }).stdout;

describe('native addon', () => {
  beforeAll(() => {
    // Built by `npm install`; build it here when a checkout skipped that (once: it is not rebuilt per run).
    if (!existsSync(DEFAULT_ADDON_PATH)) {
      spawnSync(process.execPath, [path.join(root, 'native', 'install.mjs')], { cwd: root, stdio: 'ignore', timeout: 300_000 });
    }
  }, 310_000);

  it('builds and loads', () => {
    expect(existsSync(DEFAULT_ADDON_PATH)).toBe(true);
    const load = loadAddon(DEFAULT_ADDON_PATH);
    expect(load.addon).toBeDefined();
    expect(typeof load.available).toBe('boolean');
    expect(load.reason.length).toBeGreaterThan(0);
  });

  it('says why TensorRT is unavailable where it was not found at build time', () => {
    if (detect('enabled') === '1') return; // a machine with TensorRT: covered on the Jetson
    const status = tensorRtStatus(loadAddon(DEFAULT_ADDON_PATH));
    expect(status.available).toBe(false);
    expect(status.reason).toBe(`addon built without TensorRT: ${detect('reason')}`);
    expect(status.version).toBeUndefined();
    expect(status.gpu).toBeUndefined();
  });

  it("is 'addon not built' when the binary is absent", () => {
    const missing = path.join(mkdtempSync(path.join(tmpdir(), 'leukodiff-trt-')), 'leukodiff_trt.node');
    expect(tensorRtStatus(loadAddon(missing))).toEqual({ available: false, reason: 'addon not built' });
  });

  it('refuses a module that is not the addon', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'leukodiff-trt-')), 'other.cjs');
    writeFileSync(file, 'module.exports = { hello: 1 };');
    const load = loadAddon(file);
    expect(load.available).toBe(false);
    expect(load.reason).toMatch(/is not leukodiff_trt/);
  });
});

describe('native/check-compile', () => {
  it('says plainly that it was skipped without TENSORRT_INCLUDE', () => {
    const env = { ...process.env };
    delete env.TENSORRT_INCLUDE;
    const r = spawnSync('bash', [path.join(root, 'native', 'check-compile')], { env, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^check-compile: skipped/);
  });

  it('fails clearly when TENSORRT_INCLUDE has no TensorRT headers', () => {
    const r = spawnSync('bash', [path.join(root, 'native', 'check-compile')], {
      env: { ...process.env, TENSORRT_INCLUDE: mkdtempSync(path.join(tmpdir(), 'leukodiff-trt-')) },
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/NvInfer\.h not found/);
  });
});
