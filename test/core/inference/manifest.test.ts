import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadManifest, ModelError, parseManifest, rewriteManifest } from '../../../src/core/inference/manifest.ts';
import { FIXTURE_MODELS } from '../../helpers/paths.ts';

const fixture = () => JSON.parse(readFileSync(path.join(FIXTURE_MODELS, 'manifest.json'), 'utf8'));

function copyModels(edit?: (m: ReturnType<typeof fixture>) => void): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ld-models-'));
  for (const f of ['fixed-a.onnx', 'fixed-b.onnx']) copyFileSync(path.join(FIXTURE_MODELS, f), path.join(dir, f));
  const m = fixture();
  edit?.(m);
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(m));
  return dir;
}

describe('model manifest', () => {
  it('loads and verifies every listed model', async () => {
    const m = await loadManifest(FIXTURE_MODELS);
    expect(m.models.map((x) => x.id)).toEqual(['fixed-a', 'fixed-b']);
    expect(m.ensemble).toEqual({ members: ['fixed-a', 'fixed-b'], mode: 'paper', iou: 0.55 });
  });

  it('refuses a model whose sha256 does not match, naming the file', async () => {
    const dir = copyModels();
    writeFileSync(path.join(dir, 'fixed-b.onnx'), Buffer.concat([readFileSync(path.join(dir, 'fixed-b.onnx')), Buffer.from([0])]));
    await expect(loadManifest(dir)).rejects.toThrow(ModelError);
    await expect(loadManifest(dir)).rejects.toThrow(/fixed-b\.onnx does not match its sha256/);
  });

  it('refuses a missing model file, naming it', async () => {
    const dir = copyModels((m) => (m.models[0].file = 'gone.onnx'));
    await expect(loadManifest(dir)).rejects.toThrow(/model file missing: .*gone\.onnx/);
  });

  it('refuses a missing or malformed manifest with what to do', async () => {
    await expect(loadManifest(mkdtempSync(path.join(tmpdir(), 'ld-empty-')))).rejects.toThrow(/no model manifest .* reinstall/);
    const dir = copyModels();
    writeFileSync(path.join(dir, 'manifest.json'), '{"version": 1,');
    await expect(loadManifest(dir)).rejects.toThrow(/not valid JSON/);
  });

  it.each([
    [(m: any) => (m.version = 2), /version: expected 1/],
    [(m: any) => (m.models[0].classes = ['a', 'b', 'c', 'd', 'e']), /'classes' must be exactly neutrophil/],
    [(m: any) => (m.models[0].input = [64]), /'input' must be \[H, W\]/],
    [(m: any) => (m.models[0].file = '../etc/passwd'), /plain file name/],
    [(m: any) => (m.models[1].id = 'fixed-a'), /duplicate id 'fixed-a'/],
    [(m: any) => (m.ensemble.members = ['fixed-a', 'nope']), /ensemble.members/],
    [(m: any) => (m.ensemble.mode = 'vote'), /ensemble.mode/],
    [(m: any) => (m.models[0].scoreThreshold = 2), /'scoreThreshold' must be a number from 0 to 1/],
    [(m: any) => (m.models[0].boxVoting = { iou: 0, power: 2 }), /'boxVoting' must be/],
    [(m: any) => (m.models[0].boxVoting = { iou: 0.7 }), /'boxVoting' must be/],
    [(m: any) => (m.models[0].boxVoting = 0.7), /'boxVoting' must be/],
    [(m: any) => (m.colourNormalisation = { strength: 1.5, target: { mean: [1, 2, 3], std: [4, 5, 6] } }), /colourNormalisation: expected/],
    [(m: any) => (m.colourNormalisation = { strength: 0.5, target: { mean: [1, 2], std: [4, 5, 6] } }), /colourNormalisation: expected/],
    [(m: any) => (m.colourNormalisation = { strength: 0.5, target: { mean: [1, 2, 3], std: [0, 5, 6] } }), /colourNormalisation: expected/],
    [(m: any) => (m.colourNormalisation = { strength: 0.5, target: { mean: [1, 2, 3], std: [4, 5, 6] }, background: [0, 200, 200] }), /colourNormalisation: expected/],
  ])('validates every field (%#)', (edit, message) => {
    const m = fixture();
    edit(m);
    expect(() => parseManifest(m)).toThrow(message);
  });

  it('reads box voting where a model has it, and leaves it out where not', () => {
    const m = fixture();
    m.models[0].boxVoting = { iou: 0.7, power: 2 };
    const parsed = parseManifest(m);
    expect(parsed.models[0].boxVoting).toEqual({ iou: 0.7, power: 2 });
    expect(parsed.models[1].boxVoting).toBeUndefined();
  });

  it('reads the colour normalisation where there is one, and leaves it out where not', () => {
    const m = fixture();
    expect(parseManifest(m).colourNormalisation).toBeUndefined();
    m.colourNormalisation = { strength: 0.5, target: { mean: [188, 178, 182], std: [15, 26, 19] } };
    expect(parseManifest(m).colourNormalisation).toEqual(m.colourNormalisation);
    m.colourNormalisation.background = [204, 205, 201];
    expect(parseManifest(m).colourNormalisation).toEqual(m.colourNormalisation);
  });
});

describe('rewriteManifest', () => {
  it('applies the edit, keeps every other key and leaves no temporary file', async () => {
    const dir = copyModels();
    const before = fixture();
    const file = await rewriteManifest(dir, (m) => {
      m.ensemble = { ...m.ensemble, iou: 0.6 };
      m.models[0].boxVoting = { iou: 0.5, power: 1 };
    });
    expect(file).toBe(path.join(dir, 'manifest.json'));
    const after = JSON.parse(readFileSync(file, 'utf8'));
    expect(after).toEqual({
      ...before,
      ensemble: { ...before.ensemble, iou: 0.6 },
      models: [{ ...before.models[0], boxVoting: { iou: 0.5, power: 1 } }, ...before.models.slice(1)],
    });
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    await expect(loadManifest(dir)).resolves.toMatchObject({ ensemble: { iou: 0.6 } });
  });
});
