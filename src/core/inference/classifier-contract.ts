/** The cell classifier's manifest entry (its classes: CLASSIFIER_CLASSES in src/contracts/vocabulary.ts). */

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
