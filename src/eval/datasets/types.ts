/** The common in-memory form of every dataset reader: one field (image) with its boxes. */
import type { Box } from '../../core/types.ts';

/** Leukocytes are the detection target; RBC and platelets are kept as extra classes. */
export type CellKind = 'leukocyte' | 'rbc' | 'platelet';

export interface FieldBox {
  /** x1, y1, x2, y2 in image pixels. */
  box: Box;
  kind: CellKind;
  /** Leukocyte type index (CELL_TYPES order), or null: untyped leukocyte, or not a leukocyte. */
  type: number | null;
}

export interface Field {
  /** Absolute path of the image file. */
  file: string;
  /** The image's path relative to its dataset's image root (unique within a dataset). */
  name: string;
  /** sha256 of the image file's bytes, lower-case hex. */
  sha256: string;
  width: number;
  height: number;
  boxes: FieldBox[];
  /** The split the source itself assigns (e.g. TXL-PBC's folders), if any. */
  sourceSplit?: SplitName;
}

export const SPLITS = ['train', 'val', 'test'] as const;
export type SplitName = (typeof SPLITS)[number];
