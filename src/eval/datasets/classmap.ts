/**
 * Tolerant mapping of dataset class names to the project's classes: the study's codes
 * (NG/EG/BG/L/M), full type names in any case or plural, untyped leukocyte names (WBC, ...),
 * and the extra non-leukocyte classes (RBC, platelets).
 */
import { CELL_TYPE_CODES, CELL_TYPES } from '../../contracts/vocabulary.ts';
import type { CellKind } from './types.ts';

export interface MappedClass {
  kind: CellKind;
  type: number | null;
}

const ALIASES = new Map<string, MappedClass>();

function alias(kind: CellKind, type: number | null, ...names: string[]): void {
  for (const n of names) ALIASES.set(normaliseClassName(n), { kind, type });
}

/** Lower-case, letters and digits only: 'White Blood Cell' -> 'whitebloodcell'. */
export function normaliseClassName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

const TYPE_ALIASES: string[][] = [
  ['neu', 'neut', 'neutro'],
  ['eo', 'eos', 'eosino'],
  ['bas', 'baso'],
  ['ly', 'lym', 'lymph', 'lympho'],
  ['mo', 'mon', 'mono'],
];
CELL_TYPES.forEach((name, type) => {
  alias('leukocyte', type, name, `${name}s`, CELL_TYPE_CODES[type], ...TYPE_ALIASES[type]);
});
alias('leukocyte', null, 'WBC', 'WBCs', 'leukocyte', 'leukocytes', 'leucocyte', 'leucocytes', 'white blood cell', 'white blood cells', 'white cell');
alias('rbc', null, 'RBC', 'RBCs', 'erythrocyte', 'erythrocytes', 'red blood cell', 'red blood cells', 'red cell');
alias('platelet', null, 'platelet', 'platelets', 'PLT', 'PC', 'thrombocyte', 'thrombocytes');

/** The project's class for a dataset class name, or undefined when the name is not known. */
export function mapClassName(name: string): MappedClass | undefined {
  const hit = ALIASES.get(normaliseClassName(name));
  return hit && { ...hit };
}
