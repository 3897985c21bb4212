/**
 * A person's corrections of a field's cells: reclassify, delete a false detection, add a missed
 * cell, mark a flagged cell as looked at. Every correction also counts as having looked at the cell.
 */
import { randomUUID } from 'node:crypto';
import type { CellsSeen } from '../../contracts/api/samples.ts';
import type { CellClass } from '../../contracts/vocabulary.ts';
import type { BoxTuple, Cell, CellSource } from '../store/types.ts';
import { storedClassOf } from './analysis-results.ts';
import { applyChange } from './changes.ts';
import type { Actor, WorkflowContext } from './context.ts';
import { badRequest, conflict, notFound } from './errors.ts';
import { getField } from './fields.ts';

/** Smallest box side a person can add, in image pixels. */
export const MIN_CELL_SIDE = 4;

export function getCell(ctx: WorkflowContext, id: string): Cell {
  const c = ctx.store.cells.get(id);
  if (!c || c.deletedAt || ctx.store.fields.get(c.fieldId)?.deletedAt) throw notFound('cell', id);
  return c;
}

function changeCell(ctx: WorkflowContext, cell: Cell, actor: Actor, action: string, detail: Record<string, unknown>, change: 'reclassified' | 'deleted' | 'reviewed', fn: (at: string) => void): void {
  applyChange(ctx, cell.sampleId, actor, { action, target: `cell:${cell.id}`, detail }, () => fn(ctx.now().toISOString()));
  ctx.events.publish({ type: 'cell.changed', sampleId: cell.sampleId, fieldId: cell.fieldId, cellId: cell.id, change });
}

/**
 * A cell's source once a person (or a remote reviewer) sets its type: setting it back to what the
 * analysis said, as the store keeps it, makes it automatic again (confirmed by a person).
 */
export function sourceAfterTyping(cell: Cell, type: CellClass): CellSource {
  if (cell.source === 'added') return 'added';
  return cell.autoType !== null && type === storedClassOf(cell.autoType) ? 'automatic' : 'corrected';
}

/**
 * The one reclassify rule, for a nurse at the box and a reviewer at the hub (`userId` null): the
 * cell takes the type, its source follows sourceAfterTyping, and it counts as looked at. Runs
 * inside the caller's change (applyChange), which bumps the revision and writes the audit entry.
 */
export function setCellType(ctx: WorkflowContext, cell: Cell, type: CellClass, userId: string | null, at: string, reviewer: string | null = null): void {
  ctx.store.cells.setType(cell.id, type, sourceAfterTyping(cell, type), userId, at, reviewer);
  ctx.store.cells.markReviewed(cell.id, userId, at);
}

export function reclassifyCell(ctx: WorkflowContext, cellId: string, type: CellClass, actor: Actor): Cell {
  const cell = getCell(ctx, cellId);
  changeCell(ctx, cell, actor, 'cell.reclassified', { from: cell.type, to: type }, 'reclassified', (at) => setCellType(ctx, cell, type, actor.userId, at));
  return getCellAny(ctx, cellId);
}

export function deleteCell(ctx: WorkflowContext, cellId: string, actor: Actor): void {
  const cell = getCell(ctx, cellId);
  changeCell(ctx, cell, actor, 'cell.deleted', { type: cell.type, box: cell.box }, 'deleted', (at) => ctx.store.cells.softDelete(cellId, actor.userId, at));
}

export function reviewCell(ctx: WorkflowContext, cellId: string, actor: Actor): Cell {
  const cell = getCell(ctx, cellId);
  if (cell.reviewedAt) return cell;
  changeCell(ctx, cell, actor, 'cell.reviewed', { type: cell.type }, 'reviewed', (at) => ctx.store.cells.markReviewed(cellId, actor.userId, at));
  return getCellAny(ctx, cellId);
}

/** Most cells one "seen" call may carry: a page of the review gallery is far fewer. */
export const MAX_SEEN_PER_CALL = 200;

/**
 * A person saw these cells of the sample, large enough to judge (a page of the review gallery), and
 * accepts their types: one audit entry names them all, so the trail shows every counted cell was
 * displayed before sign-off. Cells already seen are left as they are.
 */
export function markCellsSeen(ctx: WorkflowContext, sampleId: string, cellIds: string[], actor: Actor): CellsSeen {
  const ids = [...new Set(cellIds)];
  if (!ids.length) throw badRequest('no_cells', 'name at least one cell that was shown');
  const cells = ids.map((id) => {
    const c = ctx.store.cells.get(id);
    if (!c || c.sampleId !== sampleId || c.deletedAt || ctx.store.fields.get(c.fieldId)?.deletedAt) throw notFound(`cell of sample ${sampleId}`, id);
    return c;
  });
  const fresh = cells.filter((c) => !c.reviewedAt);
  if (!fresh.length) return { seen: 0 };
  applyChange(ctx, sampleId, actor, { action: 'cells.seen', detail: { cellIds: ids, types: cells.map((c) => c.type) } }, () => {
    const at = ctx.now().toISOString();
    for (const c of fresh) ctx.store.cells.markReviewed(c.id, actor.userId, at);
  });
  for (const c of fresh) ctx.events.publish({ type: 'cell.changed', sampleId, fieldId: c.fieldId, cellId: c.id, change: 'reviewed' });
  return { seen: fresh.length };
}

/** A cell a person drew (at the kiosk, or a reviewer at the hub: `userId` null): no analysis of its own, source added. */
export function insertPersonsCell(ctx: WorkflowContext, c: { id: string; fieldId: string; sampleId: string; box: BoxTuple; type: CellClass }, userId: string | null, at: string): void {
  ctx.store.cells.insert({
    ...c,
    autoType: null,
    confidence: null,
    agreement: null,
    support: null,
    votes: null,
    flagged: false,
    source: 'added',
    changedBy: userId,
    changedAt: at,
    createdAt: at,
  });
}

export function addCell(ctx: WorkflowContext, fieldId: string, box: BoxTuple, type: CellClass, actor: Actor): Cell {
  const field = getField(ctx, fieldId);
  if (field.status !== 'analysed') throw conflict('field_not_analysed', `field ${fieldId} is ${field.status}: add missed cells once it is analysed`);
  const [x1, y1, x2, y2] = box;
  if (x1 < 0 || y1 < 0 || x2 > field.width || y2 > field.height) {
    throw badRequest('box_outside_image', `box [${box.join(', ')}] is not inside the ${field.width}x${field.height} image`);
  }
  if (x2 - x1 < MIN_CELL_SIDE || y2 - y1 < MIN_CELL_SIDE) {
    throw badRequest('box_too_small', `a cell box needs x2 > x1 and y2 > y1, at least ${MIN_CELL_SIDE} pixels each way`);
  }
  const id = randomUUID();
  applyChange(ctx, field.sampleId, actor, { action: 'cell.added', target: `cell:${id}`, detail: { type, box } }, () => {
    insertPersonsCell(ctx, { id, fieldId, sampleId: field.sampleId, box, type }, actor.userId, ctx.now().toISOString());
  });
  ctx.events.publish({ type: 'cell.changed', sampleId: field.sampleId, fieldId, cellId: id, change: 'added' });
  return getCellAny(ctx, id);
}

const getCellAny = (ctx: WorkflowContext, id: string) => ctx.store.cells.get(id)!;
