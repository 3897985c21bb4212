import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { run } from '../../../../src/cli/commands/build-engines.ts';
import { CELL_TYPES } from '../../../../src/contracts/vocabulary.ts';
import { loadAddon } from '../../../../src/core/inference/tensorrt/addon.ts';
import { fakeAddon } from './fake-addon.ts';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const trtHere = loadAddon().available;

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (err.push(String(chunk)), true));
  return { out: () => out.join(''), err: () => err.join('') };
}

function modelsDir(files: Record<string, string>, corrupt: string[] = []) {
  const dir = mkdtempSync(path.join(tmpdir(), 'leukodiff-models-'));
  const models = Object.entries(files).map(([id, content]) => {
    writeFileSync(path.join(dir, `${id}.onnx`), corrupt.includes(id) ? 'damaged' : content);
    return {
      id,
      file: `${id}.onnx`,
      sha256: createHash('sha256').update(content).digest('hex'),
      input: [64, 64],
      classes: [...CELL_TYPES],
      scoreThreshold: 0.25,
      nmsIou: 0.5,
    };
  });
  const manifest = { version: 1, models, ensemble: { members: Object.keys(files), mode: 'paper', iou: 0.55 } };
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  return dir;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('leukodiff build-engines', () => {
  it.skipIf(trtHere)('exits 3 with one line on stderr where TensorRT is unavailable', async () => {
    const io = capture();
    const code = await run([]);
    vi.restoreAllMocks();
    expect(code).toBe(3);
    expect(io.out()).toBe('');
    const lines = io.err().split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^leukodiff build-engines: TensorRT unavailable \(.+\); no engines built$/);
  });

  it.skipIf(trtHere)('scripts/build-engines says the same and exits 3', () => {
    const r = spawnSync(path.join(root, 'scripts', 'build-engines'), [], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/TensorRT unavailable/);
  });

  it('builds every model with one progress line each, then finds them current', async () => {
    const dir = modelsDir({ 'yolo-n': 'model one', 'rtdetr-s': 'model two' });
    const fake = fakeAddon();
    let io = capture();
    expect(await run(['--models', dir], { addon: fake.load })).toBe(0);
    const lines = io.out().trim().split('\n');
    expect(lines[0]).toMatch(/^TensorRT 10\.3\.0 on Fake \(sm_87, 8 SMs\): 2 model\(s\)/);
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^\[1\/2\] yolo-n: built fp16 engine in [\d.]+ s \(no cached engine\) -> yolo-n\.[0-9a-f]{16}\.engine$/),
      expect.stringMatching(/^\[2\/2\] rtdetr-s: built fp16 engine in [\d.]+ s/),
    ]);
    expect(fake.calls.released).toBe(2);
    vi.restoreAllMocks();

    io = capture();
    expect(await run(['--models', dir], { addon: fake.load })).toBe(0);
    expect(io.out()).toMatch(/\[1\/2\] yolo-n: cached engine yolo-n\.[0-9a-f]{16}\.engine is current \(fp16\)/);
    expect(fake.calls.build).toHaveLength(2);
    vi.restoreAllMocks();

    io = capture();
    expect(await run(['--models', dir, '--force', '--precision', 'fp32'], { addon: fake.load })).toBe(0);
    expect(io.out()).toMatch(/\[2\/2\] rtdetr-s: built fp32 engine/);
  });

  it('goes on after a model that fails and exits 1', async () => {
    const dir = modelsDir({ a: 'model a', b: 'model b' }, ['a']);
    const io = capture();
    expect(await run(['--models', dir], { addon: fakeAddon().load })).toBe(1);
    expect(io.out()).toMatch(/\[1\/2\] a: FAILED: .*does not match its sha256/);
    expect(io.out()).toMatch(/\[2\/2\] b: built/);
    expect(io.err()).toMatch(/1 of 2 engine\(s\) failed/);
  });

  it('is a usage error for bad options or a missing manifest', async () => {
    const io = capture();
    expect(await run(['--precision', 'int8'], { addon: fakeAddon().load })).toBe(2);
    expect(await run(['--models', mkdtempSync(path.join(tmpdir(), 'empty-'))], { addon: fakeAddon().load })).toBe(2);
    expect(io.err()).toMatch(/--precision must be fp16 or fp32[\s\S]*cannot read .*manifest\.json/);
  });
});
