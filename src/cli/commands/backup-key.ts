/**
 * `leukodiff backup-key export`: prints the box's backup key (made now if the box has none) in
 * the form a technician writes down; `leukodiff restore --key` takes it back on a replacement box.
 * Exit 0 done, 1 failed, 2 bad input.
 */
import path from 'node:path';
import { BackupKeyError, formatKey, KEY_FILE, loadOrCreateBoxKey } from '../../box/deploy/backup-crypto.ts';
import { dataDirFrom, parse, say, UsageError } from '../../box/deploy/cli-util.ts';

const NAME = 'leukodiff backup-key';
const USAGE = `usage: leukodiff backup-key export [--data DIR]
  prints the key that encrypts this box's backups (${KEY_FILE} in the data folder), as 11 groups
  of 5 letters and digits: write it down and keep it in the clinic's safe, away from the backup
  stick; 'leukodiff restore --key "<key>"' needs it to restore on another box
  --data DIR   the data folder (default: the configured one, LEUKODIFF_DATA)`;

export async function run(argv: string[]): Promise<number> {
  try {
    const { values, positionals } = parse(argv, { data: { type: 'string' } }, USAGE);
    if (values.help) {
      process.stdout.write(USAGE + '\n');
      return 0;
    }
    if (positionals.length !== 1 || positionals[0] !== 'export') throw new UsageError(`expected 'export'\n${USAGE}`);
    const dataDir = path.resolve(dataDirFrom(values.data));
    const { key, created } = await loadOrCreateBoxKey(dataDir);
    if (created) say(NAME, `made a new backup key in ${path.join(dataDir, KEY_FILE)}`);
    process.stdout.write(`backup key ${key.id}:\n${formatKey(key.raw)}\n`);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      say(NAME, err.message);
      return 2;
    }
    say(NAME, err instanceof BackupKeyError ? err.message : `failed: ${(err as Error).message}`);
    return 1;
  }
}
