/**
 * What a review from the hub did at the box, in the nurse's language: the cells it changed or
 * proposed ("field 1: Neutrophil → Eosinophil") and, for one the box refused, why.
 */
import { CELL_CLASSES, type CellClass, type HubReviewNote, type Report } from '../api/types.ts';
import type { MessageKey } from '../i18n/en.ts';
import type { Vars } from '../i18n/i18n.ts';

type T = (key: MessageKey, vars?: Vars) => string;

/** A class's name; a class this kiosk does not know, as sent. */
export function className(t: T, type: string): string {
  return (CELL_CLASSES as readonly string[]).includes(type) ? t(`type.${type as CellClass}`) : type;
}

export function reviewedCellsText(t: T, cells: HubReviewNote['cells']): string {
  return cells
    .map((c) => {
      const field = c.field ?? '?';
      if (c.op === 'add') return t('report.reviewAdded', { field, to: className(t, c.to) });
      if (c.op === 'delete') return t('report.reviewRemoved', { field, from: className(t, c.from) });
      return t('report.reviewChange', { field, from: className(t, c.from), to: className(t, c.to) });
    })
    .join('; ');
}

/** The notice on the sample: what the review changed, or that nothing of it applied, why, and what it proposed. */
export function hubReviewText(t: T, r: HubReviewNote): string {
  if (r.outcome === 'applied') return r.cells.length ? t('hubReview.applied', { name: r.reviewer, n: r.cells.length }) : t('hubReview.agreed', { name: r.reviewer });
  const why = r.why ? t(`hubReview.why.${r.why}`) : t('hubReview.why.cells_changed');
  return t('hubReview.conflict', { name: r.reviewer, why, proposed: reviewedCellsText(t, r.cells) });
}

/** A correction on the report: a review from the hub in the reader's language (with its comment), any other in the words it was given. */
export function amendmentText(t: T, a: Report['amendments'][number]): string {
  if (!a.hubReview) return a.reason;
  const what = hubReviewText(t, a.hubReview);
  return a.hubReview.comment ? t('report.reviewComment', { what, comment: a.hubReview.comment }) : what;
}
