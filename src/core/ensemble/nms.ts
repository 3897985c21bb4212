/** Plain class-agnostic NMS over the union of all members' detections (a baseline). */
import { NUM_TYPES, type Detection, type FusedCell } from '../types.ts';
import { nmsIndices } from '../geometry/boxes.ts';
import { byConfidence, checkType, meanLeukocyte } from './common.ts';

/**
 * Each kept detection becomes a cell; its group is itself plus the detections it suppressed
 * (IoU > iouThr). Votes and support are counted over the group; agreement = models in the group
 * voting the kept type / M; confidence = the kept detection's score.
 */
export function fuseNms(perModel: Detection[][], iouThr: number): FusedCell[] {
  const M = perModel.length;
  const all: Detection[] = [];
  const model: number[] = [];
  for (let m = 0; m < M; m++) {
    for (const d of perModel[m]) {
      checkType(d.type);
      all.push(d);
      model.push(m);
    }
  }
  if (all.length === 0) return [];
  const owner = new Int32Array(all.length);
  const keep = nmsIndices(all, iouThr, false, owner);
  const slot = new Int32Array(all.length).fill(-1);
  keep.forEach((i, s) => (slot[i] = s));

  const votes = keep.map(() => new Array<number>(NUM_TYPES).fill(0));
  const models = keep.map(() => new Set<number>());
  const modelsForKept = keep.map(() => new Set<number>());
  const groups = keep.map((): { model: number; detection: Detection }[] => []);
  for (let j = 0; j < all.length; j++) {
    const s = slot[owner[j]];
    const t = all[j].type;
    votes[s][t]++;
    models[s].add(model[j]);
    groups[s].push({ model: model[j], detection: all[j] });
    if (t === all[keep[s]].type) modelsForKept[s].add(model[j]);
  }
  return keep
    .map((i, s): FusedCell => {
      const d = all[i];
      return {
        box: [d.box[0], d.box[1], d.box[2], d.box[3]],
        type: d.type,
        confidence: d.score,
        votes: votes[s],
        agreement: modelsForKept[s].size / M,
        support: models[s].size,
        leukocyte: meanLeukocyte(groups[s], M),
      };
    })
    .sort(byConfidence);
}
