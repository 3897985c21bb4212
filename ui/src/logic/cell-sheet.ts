/** What the cell sheet shows and what a tap on one of its type buttons asks of the API. */
import { CELL_CLASSES, CELL_TYPES, NON_LEUKOCYTE_CLASSES, OTHER_LEUKOCYTE_CLASSES, type Cell, type CellClass, type CellType } from '../api/types.ts';
import { needsCheck } from './counts.ts';

export interface VoteLine {
  type: CellType;
  /** Member detections that voted for the type. */
  count: number;
  /** count / number of models, 0..1: the bar's length. */
  share: number;
}

/** The types the detectors voted for, most votes first (ties in type order). */
export function voteLines(cell: Pick<Cell, 'votes'>, models: number): VoteLine[] {
  if (!cell.votes) return [];
  const m = Math.max(1, models);
  return CELL_TYPES.map((type) => ({ type, count: cell.votes![type] ?? 0, share: Math.min(1, (cell.votes![type] ?? 0) / m) }))
    .filter((v) => v.count > 0)
    .sort((a, b) => b.count - a.count);
}

export type SheetStatus = 'flagged' | 'checked' | 'corrected' | 'added' | 'automatic';

/** The one line that says where the cell's type comes from; a pending check comes first. */
export function sheetStatus(cell: Pick<Cell, 'flagged' | 'reviewed' | 'source'>): SheetStatus {
  if (needsCheck(cell)) return 'flagged';
  if (cell.source === 'added') return 'added';
  if (cell.source === 'corrected') return 'corrected';
  return cell.reviewed ? 'checked' : 'automatic';
}

export interface TypeButton {
  type: CellClass;
  /** The cell's type now. */
  current: boolean;
  /** What the detectors said, when a person changed it. */
  suggested: boolean;
}

/**
 * The sheet's two pages of type buttons, four rows of two each: the five types and "not a
 * leukocyte" with a button to the other classes; then the classes only a person gives (band,
 * immature granulocyte, blast, reactive lymphocyte, NRBC, smudge), unidentified, and a way back.
 */
export type SheetPage = 'five' | 'other';
export const SHEET_PAGES: Record<SheetPage, readonly CellClass[]> = {
  five: [...CELL_TYPES, 'not_leukocyte'],
  other: [...OTHER_LEUKOCYTE_CLASSES, ...NON_LEUKOCYTE_CLASSES, 'unclassified'],
};

export const pageOf = (type: CellClass): SheetPage => (SHEET_PAGES.other.includes(type) ? 'other' : 'five');

/**
 * The page a cell opens at: the one holding its class, so a blast is confirmed or moved to an
 * immature granulocyte in one tap; an unidentified cell (most are one of the five) and a new cell
 * open at the five.
 */
export function startPage(cell: Pick<Cell, 'type'> | null): SheetPage {
  return cell && cell.type !== 'unclassified' ? pageOf(cell.type) : 'five';
}

export function typeButtons(cell: Pick<Cell, 'type' | 'autoType'> | null, page: SheetPage = 'five'): TypeButton[] {
  return SHEET_PAGES[page].map((type) => ({
    type,
    current: cell?.type === type,
    suggested: !!cell && suggestedClass(cell) === type && cell.type !== type,
  }));
}

/** What the page switch says of the page it leads to: the cell's class, or the detectors' suggestion, is there. */
export function otherPageMarks(cell: Pick<Cell, 'type' | 'autoType'> | null, page: SheetPage): { current: CellClass | null; suggested: boolean } {
  const there = page === 'five' ? 'other' : 'five';
  if (!cell) return { current: null, suggested: false };
  const suggestion = suggestedClass(cell);
  return {
    current: pageOf(cell.type) === there ? cell.type : null,
    suggested: suggestion !== null && suggestion !== cell.type && pageOf(suggestion) === there,
  };
}

/** The class the analysis's own answer stands for (its erythroblast is an NRBC), or null for a cell a person added. */
function suggestedClass(cell: Pick<Cell, 'autoType'>): CellClass | null {
  if (cell.autoType === 'erythroblast') return 'nrbc';
  return (CELL_CLASSES as readonly string[]).includes(cell.autoType ?? '') ? (cell.autoType as CellClass) : null;
}

export type ClassifyAction = { kind: 'reclassify'; type: CellClass } | { kind: 'review' } | { kind: 'none' };

/**
 * Tapping the type the cell already has confirms it (marks a flagged cell as looked at); another
 * type reclassifies it, which the API also counts as looked at.
 */
export function actionFor(cell: Pick<Cell, 'type' | 'flagged' | 'reviewed'>, chosen: CellClass): ClassifyAction {
  if (chosen !== cell.type) return { kind: 'reclassify', type: chosen };
  return needsCheck(cell) ? { kind: 'review' } : { kind: 'none' };
}

/** Confidence as a whole percentage, or null for a cell a person added. */
export function confidencePercent(cell: Pick<Cell, 'confidence'>): number | null {
  return cell.confidence === null ? null : Math.round(cell.confidence * 100);
}

/** Classes the analysis can give beyond the store's, shown so that a person knows what it saw. */
export const MACHINE_CLASSES = ['immature_granulocyte', 'erythroblast', 'unidentified'] as const;
export type MachineClass = (typeof MACHINE_CLASSES)[number];

/** The analysis's own class of a cell when the store keeps it under another (unclassified, not a leukocyte). */
export function machineClass(cell: Pick<Cell, 'autoType'>): MachineClass | null {
  return (MACHINE_CLASSES as readonly string[]).includes(cell.autoType ?? '') ? (cell.autoType as MachineClass) : null;
}
