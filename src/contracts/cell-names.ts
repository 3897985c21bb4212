/** English names of the cell classes, for the daemon's findings, the printable report and the hub's pages (shared: both import it). */
import type { CellClass } from './vocabulary.ts';

/** As a row heading: "Neutrophils". */
export const CLASS_TITLES: Record<CellClass, string> = {
  neutrophil: 'Neutrophils',
  eosinophil: 'Eosinophils',
  basophil: 'Basophils',
  lymphocyte: 'Lymphocytes',
  monocyte: 'Monocytes',
  band: 'Band neutrophils',
  immature_granulocyte: 'Immature granulocytes',
  blast: 'Blasts',
  reactive_lymphocyte: 'Reactive lymphocytes',
  nrbc: 'NRBC (nucleated red cells)',
  smudge: 'Smudge cells',
  unclassified: 'Unidentified',
  not_leukocyte: 'Not leukocytes',
};

/** Inside a sentence: "neutrophils high". */
export const CLASS_PLURALS: Record<CellClass, string> = {
  neutrophil: 'neutrophils',
  eosinophil: 'eosinophils',
  basophil: 'basophils',
  lymphocyte: 'lymphocytes',
  monocyte: 'monocytes',
  band: 'band neutrophils',
  immature_granulocyte: 'immature granulocytes',
  blast: 'blasts',
  reactive_lymphocyte: 'reactive lymphocytes',
  nrbc: 'NRBC',
  smudge: 'smudge cells',
  unclassified: 'unidentified cells',
  not_leukocyte: 'not leukocytes',
};

/** A class's title, or the raw name for a class this version does not know (a newer box's payload at the hub). */
export const classTitle = (type: string): string => (CLASS_TITLES as Record<string, string>)[type] ?? type.replace(/_/g, ' ');
