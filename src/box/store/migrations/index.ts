/** Numbered schema migrations, applied in order; PRAGMA user_version holds the last one applied. */
import initial from './001-initial.ts';
import sync from './002-sync.ts';
import cellClasses from './003-cell-classes.ts';
import sessions from './004-sessions.ts';
import reviewConflicts from './005-review-conflicts.ts';
import cellReviewer from './006-cell-reviewer.ts';
import reviewOutcomesReported from './007-review-outcomes-reported.ts';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: Migration[] = [
  { version: 1, name: 'initial', sql: initial },
  { version: 2, name: 'sync', sql: sync },
  { version: 3, name: 'cell-classes', sql: cellClasses },
  { version: 4, name: 'sessions', sql: sessions },
  { version: 5, name: 'review-conflicts', sql: reviewConflicts },
  { version: 6, name: 'cell-reviewer', sql: cellReviewer },
  { version: 7, name: 'review-outcomes-reported', sql: reviewOutcomesReported },
];
