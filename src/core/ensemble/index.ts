/** Fusion of the ensemble members' detections into cells: the mode switch and its CLI spec. */
import type { Detection, FusedCell } from '../types.ts';
import { fusePaper } from './paper.ts';
import { fuseWbf } from './wbf.ts';
import { fuseNms } from './nms.ts';
import { fuseSingle } from './single.ts';
import { onePerCell } from './one-per-cell.ts';

export { fusePaper } from './paper.ts';
export { fuseWbf, weightedBoxesFusion } from './wbf.ts';
export { fuseNms } from './nms.ts';
export { sameLeukocyte } from './one-per-cell.ts';

export type FusionConfig =
  { mode: 'paper'; iou: number } | { mode: 'wbf'; iou: number; confType?: 'avg' | 'max'; weights?: number[]; skipBoxThr?: number } | { mode: 'nms'; iou: number } | { mode: 'single'; member: number };

/**
 * Fuses perModel[m] (the pixel detections of member m) into cells, sorted by confidence,
 * highest first. Every ensemble mode ends with the one-cell-per-leukocyte pass; `single` is one
 * member as it is, the baseline the modes are compared with.
 */
export function fuse(perModel: Detection[][], config: FusionConfig, image: { width: number; height: number }): FusedCell[] {
  if (config.mode === 'single') return fuseSingle(perModel, config.member);
  return onePerCell(fuseEnsemble(perModel, config, image));
}

function fuseEnsemble(perModel: Detection[][], config: Exclude<FusionConfig, { mode: 'single' }>, image: { width: number; height: number }): FusedCell[] {
  switch (config.mode) {
    case 'paper':
      return fusePaper(perModel, config.iou);
    case 'wbf':
      return fuseWbf(perModel, { iouThr: config.iou, confType: config.confType, weights: config.weights, skipBoxThr: config.skipBoxThr }, image);
    case 'nms':
      return fuseNms(perModel, config.iou);
    default: {
      const never: never = config;
      throw new Error(`unknown fusion mode ${(never as { mode: string }).mode}`);
    }
  }
}

/** Parses a CLI fusion spec: 'paper' | 'wbf' | 'nms' | 'single:<member id>'. */
export function parseFusionSpec(spec: string, memberIds: string[], defaults: { iou: number }): FusionConfig {
  const s = spec.trim();
  if (s === 'paper' || s === 'wbf' || s === 'nms') return { mode: s, iou: defaults.iou };
  const singles = memberIds.map((id) => `single:${id}`);
  if (s.startsWith('single:')) {
    const member = memberIds.indexOf(s.slice('single:'.length));
    if (member >= 0) return { mode: 'single', member };
    throw new Error(`unknown ensemble member in fusion spec '${spec}'; valid: ${singles.length ? singles.join(', ') : '(no members)'}`);
  }
  throw new Error(`unknown fusion spec '${spec}'; valid: ${['paper', 'wbf', 'nms', ...singles].join(', ')}`);
}
