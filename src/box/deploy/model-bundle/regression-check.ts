/** The box's check of a model set before it is switched to: it must find what its maker recorded. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { compareRegression, recordRegression, type ModelRegression } from '../../../core/analysis/model-regression.ts';
import { loadEngine } from '../../../core/inference/engine.ts';
import { REGRESSION_DIR, REGRESSION_JSON } from './layout.ts';

/**
 * Runs the set in setDir (onnxruntime, the backend the recording was made with) on the fields of
 * its regression folder; returns the differences from the recording, one line each (empty: passed).
 */
export async function checkModelSetRegression(setDir: string): Promise<string[]> {
  const dir = path.join(setDir, REGRESSION_DIR);
  let recorded: ModelRegression;
  try {
    recorded = JSON.parse(await readFile(path.join(dir, REGRESSION_JSON), 'utf8')) as ModelRegression;
  } catch (err) {
    return [`no readable regression recording (${(err as Error).message})`];
  }
  const engine = await loadEngine({ modelsDir: setDir, backend: 'onnxruntime', threads: 1 });
  try {
    return compareRegression(recorded, await recordRegression(engine, dir, Object.keys(recorded.fields ?? {})));
  } finally {
    await engine.close();
  }
}
