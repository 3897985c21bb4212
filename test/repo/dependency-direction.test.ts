/**
 * The layers import one way (ARCHITECTURE.md): src/core (analysis, inference, ensemble, geometry,
 * util) is pure and imports none of the programs; in the box, sync -> workflow -> store, so neither
 * workflow nor store imports sync, and store imports neither; eval imports none of the box; the
 * hub shares only src/contracts, src/core and src/server-common with the box. Scans the import and
 * export-from statements of the sources, so a new import the wrong way fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/paths.ts';

const SRC = path.join(ROOT, 'src');
const GROUPS = new Set(['core', 'box']);

/** The layer a src/-relative path sits in: `core/x` and `box/x` inside the two groups, else the top folder. */
function layerOf(srcRelative: string): string {
  const [first, second] = srcRelative.split(path.sep);
  return GROUPS.has(first) && second !== undefined && !second.endsWith('.ts') ? `${first}/${second}` : first;
}

/** The .ts files under src/<layer>, repository-relative. */
function sources(layer: string): string[] {
  return readdirSync(path.join(SRC, layer), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join('src', layer, f));
}

/** The modules a file imports (static and dynamic), with the layer each resolves into. */
function importedLayers(file: string): { spec: string; layer: string }[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;'"]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g)].map(
    (m) => m[1] ?? m[2] ?? m[3],
  );
  return specs.filter((s) => s.startsWith('.')).map((spec) => ({ spec, layer: layerOf(path.relative(SRC, path.resolve(ROOT, path.dirname(file), spec))) }));
}

/** Imports from the given layers into a forbidden one; a forbidden group (`box`) covers all its layers. */
function wrongWay(layers: string[], forbidden: string[]): string[] {
  const hits = (layer: string) => forbidden.some((f) => layer === f || layer.startsWith(`${f}/`));
  return layers
    .flatMap((d) => sources(d))
    .flatMap((f) =>
      importedLayers(f)
        .filter((i) => hits(i.layer))
        .map((i) => `${f} imports ${i.spec}`),
    );
}

/** Imports of the .ts files under a top folder of the repository that resolve into test/. */
function importsOfTests(top: string): string[] {
  return readdirSync(path.join(ROOT, top), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .flatMap((f) => {
      const file = path.join(top, f);
      const text = readFileSync(path.join(ROOT, file), 'utf8');
      return [...text.matchAll(/\bfrom\s*['"](\.[^'"]+)['"]/g)]
        .map((m) => m[1])
        .filter((spec) => path.relative(ROOT, path.resolve(ROOT, path.dirname(file), spec)).startsWith(`test${path.sep}`))
        .map((spec) => `${file} imports ${spec}`);
    });
}

describe('dependency direction', () => {
  it('finds the imports it scans for (the scanner works)', () => {
    const found = importedLayers('src/box/sync/apply-review.ts').map((i) => i.layer);
    expect(found).toEqual(expect.arrayContaining(['box/store', 'box/workflow', 'box/sync']));
    expect(layerOf(path.join('core', 'types.ts'))).toBe('core');
  });

  it('the core imports none of the programs', () => {
    expect(wrongWay(['core'], ['box', 'hub', 'cli', 'eval', 'server-common'])).toEqual([]);
  });

  it('workflow and store never import sync', () => {
    expect(wrongWay(['box/workflow', 'box/store'], ['box/sync'])).toEqual([]);
  });

  it('store imports none of the layers above it', () => {
    expect(wrongWay(['box/store'], ['box/workflow', 'box/server', 'box/sync', 'hub'])).toEqual([]);
  });

  it('workflow never imports the server or the CLI above it', () => {
    expect(wrongWay(['box/workflow'], ['box/server', 'cli'])).toEqual([]);
  });

  it('the box imports none of the programs beside it', () => {
    expect(wrongWay(['box'], ['hub', 'cli', 'eval'])).toEqual([]);
  });

  it('the shared server parts import neither program', () => {
    expect(wrongWay(['server-common'], ['box', 'hub', 'cli', 'eval'])).toEqual([]);
  });

  it('the hub imports nothing of the box or the CLI', () => {
    expect(wrongWay(['hub'], ['box', 'cli'])).toEqual([]);
  });

  it('the research toolkit (eval) imports none of the box or the hub', () => {
    expect(wrongWay(['eval'], ['box', 'hub'])).toEqual([]);
  });

  it('the contracts import nothing of the core or of any program', () => {
    expect(wrongWay(['contracts'], ['core', 'box', 'hub', 'cli', 'eval'])).toEqual([]);
  });

  it('scripts and benches import no test code (what they share with the tests sits in scripts/lib)', () => {
    expect(importsOfTests('scripts')).toEqual([]);
    expect(importsOfTests('bench')).toEqual([]);
  });
});
