/** `leukodiff migrate [--data DIR]`: applies the database migrations of this version (updates run it). */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parse, say, dataDirFrom, UsageError } from '../../box/deploy/cli-util.ts';
import { closeDatabase, openDatabase, schemaVersion } from '../../box/store/db.ts';
import { DB_FILE } from '../../box/store/store.ts';

const NAME = 'leukodiff migrate';
const USAGE = "usage: leukodiff migrate [--data DIR]\n  brings the database in DIR (default: the configured data folder) to this version's schema";

export async function run(argv: string[]): Promise<number> {
  try {
    const { values, positionals } = parse(argv, { data: { type: 'string' } }, USAGE);
    if (values.help) {
      process.stdout.write(USAGE + '\n');
      return 0;
    }
    if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'\n${USAGE}`);
    const file = path.join(path.resolve(dataDirFrom(values.data)), DB_FILE);
    const existed = existsSync(file);
    const db = openDatabase(file);
    const version = schemaVersion(db);
    closeDatabase(db);
    process.stdout.write(`${file}: schema version ${version}${existed ? '' : ' (new database)'}\n`);
    return 0;
  } catch (err) {
    say(NAME, (err as Error).message);
    return err instanceof UsageError ? 2 : 1;
  }
}
