/** The cell classifier's contract: its classes, in output order, and its manifest entry. */

/** What the classifier can say, in its output order; the first five are CELL_TYPES. */
export const CLASSIFIER_CLASSES = [
  'neutrophil',
  'eosinophil',
  'basophil',
  'lymphocyte',
  'monocyte',
  'immature_granulocyte',
  'erythroblast',
  'not_leukocyte',
] as const;

export interface ClassifierEntry {
  file: string;
  sha256: string;
  /** Side of the square crop fed to the model, pixels. */
  inputPx: number;
  /** Side of the crop in red-cell diameters. */
  cropRbc: number;
  classes: readonly string[];
  /** A cell whose top probability is below this is 'unidentified' (always reviewed). */
  unidentifiedBelow: number;
  gflops?: number;
  training?: Record<string, unknown>;
  metrics?: Record<string, unknown>;
}
