/**
 * What the analysis worker writes. A field's cells and its "analysed" status are committed in one
 * transaction, and only while the field is still marked as being analysed: a run interrupted by a
 * crash leaves nothing behind and runs again after the restart, so every field's cells are in the
 * result exactly once.
 */
import { randomUUID } from 'node:crypto';
import { CELL_CLASS_NAMES } from '../../core/analysis/typing.ts';
import { CELL_TYPES, type CellClass } from '../../contracts/vocabulary.ts';
import type { AnalysisJson, Field, QualityJson } from '../store/types.ts';
import { applyChange } from './changes.ts';
import type { Actor, WorkflowContext } from './context.ts';

export interface DetectedCell {
  box: [number, number, number, number];
  /** Index into CELL_TYPES: the best of the five types. */
  type: number;
  /** What the analysis called it (src/core/analysis/typing.ts); absent = CELL_TYPES[type]. */
  cellClass?: string;
  confidence: number;
  votes: number[];
  agreement: number;
  support: number;
  review: boolean;
}

export interface AnalysisOutcome {
  cells: DetectedCell[];
  quality: QualityJson;
  analysis: AnalysisJson;
}

const SYSTEM: Actor = { userId: null };

/** Thrown inside a change to roll it back: the field is no longer being analysed (it was deleted). */
class Discarded extends Error {}

/**
 * Commits fn's writes as a change of the field's sample, only if the field is still being analysed.
 * Returns the field, or undefined when the result was discarded.
 */
function finishRun(ctx: WorkflowContext, fieldId: string, action: string, detail: Record<string, unknown>, fn: (field: Field) => void): Field | undefined {
  const field = ctx.store.fields.get(fieldId);
  if (!field) return undefined;
  try {
    applyChange(ctx, field.sampleId, SYSTEM, { action, target: `field:${fieldId}`, detail }, () => {
      const now = ctx.store.fields.get(fieldId);
      if (!now || now.status !== 'analysing' || now.deletedAt) throw new Discarded();
      fn(now);
    });
  } catch (err) {
    if (err instanceof Discarded) return undefined;
    throw err;
  }
  return field;
}

/** Marks the start of a run (committed first, so a field that crashes the daemon is counted). */
export function startAnalysis(ctx: WorkflowContext, field: Field): void {
  ctx.store.fields.markAnalysing(field.id);
  ctx.events.publish({ type: 'field.analysing', sampleId: field.sampleId, fieldId: field.id });
}

export function completeAnalysis(ctx: WorkflowContext, fieldId: string, outcome: AnalysisOutcome): boolean {
  const field = finishRun(ctx, fieldId, 'field.analysed', { cells: outcome.cells.length }, (f) => {
    const at = ctx.now().toISOString();
    for (const c of outcome.cells) {
      const machine = c.cellClass ?? CELL_TYPES[c.type];
      ctx.store.cells.insert({
        id: randomUUID(),
        fieldId,
        sampleId: f.sampleId,
        box: c.box,
        type: storedClass(machine),
        autoType: machine,
        confidence: c.confidence,
        agreement: c.agreement,
        support: c.support,
        votes: c.votes,
        flagged: c.review,
        source: 'automatic',
        changedBy: null,
        changedAt: null,
        createdAt: at,
      });
    }
    ctx.store.fields.setResult(fieldId, { status: 'analysed', error: null, quality: outcome.quality, analysis: outcome.analysis, analysedAt: at });
  });
  if (!field) return false;
  ctx.events.publish({
    type: 'field.analysed',
    sampleId: field.sampleId,
    fieldId,
    cells: outcome.cells.length,
    flagged: outcome.cells.filter((c) => c.review).length,
  });
  return true;
}

/**
 * The class a machine-typed cell is kept under: one of the five types, or not_leukocyte, as the
 * machine said. An erythroblast is kept as an NRBC (flagged, outside the count, reported per 100
 * leukocytes once seen: accepted as it is, it must not vanish from the report); an immature
 * granulocyte or an unidentified cell as 'unclassified', so sign-off waits until a person types it.
 * The other classes beyond the five (band, blast, reactive lymphocyte, smudge) are only ever set by
 * a person; the machine's own class stays in autoType.
 */
export function storedClass(machine: string): CellClass {
  const stored = storedClassOf(machine);
  // Not a class of the analysis (a broken model or a bug): the result is not recorded, the run fails.
  if (!stored) throw new Error(`the analysis gave a cell the unknown class '${String(machine)}'`);
  return stored;
}

/** storedClass, or null for a class the analysis does not have. */
export function storedClassOf(machine: string): CellClass | null {
  if ((MACHINE_STORED as readonly string[]).includes(machine)) return machine as CellClass;
  if (machine === 'erythroblast') return 'nrbc';
  return (CELL_CLASS_NAMES as readonly string[]).includes(machine) ? 'unclassified' : null;
}

/** The classes the analysis may store a cell under by itself. */
const MACHINE_STORED: readonly CellClass[] = [...CELL_TYPES, 'not_leukocyte'];

export function failAnalysis(ctx: WorkflowContext, fieldId: string, error: string): boolean {
  const field = finishRun(ctx, fieldId, 'field.failed', { error }, () => {
    ctx.store.fields.setResult(fieldId, { status: 'failed', error, quality: null, analysis: null, analysedAt: ctx.now().toISOString() });
  });
  if (!field) return false;
  ctx.events.publish({ type: 'field.failed', sampleId: field.sampleId, fieldId, error });
  return true;
}

/**
 * At startup: fields that were being analysed when the daemon stopped go back to the head of the
 * queue, unless they already started `maxAttempts` runs (an image that keeps crashing the daemon
 * must not block the queue forever): those fail.
 */
export function recoverInterrupted(ctx: WorkflowContext, maxAttempts: number): { resumed: string[]; failed: string[] } {
  const resumed: string[] = [];
  const failed: string[] = [];
  for (const f of ctx.store.fields.interrupted()) {
    if (f.attempts >= maxAttempts) {
      failAnalysis(ctx, f.id, `analysis was interrupted ${f.attempts} times (the daemon stopped during it): retry the field or photograph it again`);
      failed.push(f.id);
    } else {
      ctx.store.fields.resume(f.id);
      resumed.push(f.id);
    }
  }
  return { resumed, failed };
}
