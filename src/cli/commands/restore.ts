/**
 * `leukodiff restore <backup>`: brings the data folder back to a backup made by `leukodiff backup`.
 * Refuses while the daemon holds the database unless --stop-daemon (then stops and restarts it).
 * The replaced database is kept in <data>/pre-restore-<time>/. Exit 0 done, 1 refused or failed,
 * 2 bad input.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { BackupError, listBackups, restoreBackup } from '../../box/deploy/backup.ts';
import { dataDirFrom, parse, say, systemctl, UsageError } from '../../box/deploy/cli-util.ts';

const NAME = 'leukodiff restore';
const USAGE = `usage: leukodiff restore <backup folder> [--data DIR] [--stop-daemon] [--key KEY]
       leukodiff restore --list <backups folder>
  <backup folder>  a backup-<time> folder, e.g. /media/usb/leukodiff-backups/backup-20260101T020000Z
  --data DIR       the data folder (default: the configured one, LEUKODIFF_DATA)
  --stop-daemon    stop leukodiff.service while restoring and start it again afterwards
  --key KEY        the backup key as written down ('leukodiff backup-key export' on the box that
                   made the backup; quote it); without it, this box's own key is used
  --list DIR       list the complete backups in DIR, oldest first`;

export async function run(argv: string[]): Promise<number> {
  try {
    const { values, positionals } = parse(argv, { data: { type: 'string' }, 'stop-daemon': { type: 'boolean' }, list: { type: 'string' }, key: { type: 'string' } }, USAGE);
    if (values.help) {
      process.stdout.write(USAGE + '\n');
      return 0;
    }
    if (values.list !== undefined) {
      for (const name of await listBackups(values.list)) process.stdout.write(path.join(values.list, name) + '\n');
      return 0;
    }
    if (positionals.length !== 1) throw new UsageError(`expected one backup folder\n${USAGE}`);
    const backupDir = path.resolve(positionals[0]);
    if (!existsSync(path.join(backupDir, 'manifest.json'))) {
      throw new UsageError(`${backupDir} is not a backup folder (no manifest.json); try: leukodiff restore --list <folder>`);
    }
    const dataDir = path.resolve(dataDirFrom(values.data));
    const daemon = values['stop-daemon'] ? { stop: () => systemctl('stop', 'leukodiff.service'), start: () => systemctl('start', 'leukodiff.service') } : undefined;
    const r = await restoreBackup({ backupDir, dataDir, daemon, key: values.key });
    process.stdout.write(
      `restored ${backupDir} (made ${r.manifest.createdAt} by leukodiff ${r.manifest.leukodiffVersion}, ` +
        (r.manifest.encryption ? `encrypted with key ${r.manifest.encryption.keyId}` : 'unencrypted') +
        `) into ${dataDir}: ` +
        `database checked (integrity ok), ${r.imagesCopied} image(s) copied` +
        (r.previous ? `; the replaced database is kept in ${r.previous}` : '') +
        '\n',
    );
    if (!r.manifest.encryption) say(NAME, 'note: this backup was not encrypted (made before leukodiff encrypted its backups): keep or wipe that stick as you would the box');
    if (r.imagesMissing) say(NAME, `warning: ${r.imagesMissing} image(s) listed by the backup are missing from its images folder`);
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
