/** The hub-review notice and the report's review line, in both languages (ui/src/logic/hub-review.ts). */
import { describe, expect, it } from 'vitest';
import type { HubReviewNote } from '../../ui/src/api/types.ts';
import { translate, type Lang } from '../../ui/src/i18n/i18n.ts';
import { amendmentText, hubReviewText, reviewedCellsText } from '../../ui/src/logic/hub-review.ts';

const t = (lang: Lang) => (key: Parameters<typeof translate>[1], vars?: Parameters<typeof translate>[2]) => translate(lang, key, vars);
const note = (over: Partial<HubReviewNote>): HubReviewNote => ({ reviewer: 'Dr Ada', at: '2026-12-07T09:00:00.000Z', outcome: 'applied', why: null, cells: [], ...over });

describe('a review from the hub, as the nurse reads it', () => {
  it('says what an applied review changed, or that it changed nothing', () => {
    const two = note({
      cells: [
        { field: 1, from: 'neutrophil', to: 'eosinophil' },
        { field: 2, from: 'lymphocyte', to: 'monocyte' },
      ],
    });
    expect(hubReviewText(t('en'), two)).toBe('Reviewed at the hub by Dr Ada: 2 cells changed');
    expect(hubReviewText(t('fr'), two)).toBe('Relu au hub par Dr Ada : 2 cellules modifiées');
    expect(hubReviewText(t('en'), note({}))).toBe('Reviewed at the hub by Dr Ada: no change');
  });

  it('says why a refused review applied nothing and what it proposed, with the class names of the language', () => {
    const refused = note({ outcome: 'conflict', why: 'signed_since', cells: [{ field: 1, from: 'neutrophil', to: 'eosinophil' }] });
    expect(hubReviewText(t('en'), refused)).toBe('Review at the hub by Dr Ada not applied (signed again here since). Proposed: field 1: Neutrophil → Eosinophil. Check these cells and sign again.');
    expect(hubReviewText(t('fr'), refused)).toContain('Proposé : champ 1 : Neutrophile → Éosinophile');
    expect(hubReviewText(t('fr'), refused)).toContain('(signé à nouveau ici depuis)');
  });

  it('words a cell the hub added or removed as a duplicate, in both languages', () => {
    const cells = [
      { field: 2, from: 'added', to: 'lymphocyte', op: 'add' as const },
      { field: 1, from: 'neutrophil', to: 'removed (duplicate)', op: 'delete' as const },
    ];
    expect(reviewedCellsText(t('en'), cells)).toBe('field 2: Lymphocyte added; field 1: Neutrophil removed (counted twice)');
    expect(reviewedCellsText(t('fr'), cells)).toBe('champ 2 : Lymphocyte ajouté; champ 1 : Neutrophile retiré (compté deux fois)');
  });

  it('names a class this kiosk does not know as it was sent', () => {
    expect(reviewedCellsText(t('en'), [{ field: null, from: 'neutrophil', to: 'promyelocyte' }])).toBe('field ?: Neutrophil → promyelocyte');
  });

  it('writes a review among the report’s corrections in the reader’s language, with its comment; other corrections as given', () => {
    const review = { at: '2026-12-07T09:00:00.000Z', revision: 4, action: 'hub.review', by: { id: 'hub', name: 'Dr Ada' }, reason: 'review by Dr Ada at the hub: eosinophilia?' };
    const applied = { ...review, hubReview: { ...note({ cells: [{ field: 1, from: 'neutrophil', to: 'eosinophil' }] }), comment: 'eosinophilia?' } };
    expect(amendmentText(t('fr'), applied)).toBe('Relu au hub par Dr Ada : 1 cellule modifiée. Commentaire : « eosinophilia? »');
    expect(amendmentText(t('en'), { ...applied, hubReview: { ...applied.hubReview, comment: null } })).toBe('Reviewed at the hub by Dr Ada: 1 cell changed');
    expect(amendmentText(t('fr'), { ...review, action: 'cell.reclassified', reason: 'regardé à nouveau', hubReview: null })).toBe('regardé à nouveau');
  });
});
