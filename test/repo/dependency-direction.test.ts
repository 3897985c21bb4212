/**
 * The layers import one way (ARCHITECTURE.md): sync -> workflow -> store, so neither workflow nor
 * store imports sync, and store imports neither; the analysis core and eval import none of the
 * box's layers; the hub shares only src/contracts with the box, so it imports none of its layers. Scans the import and export-from statements of the
 * sources, so a new import the wrong way fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/paths.ts';

const SRC = path.join(ROOT, 'src');

/** The .ts files under src/<dir>, repository-relative. */
function sources(dir: string): string[] {
  return readdirSync(path.join(SRC, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join('src', dir, f));
}

/** The modules a file imports (static and dynamic), as the src/-relative folder they resolve into. */
function importedLayers(file: string): { spec: string; layer: string }[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;'"]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g)].map(
    (m) => m[1] ?? m[2] ?? m[3],
  );
  return specs.filter((s) => s.startsWith('.')).map((spec) => ({ spec, layer: path.relative(SRC, path.resolve(ROOT, path.dirname(file), spec)).split(path.sep)[0] }));
}

function wrongWay(dirs: string[], forbidden: string[]): string[] {
  return dirs
    .flatMap((d) => sources(d))
    .flatMap((f) =>
      importedLayers(f)
        .filter((i) => forbidden.includes(i.layer))
        .map((i) => `${f} imports ${i.spec}`),
    );
}

describe('dependency direction', () => {
  it('finds the imports it scans for (the scanner works)', () => {
    const found = importedLayers('src/sync/apply-review.ts').map((i) => i.layer);
    expect(found).toEqual(expect.arrayContaining(['store', 'workflow', 'sync']));
  });

  it('workflow and store never import sync', () => {
    expect(wrongWay(['workflow', 'store'], ['sync'])).toEqual([]);
  });

  it('store imports none of the layers above it', () => {
    expect(wrongWay(['store'], ['workflow', 'server', 'sync', 'hub'])).toEqual([]);
  });

  it('the hub imports only the contracts of the box, none of its layers', () => {
    expect(wrongWay(['hub'], ['store', 'workflow', 'sync', 'server', 'cli'])).toEqual([]);
  });

  it('workflow never imports the server or the CLI above it', () => {
    expect(wrongWay(['workflow'], ['server', 'cli'])).toEqual([]);
  });

  it('the analysis core (inference, ensemble, analysis) imports none of the programs', () => {
    expect(wrongWay(['inference', 'ensemble', 'analysis'], ['store', 'workflow', 'sync', 'server', 'hub', 'cli', 'eval'])).toEqual([]);
  });

  it('the research toolkit (eval) imports none of the box layers', () => {
    expect(wrongWay(['eval'], ['store', 'workflow', 'sync', 'server', 'hub'])).toEqual([]);
  });

  it('the contracts import nothing of either program', () => {
    expect(wrongWay(['contracts'], ['store', 'workflow', 'sync', 'server', 'hub', 'cli'])).toEqual([]);
  });
});
