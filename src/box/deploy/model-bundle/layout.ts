/**
 * Where model sets live on a box, beside the releases so that a software update leaves them alone:
 *   <root>/model-sets/<version>/        one folder per installed set, never modified once in place
 *   <root>/model-sets/current -> <version>   switched by renaming a new symlink over it (atomic)
 * The daemon reads <LEUKODIFF_MODEL_SETS>/current when it exists, else the release's own models/
 * (src/box/config.ts).
 */
import { readlinkSync } from 'node:fs';
import path from 'node:path';

export const MODEL_SETS = 'model-sets';
export const CURRENT = 'current';
/** Inside a set (and its bundle): the regression recording and the fields it was recorded on. */
export const REGRESSION_DIR = 'regression';
export const REGRESSION_JSON = 'regression.json';

export const modelSetsDir = (root: string): string => path.join(root, MODEL_SETS);

/** The version <root>/model-sets/current points at, or null (the release's own models are used). */
export function currentModelSet(root: string): string | null {
  try {
    return path.basename(readlinkSync(path.join(modelSetsDir(root), CURRENT)));
  } catch {
    return null;
  }
}
