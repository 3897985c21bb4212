/** Numbered schema migrations, applied in order; PRAGMA user_version holds the last one applied. */
import initial from './001-initial.ts';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: Migration[] = [{ version: 1, name: 'initial', sql: initial }];
