/** Numbered schema migrations, applied in order; PRAGMA user_version holds the last one applied. */
import initial from './001-initial.ts';
import sync from './002-sync.ts';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: Migration[] = [
  { version: 1, name: 'initial', sql: initial },
  { version: 2, name: 'sync', sql: sync },
];
