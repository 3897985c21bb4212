/**
 * The copies of the cell vocabulary that cannot import src/contracts/vocabulary.ts (SQL, Python,
 * JSON, C++) are read here as text and must say the same: change one without the others and this
 * fails, naming the file.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CELL_CLASSES, CELL_TYPES, CLASSIFIER_CLASSES } from '../../src/contracts/vocabulary.ts';
import { ROOT } from '../helpers/paths.ts';

const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');
const quoted = (text: string): string[] => [...text.matchAll(/['"]([^'"]*)['"]/g)].map((m) => m[1]);

/** A top-level Python list of strings, `NAME = [...]`, possibly over several lines. */
function pythonList(file: string, name: string): string[] {
  const m = new RegExp(`^${name} = \\[([^\\]]*)\\]`, 'm').exec(read(file));
  if (!m) throw new Error(`${file}: no list ${name} = [...]`);
  return quoted(m[1]);
}

const MIGRATIONS = 'src/box/store/migrations';

/** The cells table's CHECK on `type` in each migration that creates the table, in migration order. */
function cellTypeChecks(): { file: string; classes: string[] }[] {
  return readdirSync(path.join(ROOT, MIGRATIONS))
    .filter((f) => /^\d+-.*\.ts$/.test(f))
    .sort()
    .flatMap((f) => {
      const file = `${MIGRATIONS}/${f}`;
      return [...read(file).matchAll(/CREATE TABLE cells\w*\s*\(([\s\S]*?)\n\);/g)].map((table) => {
        const check = /\btype TEXT NOT NULL CHECK \(type IN \(([^)]*)\)\)/.exec(table[1]);
        if (!check) throw new Error(`${file}: cells table without a CHECK on type`);
        return { file, classes: quoted(check[1]) };
      });
    });
}

describe('the cell vocabulary and its copies outside TypeScript', () => {
  it('the store: the latest CHECK on cells.type allows exactly the stored cell classes', () => {
    const checks = cellTypeChecks();
    expect(checks.length, 'no migration creates the cells table').toBeGreaterThan(0);
    const latest = checks[checks.length - 1];
    // A CHECK's order means nothing: compare as sets, and add a migration to change it.
    expect([...latest.classes].sort(), `${latest.file} CHECK (type IN ...)`).toEqual([...CELL_CLASSES].sort());
  });

  it('the store: no earlier migration allowed a class the vocabulary no longer has', () => {
    for (const { file, classes } of cellTypeChecks()) {
      expect(
        classes.filter((c) => !(CELL_CLASSES as readonly string[]).includes(c)),
        file,
      ).toEqual([]);
    }
  });

  it('the classifier training: scripts/train/cellcls/common.py CLASSES is the classifier output order', () => {
    expect(pythonList('scripts/train/cellcls/common.py', 'CLASSES'), 'scripts/train/cellcls/common.py CLASSES').toEqual([...CLASSIFIER_CLASSES]);
  });

  it('the detector training: scripts/train/leukotrain TYPES is the type order', () => {
    expect(pythonList('scripts/train/leukotrain/__init__.py', 'TYPES'), 'scripts/train/leukotrain/__init__.py TYPES').toEqual([...CELL_TYPES]);
  });

  it("the test-model maker writes the detectors' classes in the type order", () => {
    const m = /'classes': \[([^\]]*)\]/.exec(read('scripts/make-test-models.py'));
    expect(m && quoted(m[1]), "scripts/make-test-models.py 'classes'").toEqual([...CELL_TYPES]);
  });

  it('models/manifest.json: every detector lists the five types, the classifier its classes, in order', () => {
    const manifest = JSON.parse(read('models/manifest.json')) as { models: { id: string; classes: string[] }[]; cellClassifier: { classes: string[] } };
    expect(manifest.models.length).toBeGreaterThan(0);
    for (const m of manifest.models) expect(m.classes, `models/manifest.json models[${m.id}].classes`).toEqual([...CELL_TYPES]);
    expect(manifest.cellClassifier.classes, 'models/manifest.json cellClassifier.classes').toEqual([...CLASSIFIER_CLASSES]);
  });

  it('the TensorRT contract in native/src expects scores [1,N,number of types]', () => {
    const engine = read('native/src/trt/engine.cc');
    const header = read('native/src/trt/engine.h');
    const found = [
      ...[...engine.matchAll(/scores[^\n]*?\[1,N,(\d+)\]/g)].map((m) => ['engine.cc scores [1,N,k]', m[1]]),
      ...[...engine.matchAll(/s\[2\] != (\d+)/g)].map((m) => ['engine.cc s[2] != k', m[1]]),
      ...[...header.matchAll(/scores[^\n]*?\[1,N,(\d+)\]/g)].map((m) => ['engine.h scores [1,N,k]', m[1]]),
      ...[...header.matchAll(/scoresLength\(\)[^\n]*?(\d+) \* count_/g)].map((m) => ['engine.h scoresLength k * count_', m[1]]),
    ];
    // Each place must be found (a rewrite of the C++ must update this test), and each must agree.
    expect(new Set(found.map(([where]) => where)).size, found.map(([w]) => w).join('; ')).toBe(4);
    for (const [where, k] of found) expect(Number(k), `native/src/trt/${where}`).toBe(CELL_TYPES.length);
  });
});
