/**
 * `leukodiff backup`: an online, encrypted backup of the database and the images, to a prepared USB stick
 * when one is mounted, else to the local backup folder; keeps the newest N. Exit 0 done, 1 failed,
 * 2 bad input.
 */
import path from 'node:path';
import { BackupError, createBackup, resolveDestination, USB_BACKUP_FOLDER } from '../../box/deploy/backup.ts';
import { dataDirFrom, parse, positiveInt, say, UsageError } from '../../box/deploy/cli-util.ts';

const NAME = 'leukodiff backup';
const USAGE = `usage: leukodiff backup [--data DIR] [--dest DIR|auto] [--keep N]
  --data DIR   the data folder (default: the configured one, LEUKODIFF_DATA)
  --dest DIR   where to write; 'auto' (default, or LEUKODIFF_BACKUP_DEST): the '${USB_BACKUP_FOLDER}'
               folder of a stick mounted under /media or /mnt, else LEUKODIFF_BACKUP_DIR
               (default: ${USB_BACKUP_FOLDER} beside the data folder)
  --keep N     backups to keep in that place (default 7, or LEUKODIFF_BACKUP_KEEP)
Backups are encrypted with the box's backup key (made by the first backup); restoring on another
box needs it: write it down with 'leukodiff backup-key export'.`;

export async function run(argv: string[]): Promise<number> {
  try {
    const { values, positionals } = parse(argv, { data: { type: 'string' }, dest: { type: 'string' }, keep: { type: 'string' } }, USAGE);
    if (values.help) {
      process.stdout.write(USAGE + '\n');
      return 0;
    }
    if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'\n${USAGE}`);
    const dataDir = path.resolve(dataDirFrom(values.data));
    const keep = positiveInt(values.keep ?? process.env.LEUKODIFF_BACKUP_KEEP, '--keep', 7);
    const fallback = process.env.LEUKODIFF_BACKUP_DIR || path.join(path.dirname(dataDir), USB_BACKUP_FOLDER);
    const dest = resolveDestination(values.dest ?? (process.env.LEUKODIFF_BACKUP_DEST || 'auto'), fallback);
    const r = await createBackup({ dataDir, dest, keep });
    process.stdout.write(
      `backup written to ${r.dir} (encrypted, key ${r.manifest.encryption?.keyId}): database ${r.manifest.database.bytes} bytes (schema ${r.manifest.database.schemaVersion}), ` +
        `${r.manifest.images.count} images (${r.imagesCopied} new)` +
        (r.pruned.length ? `; removed ${r.pruned.length} old backup(s): ${r.pruned.join(', ')}` : '') +
        '\n',
    );
    if (r.keyCreated) {
      say(
        NAME,
        `a new backup key (${r.manifest.encryption!.keyId}) was made for this box: write it down now with 'leukodiff backup-key export' and keep it in the clinic's safe; without it these backups cannot be restored on another box`,
      );
    }
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      say(NAME, err.message);
      return 2;
    }
    say(NAME, err instanceof BackupError ? err.message : `failed: ${(err as Error).message}`);
    return 1;
  }
}
