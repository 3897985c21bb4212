/**
 * The reviewer page's keys for the cell classes, shown in the page's legend; the page's script
 * (review-keys.js) reads them from the legend, so this is the one place they are set. Digits for the
 * five types and the other leukocytes, letters for the rest.
 */
import { CELL_CLASSES, type CellClass } from '../../contracts/vocabulary.ts';

export const CLASS_KEYS: readonly { key: string; type: CellClass }[] = [
  { key: '1', type: 'neutrophil' },
  { key: '2', type: 'eosinophil' },
  { key: '3', type: 'basophil' },
  { key: '4', type: 'lymphocyte' },
  { key: '5', type: 'monocyte' },
  { key: '6', type: 'band' },
  { key: '7', type: 'immature_granulocyte' },
  { key: '8', type: 'blast' },
  { key: '9', type: 'reactive_lymphocyte' },
  { key: 'n', type: 'nrbc' },
  { key: 's', type: 'smudge' },
  { key: 'u', type: 'unclassified' },
  { key: 'x', type: 'not_leukocyte' },
];

/**
 * The key that marks the focused cell a duplicate, removed from the count: D (Delete and Backspace
 * already put a cell back to its type before this review).
 */
export const REMOVE_KEY = 'd';
if (CLASS_KEYS.some((k) => k.key === REMOVE_KEY)) throw new Error(`the duplicate key ${REMOVE_KEY} is a class's key too`);

// Every class has a key: a class added to the vocabulary without one fails here, at load.
for (const t of CELL_CLASSES) if (!CLASS_KEYS.some((k) => k.type === t)) throw new Error(`no review key for the class ${t}`);
