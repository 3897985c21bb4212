/** Names of the cell classes, for the daemon's findings, the printable report and the hub's pages (shared: both import it); English, and French titles for the hub. */
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

/** French row headings for the hub's pages, in the kiosk's terms (ui/src/i18n/fr.ts `type.*`, here as plurals). */
export const CLASS_TITLES_FR: Record<CellClass, string> = {
  neutrophil: 'Neutrophiles',
  eosinophil: 'Éosinophiles',
  basophil: 'Basophiles',
  lymphocyte: 'Lymphocytes',
  monocyte: 'Monocytes',
  band: 'Bandes (non segmentés)',
  immature_granulocyte: 'Granuleux immatures',
  blast: 'Blastes',
  reactive_lymphocyte: 'Lymphocytes réactifs/activés',
  nrbc: 'Érythroblastes',
  smudge: 'Ombres de Gumprecht',
  unclassified: 'Non identifiées',
  not_leukocyte: 'Pas des leucocytes',
};

/** A class's title, or the raw name for a class this version does not know (a newer box's payload at the hub). */
export const classTitle = (type: string, titles: Record<CellClass, string> = CLASS_TITLES): string => (titles as Record<string, string>)[type] ?? type.replace(/_/g, ' ');
