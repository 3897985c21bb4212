import { copyFileSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/box/config.ts';
import { applyBundle } from '../../../src/box/deploy/bundle/apply.ts';
import { BundleError, MAGIC, MODEL_BUNDLE, NOARCH } from '../../../src/box/deploy/bundle/format.ts';
import { generateSigningKeys, loadPrivateKey, loadPublicKey } from '../../../src/box/deploy/bundle/keys.ts';
import { makeBundle, writeBundle } from '../../../src/box/deploy/bundle/make.ts';
import { applyModelBundle, recoverModelSwitch, SWITCH_MARKER, useModelSet, type ModelApplyHooks } from '../../../src/box/deploy/model-bundle/apply.ts';
import { currentModelSet, modelSetsDir } from '../../../src/box/deploy/model-bundle/layout.ts';
import { makeModelBundle } from '../../../src/box/deploy/model-bundle/make.ts';
import { buildServer } from '../../../src/box/server/server.ts';
import { loadEngine } from '../../../src/core/inference/engine.ts';
import { modelSetVersion, parseManifest } from '../../../src/core/inference/manifest.ts';
import { recordRegression } from '../../../src/core/analysis/model-regression.ts';
import { run as applyBundleCli } from '../../../src/cli/commands/bundle-apply.ts';
import { run as applyModelCli } from '../../../src/cli/commands/model-bundle-apply.ts';
import { captureOutput as capture } from '../../helpers/capture.ts';
import { FIXTURE_MODELS, DEMO_IMAGES } from '../../helpers/paths.ts';
import { signIn, withCookieJar } from '../../helpers/session.ts';
import { analysed, createSample, createUsers, fieldJpeg, NURSE_PIN, upload } from '../../helpers/workflow.ts';

const keys = generateSigningKeys();
const priv = loadPrivateKey(keys.privatePem);
const pub = loadPublicKey(keys.publicPem);
const FIELDS = { dir: DEMO_IMAGES, names: ['bcd-9a5a40ca.jpg'] };
const BOOT_ID = existsSync('/proc/sys/kernel/random/boot_id') ? readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() : '';

let tmp: string;
let root: string;

/** A model set from the fixture detectors with its own version (and, to tell sets apart, a cap on detections per model). */
function modelSet(version: string | null, maxDetections = 100): string {
  const dir = path.join(tmp, `models-${version}-${maxDetections}`);
  mkdirSync(dir, { recursive: true });
  const manifest = JSON.parse(readFileSync(path.join(FIXTURE_MODELS, 'manifest.json'), 'utf8'));
  if (version) manifest.modelSet = { version, createdAt: '2026-12-07T10:00:00Z' };
  for (const m of manifest.models) {
    m.maxDetections = maxDetections;
    copyFileSync(path.join(FIXTURE_MODELS, m.file), path.join(dir, m.file));
  }
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return dir;
}

async function modelBundle(version: string, maxDetections = 100, extra: Partial<Parameters<typeof makeModelBundle>[0]> = {}): Promise<string> {
  const out = path.join(tmp, `models-${version}-${maxDetections}.ldb`);
  await makeModelBundle({ modelsDir: modelSet(version, maxDetections), privateKey: priv, out, regressionFields: FIELDS, ...extra });
  return out;
}

/** Every path under a folder with its kind, size and link target: to prove nothing changed. */
function tree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d).sort()) {
      const p = path.join(d, n);
      const st = lstatSync(p);
      out.push(`${path.relative(dir, p)} ${st.isSymbolicLink() ? '-> ' + readlinkSync(p) : st.isDirectory() ? 'dir' : st.size}`);
      if (st.isDirectory() && !st.isSymbolicLink()) walk(p);
    }
  };
  walk(dir);
  return out;
}

/** A daemon that, like leukodiff.service, loads <root>/model-sets/current at each (re)start, on one data folder. */
class FakeDaemon {
  app: FastifyInstance | null = null;
  restarts = 0;
  failHealth = false;
  constructor(private readonly dataDir: string) {}
  async restart(): Promise<void> {
    this.restarts++;
    await this.app?.close();
    const config = loadConfig({ LEUKODIFF_MODEL_SETS: modelSetsDir(root) }, { dataDir: this.dataDir, backend: 'onnxruntime', threads: 1, logLevel: 'silent' });
    const engine = await loadEngine({ modelsDir: config.modelsDir, backend: 'onnxruntime', threads: 1 });
    this.app = await buildServer(config, engine, { logger: false });
    await this.app.ready();
    withCookieJar(this.app);
  }
  hooks(): ModelApplyHooks {
    return {
      restartDaemon: () => this.restart(),
      healthy: async (v) => !this.failHealth && (await this.app!.inject({ url: '/api/health' })).json().modelSet.version === v,
    };
  }
}

beforeEach(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'leukodiff-model-bundle-'));
  root = path.join(tmp, 'opt');
  mkdirSync(root);
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

describe('model bundles', () => {
  let good: string;
  let daemon: FakeDaemon;
  const noDaemon: ModelApplyHooks = {
    restartDaemon: async () => {
      throw new Error('the daemon must not be restarted');
    },
    healthy: async () => false,
  };

  beforeEach(async () => {
    daemon = new FakeDaemon(path.join(tmp, 'data'));
    good = await modelBundle('2026.1.1');
  });
  afterEach(async () => daemon.app?.close());

  it('applies a good bundle: unpacked beside, checked, switched, restarted, healthy', async () => {
    const r = await applyModelBundle({ bundle: good, root, publicKey: pub, hooks: daemon.hooks(), pollMs: 10, deadlineMs: 2000 });
    expect(r).toEqual({ status: 'applied', version: '2026.1.1', previous: null });
    expect(currentModelSet(root)).toBe('2026.1.1');
    expect(readlinkSync(path.join(modelSetsDir(root), 'current'))).toBe('2026.1.1');
    expect(readdirSync(path.join(modelSetsDir(root), '2026.1.1')).sort()).toEqual(['.leukodiff-release.json', 'fixed-a.onnx', 'fixed-b.onnx', 'manifest.json', 'regression']);
    expect((await daemon.app!.inject({ url: '/api/health' })).json().modelSet).toEqual({ version: '2026.1.1' });
    // Applying the same set again changes nothing.
    expect((await applyModelBundle({ bundle: good, root, publicKey: pub, hooks: noDaemon })).status).toBe('unchanged');
  });

  it('keeps the model set version of results analysed before an update; new results carry the new one', async () => {
    await applyModelBundle({ bundle: good, root, publicKey: pub, hooks: daemon.hooks(), pollMs: 10 });
    const users = await createUsers(daemon.app!);
    const id = await createSample(daemon.app!, undefined, users.nurse);
    expect((await upload(daemon.app!, id, await fieldJpeg(1))).statusCode).toBe(202);
    const before = await analysed(daemon.app!, id);
    expect(before.fields[0].analysis.modelSet).toBe('2026.1.1');

    const next = await modelBundle('2026.2.1', 2);
    const r = await applyModelBundle({ bundle: next, root, publicKey: pub, hooks: daemon.hooks(), pollMs: 10 });
    expect(r).toEqual({ status: 'applied', version: '2026.2.1', previous: '2026.1.1' });
    expect(readdirSync(modelSetsDir(root)).sort()).toEqual(['2026.1.1', '2026.2.1', 'current']); // the previous set is kept
    const app = daemon.app!;
    await signIn(app, users.nurse, NURSE_PIN);
    const kept = (await app.inject({ url: `/api/samples/${id}` })).json();
    expect(kept.fields[0].analysis).toEqual(before.fields[0].analysis);
    expect(kept.fields[0].cells).toEqual(before.fields[0].cells);
    expect((await upload(app, id, await fieldJpeg(2))).statusCode).toBe(202);
    const after = await analysed(app, id);
    expect(after.fields.map((f: { analysis: { modelSet: string } }) => f.analysis.modelSet)).toEqual(['2026.1.1', '2026.2.1']);
    const report = (await app.inject({ url: `/api/samples/${id}/report` })).json();
    expect(report.analysis.modelSets).toEqual(['2026.1.1', '2026.2.1']);
    expect(report.fields.map((f: { modelSet: string }) => f.modelSet)).toEqual(['2026.1.1', '2026.2.1']);
    const html = (await app.inject({ url: `/api/samples/${id}/report.html` })).body;
    expect(html).toContain('model set 2026.1.1, 2026.2.1 (fields 1: 2026.1.1, 2: 2026.2.1)');

    // A failed health check after the next switch goes back to 2026.2.1 by itself.
    daemon.failHealth = true;
    const bad = await modelBundle('2026.3.1', 1);
    const restarts = daemon.restarts;
    const rolled = await applyModelBundle({ bundle: bad, root, publicKey: pub, hooks: daemon.hooks(), pollMs: 10, deadlineMs: 100 });
    expect(rolled.status).toBe('rolled-back');
    expect(rolled.reason).toContain('did not answer healthy with model set 2026.3.1 within 0 s');
    expect(rolled.reason).toContain('call support'); // health still failing for the previous set too (failHealth)
    expect(daemon.restarts).toBe(restarts + 2);
    expect(currentModelSet(root)).toBe('2026.2.1');
    expect(readdirSync(modelSetsDir(root)).sort()).toEqual(['2026.1.1', '2026.2.1', 'current']);
    expect((await daemon.app!.inject({ url: '/api/health' })).json().modelSet.version).toBe('2026.2.1');
    await signIn(daemon.app!, users.nurse, NURSE_PIN);
    expect((await daemon.app!.inject({ url: `/api/samples/${id}` })).json().fields.map((f: { analysis: { modelSet: string } }) => f.analysis.modelSet)).toEqual(['2026.1.1', '2026.2.1']);

    // Manual rollback to the kept set.
    daemon.failHealth = false;
    expect(await useModelSet({ root, version: '2026.1.1', hooks: daemon.hooks(), pollMs: 10 })).toMatchObject({ status: 'applied', version: '2026.1.1', previous: '2026.2.1' });
    expect((await daemon.app!.inject({ url: '/api/health' })).json().modelSet.version).toBe('2026.1.1');
  });

  it('rolls back to the release models when the first set never becomes healthy', async () => {
    daemon.failHealth = true;
    const r = await applyModelBundle({ bundle: good, root, publicKey: pub, hooks: daemon.hooks(), pollMs: 10, deadlineMs: 50 });
    expect(r.status).toBe('rolled-back');
    expect(currentModelSet(root)).toBeNull();
    expect(tree(modelSetsDir(root))).toEqual([]);
  });

  it('leaves no trace of a refused first set', async () => {
    const engine = await loadEngine({ modelsDir: modelSet('2026.1.1'), backend: 'onnxruntime', threads: 1 });
    const recorded = await recordRegression(engine, FIELDS.dir, FIELDS.names);
    await engine.close();
    const bad = await modelBundle('2026.2.1', 1, { regression: recorded });
    await expect(applyModelBundle({ bundle: bad, root, publicKey: pub, hooks: noDaemon })).rejects.toThrow(/fails its regression fixture/);
    expect(tree(root)).toEqual([]);
  });

  describe('refusals change nothing', () => {
    let before: string[];
    beforeEach(async () => {
      await applyModelBundle({ bundle: good, root, publicKey: pub, hooks: daemon.hooks(), pollMs: 10 });
      before = tree(root);
    });
    const refused = async (bundle: string, message: RegExp) => {
      const restarts = daemon.restarts;
      await expect(applyModelBundle({ bundle, root, publicKey: pub, hooks: daemon.hooks(), pollMs: 10 })).rejects.toThrow(message);
      await expect(applyModelBundle({ bundle, root, publicKey: pub, hooks: daemon.hooks(), pollMs: 10 })).rejects.toBeInstanceOf(BundleError);
      expect(tree(root)).toEqual(before);
      expect(daemon.restarts).toBe(restarts);
      expect((await daemon.app!.inject({ url: '/api/health' })).json().modelSet.version).toBe('2026.1.1');
    };

    it('a bundle signed with another key', async () => {
      const other = generateSigningKeys();
      const out = path.join(tmp, 'other-key.ldb');
      await makeModelBundle({ modelsDir: modelSet('2026.2.1'), privateKey: loadPrivateKey(other.privatePem), out, regressionFields: FIELDS });
      await refused(out, /signature does not verify with this box's network key .* \(it says it was signed with key/);
    });

    it('a bundle altered after signing', async () => {
      const file = await modelBundle('2026.2.1', 2);
      const b = readFileSync(file);
      b[b.length - 20] ^= 0xff;
      writeFileSync(file, b);
      await refused(file, /payload does not match its signed manifest/);
      // The signed manifest itself altered (the new version named in it).
      const c = readFileSync(await modelBundle('2026.2.2', 2));
      const at = c.indexOf('2026.2.2', MAGIC.length);
      c.write('2026.9.9', at);
      writeFileSync(file, c);
      await refused(file, /signature does not verify .* altered after signing/);
    });

    it("a model file that does not match the manifest's sha256", async () => {
      // Signed as it is, but the set's manifest.json names another sha256 for fixed-b.onnx.
      const dir = modelSet('2026.2.1');
      const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
      manifest.models[1].sha256 = 'f'.repeat(64);
      writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
      const out = path.join(tmp, 'bad-sha.ldb');
      const files = ['manifest.json', 'fixed-a.onnx', 'fixed-b.onnx'].map((f) => ({ rel: f, abs: path.join(dir, f) }));
      await writeBundle({ format: MODEL_BUNDLE, version: '2026.2.1', arch: NOARCH, createdAt: new Date().toISOString() }, files, [], priv, out);
      await refused(out, /fixed-b.onnx does not match its sha256 in models\/manifest.json/);
    });

    it('a model set that fails its regression fixture', async () => {
      // Recorded on the set that keeps every detection, shipped keeping one per model: fewer detections on the box.
      const recorded = JSON.parse(readFileSync(path.join(modelSetsDir(root), '2026.1.1', 'regression', 'regression.json'), 'utf8'));
      const out = await modelBundle('2026.2.1', 1, { regression: recorded });
      await refused(out, /model set 2026.2.1 fails its regression fixture \(\d+ differences?: bcd-9a5a40ca.jpg: fixed-a found \d detections, recorded \d/);
    });

    it('a release bundle given as a model bundle, and a model bundle given as a release', async () => {
      const src = path.join(tmp, 'src');
      mkdirSync(path.join(src, 'node_modules'), { recursive: true });
      writeFileSync(path.join(src, 'package.json'), JSON.stringify({ name: 'leukodiff', version: '9.9.9' }));
      const release = path.join(tmp, 'release.ldb');
      await makeBundle({ sourceDir: src, arch: 'x64', privateKey: priv, out: release, include: ['package.json'] });
      await refused(release, /this is an update bundle \(leukodiff apply-bundle\), not a model bundle: refused/);
      const hooks = { stopDaemon: async () => {}, startDaemon: async () => {}, migrate: async () => {}, healthy: async () => true };
      await expect(applyBundle({ bundle: good, root, dataDir: path.join(tmp, 'data'), publicKey: pub, hooks })).rejects.toThrow(
        /this is a model bundle \(leukodiff apply-model-bundle\), not an update bundle: refused/,
      );
      expect(tree(root)).toEqual(before);
    });

    it('by the command: one line, exit 2, the outcome for the settings screen', async () => {
      const other = generateSigningKeys();
      const out = path.join(tmp, 'other-key.ldb');
      await makeModelBundle({ modelsDir: modelSet('2026.2.1'), privateKey: loadPrivateKey(other.privatePem), out, regressionFields: FIELDS });
      const pubFile = path.join(tmp, 'net.pub');
      writeFileSync(pubFile, keys.publicPem);
      const status = path.join(tmp, 'last-result.json');
      const err: string[] = [];
      const write = process.stderr.write.bind(process.stderr);
      process.stderr.write = ((s: string) => err.push(s) > 0) as typeof process.stderr.write;
      let code: number;
      try {
        code = await applyModelCli([out, '--pubkey', pubFile, '--root', root, '--data', path.join(tmp, 'data'), '--status-file', status], daemon.hooks());
      } finally {
        process.stderr.write = write;
      }
      expect(code).toBe(2);
      expect(err).toHaveLength(1);
      expect(err[0]).toMatch(/^leukodiff apply-model-bundle: the bundle's signature does not verify .*: refused\n$/);
      expect(JSON.parse(readFileSync(status, 'utf8'))).toMatchObject({ kind: 'model-set', status: 'refused', bundle: 'other-key.ldb' });
      expect(tree(root)).toEqual(before);

      // The settings screen's drop folder goes through apply-bundle, which hands a model bundle on.
      const incoming = path.join(tmp, 'incoming');
      mkdirSync(incoming);
      copyFileSync(out, path.join(incoming, 'models.ldb'));
      err.length = 0;
      process.stderr.write = ((s: string) => err.push(s) > 0) as typeof process.stderr.write;
      try {
        code = await applyBundleCli(['--from-dir', incoming, '--pubkey', pubFile, '--root', root, '--data', path.join(tmp, 'data'), '--status-file', status]);
      } finally {
        process.stderr.write = write;
      }
      expect(code).toBe(2);
      expect(err.join('')).toMatch(/^leukodiff apply-model-bundle: the bundle's signature does not verify/);
      expect(JSON.parse(readFileSync(status, 'utf8'))).toMatchObject({ kind: 'model-set', status: 'refused', bundle: 'models.ldb' });
      expect(readdirSync(incoming)).toEqual([]);
      expect(tree(root)).toEqual(before);
    });

    describe('a cut between the switch and the health check', () => {
      /** The daemon's hooks, copying the install root as it is on disk when the restart begins: the box after a power cut there. */
      const cutAt = (cut: string, hooks: ModelApplyHooks): ModelApplyHooks => ({
        ...hooks,
        restartDaemon: async () => {
          if (!existsSync(cut)) cpSync(root, cut, { recursive: true, verbatimSymlinks: true });
          return hooks.restartDaemon();
        },
      });
      const marker = (r: string) => path.join(modelSetsDir(r), SWITCH_MARKER);
      let cut: string;
      beforeEach(async () => {
        await applyModelBundle({ bundle: good, root, publicKey: pub, hooks: daemon.hooks(), pollMs: 10 });
        cut = path.join(tmp, 'cut');
        const next = await modelBundle('2026.2.1', 2);
        expect((await applyModelBundle({ bundle: next, root, publicKey: pub, hooks: cutAt(cut, daemon.hooks()), pollMs: 10 })).status).toBe('applied');
      });

      it('the marker is on disk before the restart and gone once applied or rolled back', async () => {
        expect(readlinkSync(path.join(modelSetsDir(cut), 'current'))).toBe('2026.2.1');
        expect(JSON.parse(readFileSync(marker(cut), 'utf8'))).toMatchObject({ version: '2026.2.1', previous: '2026.1.1', at: expect.any(String) });
        expect(existsSync(marker(root))).toBe(false);
        daemon.failHealth = true;
        expect((await applyModelBundle({ bundle: await modelBundle('2026.3.1', 1), root, publicKey: pub, hooks: daemon.hooks(), pollMs: 10, deadlineMs: 50 })).status).toBe('rolled-back');
        expect(readdirSync(modelSetsDir(root)).sort()).toEqual(['2026.1.1', '2026.2.1', 'current']);
        daemon.failHealth = false;
        await useModelSet({ root, version: '2026.1.1', hooks: daemon.hooks(), pollMs: 10 });
        expect(readdirSync(modelSetsDir(root)).sort()).toEqual(['2026.1.1', '2026.2.1', 'current']);
      });

      it('recovery switches back to the set before, removes the new one and the marker', async () => {
        expect(await recoverModelSwitch(cut)).toEqual({
          status: 'rolled-back',
          version: '2026.2.1',
          previous: '2026.1.1',
          reason: 'the box stopped (power cut or crash) between the switch to model set 2026.2.1 and its health check: back on 2026.1.1; apply the bundle again',
        });
        expect(readlinkSync(path.join(modelSetsDir(cut), 'current'))).toBe('2026.1.1');
        expect(readdirSync(modelSetsDir(cut)).sort()).toEqual(['2026.1.1', 'current']);
        expect(existsSync(path.join(cut, '.update.lock'))).toBe(false);
        // Nothing left to do, and nothing to do on a box that never switched.
        expect(await recoverModelSwitch(cut)).toEqual({ status: 'nothing' });
        const before = tree(root);
        expect(await recoverModelSwitch(root)).toEqual({ status: 'nothing' });
        expect(tree(root)).toEqual(before);
        expect(await recoverModelSwitch(path.join(tmp, 'nowhere'))).toEqual({ status: 'nothing' });
      });

      it('after a cut during --use, switches back and keeps both sets', async () => {
        const used = path.join(tmp, 'used');
        await useModelSet({ root, version: '2026.1.1', hooks: cutAt(used, daemon.hooks()), pollMs: 10 });
        expect(currentModelSet(used)).toBe('2026.1.1');
        const r = await recoverModelSwitch(used);
        expect(r).toMatchObject({ status: 'rolled-back', version: '2026.1.1', previous: '2026.2.1' });
        expect(r.reason).toMatch(/back on 2026.2.1; run leukodiff apply-model-bundle --use 2026.1.1 again$/);
        expect(readdirSync(modelSetsDir(used)).sort()).toEqual(['2026.1.1', '2026.2.1', 'current']);
        expect(currentModelSet(used)).toBe('2026.2.1');
      });

      it('changes nothing while an update holds the lock (the apply restarting the daemon itself)', async () => {
        writeFileSync(path.join(cut, '.update.lock'), String(process.ppid));
        const before = tree(cut);
        expect(await recoverModelSwitch(cut)).toEqual({ status: 'busy' });
        expect(tree(cut)).toEqual(before);
        // A lock left by a process that is gone does not stop it.
        writeFileSync(path.join(cut, '.update.lock'), '999999999');
        expect((await recoverModelSwitch(cut)).status).toBe('rolled-back');
      });

      it('an apply over a switch that never settled (killed during the health wait) switches back first, then applies again', async () => {
        // The same bundle again: without settling first it would say 'unchanged' and leave the marker for a later --recover.
        const lines: string[] = [];
        const locks: string[] = [];
        const hooks: ModelApplyHooks = {
          restartDaemon: async () => void locks.push(readFileSync(path.join(cut, '.update.lock'), 'utf8')),
          healthy: async (v) => currentModelSet(cut) === v,
          log: (line) => lines.push(line),
        };
        const r = await applyModelBundle({ bundle: await modelBundle('2026.2.1', 2), root: cut, publicKey: pub, hooks, pollMs: 10 });
        expect(r).toEqual({ status: 'applied', version: '2026.2.1', previous: '2026.1.1' });
        const back = lines.findIndex((l) => /between the switch to model set 2026.2.1 and its health check: back on 2026.1.1/.test(l));
        expect(back).toBeGreaterThanOrEqual(0);
        expect(back).toBeLessThan(lines.findIndex((l) => l.startsWith('switched to model set 2026.2.1 (previous: 2026.1.1)')));
        expect(currentModelSet(cut)).toBe('2026.2.1');
        expect(readdirSync(modelSetsDir(cut)).sort()).toEqual(['2026.1.1', '2026.2.1', 'current']);
        expect(existsSync(marker(cut))).toBe(false);
        expect(await recoverModelSwitch(cut)).toEqual({ status: 'nothing' });
        // The lock names this process and this boot.
        expect(locks).toEqual([BOOT_ID ? `${process.pid} ${BOOT_ID}\n` : `${process.pid}\n`]);
      });

      it('--use over a switch that never settled switches back first', async () => {
        const used = path.join(tmp, 'used');
        await useModelSet({ root, version: '2026.1.1', hooks: cutAt(used, daemon.hooks()), pollMs: 10 });
        const lines: string[] = [];
        const hooks: ModelApplyHooks = { restartDaemon: async () => {}, healthy: async (v) => currentModelSet(used) === v, log: (line) => lines.push(line) };
        expect(await useModelSet({ root: used, version: '2026.1.1', hooks, pollMs: 10 })).toEqual({ status: 'applied', version: '2026.1.1', previous: '2026.2.1' });
        expect(lines).toEqual([expect.stringMatching(/back on 2026.2.1; run leukodiff apply-model-bundle --use 2026.1.1 again$/)]);
        expect(currentModelSet(used)).toBe('2026.1.1');
        expect(existsSync(marker(used))).toBe(false);
        expect(readdirSync(modelSetsDir(used)).sort()).toEqual(['2026.1.1', '2026.2.1', 'current']);

        // --use of the set whose apply never settled: switched back and removed, so it is no longer there to use.
        await expect(useModelSet({ root: cut, version: '2026.2.1', hooks, pollMs: 10 })).rejects.toThrow("no installed model set '2026.2.1' (kept: 2026.1.1;");
        expect(currentModelSet(cut)).toBe('2026.1.1');
        expect(readdirSync(modelSetsDir(cut)).sort()).toEqual(['2026.1.1', 'current']);
        expect(existsSync(path.join(cut, '.update.lock'))).toBe(false);
      });

      it('the lock is held only by a running process of this boot', async () => {
        const lock = path.join(root, '.update.lock');
        const held = async (content: string) => {
          writeFileSync(lock, content);
          const r = await recoverModelSwitch(root);
          return r.status === 'busy';
        };
        // Cut between create and write, garbage, no process, this process.
        for (const content of ['', '\n', 'x1', '12abc', '0', '-1', '1.5', '999999999', String(process.pid)]) expect(await held(content), JSON.stringify(content)).toBe(false);
        expect(existsSync(lock)).toBe(false);
        // A running process: by the old format (pid alone), and by this boot's id.
        expect(await held(String(process.ppid))).toBe(true);
        if (BOOT_ID) {
          expect(await held(`${process.ppid} ${BOOT_ID}\n`)).toBe(true);
          // The pid from before a reboot names some other process now.
          expect(await held(`${process.ppid} 00000000-0000-0000-0000-000000000000\n`)).toBe(false);
        }
        // An empty lock does not stop an apply either.
        writeFileSync(lock, '');
        expect((await applyModelBundle({ bundle: good, root, publicKey: pub, hooks: daemon.hooks(), pollMs: 10 })).status).toBe('applied');
        expect(existsSync(lock)).toBe(false);
        writeFileSync(lock, String(process.ppid));
        await expect(applyModelBundle({ bundle: good, root, publicKey: pub, hooks: noDaemon })).rejects.toThrow(`another update is running (process ${process.ppid})`);
        rmSync(lock);
      });

      it('goes back to the release models after a cut during the first set', async () => {
        const first = path.join(tmp, 'first');
        rmSync(root, { recursive: true });
        mkdirSync(root);
        await applyModelBundle({ bundle: good, root, publicKey: pub, hooks: cutAt(first, daemon.hooks()), pollMs: 10 });
        expect(JSON.parse(readFileSync(marker(first), 'utf8'))).toMatchObject({ version: '2026.1.1', previous: null });
        const r = await recoverModelSwitch(first);
        expect(r).toMatchObject({ status: 'rolled-back', version: '2026.1.1', previous: null });
        expect(r.reason).toContain("back on the release's own models");
        expect(tree(modelSetsDir(first))).toEqual([]);
      });

      it('by the command: exit 0 and the outcome when it switched back, 1 on an unreadable marker, 2 with a bundle', async () => {
        const status = path.join(tmp, 'last-result.json');
        const args = ['--recover', '--root', cut, '--data', path.join(tmp, 'data'), '--status-file', status];
        let r = await capture(() => applyModelCli(args, daemon.hooks()));
        expect(r.code).toBe(0);
        expect(r.out).toMatch(/^the box stopped \(power cut or crash\) between the switch to model set 2026.2.1 .*: back on 2026.1.1; apply the bundle again\n$/);
        expect(JSON.parse(readFileSync(status, 'utf8'))).toMatchObject({ kind: 'model-set', status: 'rolled-back', version: '2026.2.1', previous: '2026.1.1' });
        expect(currentModelSet(cut)).toBe('2026.1.1');

        rmSync(status);
        r = await capture(() => applyModelCli(args, daemon.hooks()));
        expect(r.code).toBe(0);
        expect(existsSync(status)).toBe(false);

        writeFileSync(marker(cut), '{"version": "2026.2');
        r = await capture(() => applyModelCli(args, daemon.hooks()));
        expect(r.code).toBe(1);
        expect(r.err).toMatch(
          /^leukodiff apply-model-bundle: failed: the model set switch marker .* was unreadable .*model-sets\/current left on 2026.1.1: check the models with leukodiff apply-model-bundle --use VERSION\n$/,
        );
        expect(JSON.parse(readFileSync(status, 'utf8'))).toMatchObject({ kind: 'model-set', status: 'failed' });
        expect(currentModelSet(cut)).toBe('2026.1.1');
        expect(existsSync(marker(cut))).toBe(false);

        for (const extra of [[good], ['--use', '2026.1.1']]) {
          r = await capture(() => applyModelCli([...args, ...extra], daemon.hooks()));
          expect(r.code).toBe(2);
          expect(r.err).toBe('leukodiff apply-model-bundle: --recover takes no bundle and no --use\n');
        }
      });
    });
  });
});

describe('model set version', () => {
  it('comes from the manifest, or for an unversioned one from its model files', () => {
    const manifest = JSON.parse(readFileSync(path.join(FIXTURE_MODELS, 'manifest.json'), 'utf8'));
    expect(modelSetVersion(parseManifest({ ...manifest, modelSet: { version: '2026.12.1', createdAt: '2026-12-07T10:00:00Z' } }))).toBe('2026.12.1');
    const unversioned = modelSetVersion(parseManifest(manifest));
    expect(unversioned).toMatch(/^unversioned-[0-9a-f]{12}$/);
    manifest.models[0].sha256 = '0'.repeat(64);
    expect(modelSetVersion(parseManifest(manifest))).not.toBe(unversioned);
    for (const version of ['', '../x', 'a/b', '.hidden']) expect(() => parseManifest({ ...manifest, modelSet: { version } })).toThrow(/modelSet: expected \{"version"/);
  });

  it('is required to make a model bundle', async () => {
    await expect(makeModelBundle({ modelsDir: modelSet(null), privateKey: priv, out: path.join(tmp, 'x.ldb'), regressionFields: FIELDS })).rejects.toThrow(/has no modelSet version: add "modelSet"/);
  });
});
