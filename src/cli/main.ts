/** `leukodiff <command> ...`: dispatches to one module per command. Returns the exit code. */
type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, () => Promise<{ run: Command }>> = {
  serve: () => import('./commands/serve.ts'),
  analyze: () => import('./commands/analyze.ts'),
  eval: () => import('./commands/eval.ts'),
  dataset: () => import('./commands/dataset.ts'),
  'build-engines': () => import('./commands/build-engines.ts'),
  backup: () => import('./commands/backup.ts'),
  restore: () => import('./commands/restore.ts'),
  'backup-key': () => import('./commands/backup-key.ts'),
  migrate: () => import('./commands/migrate.ts'),
  'recovery-code': () => import('./commands/recovery-code.ts'),
  'make-bundle': () => import('./commands/bundle-make.ts'),
  'verify-bundle': () => import('./commands/bundle-verify.ts'),
  'apply-bundle': () => import('./commands/bundle-apply.ts'),
  'bundle-keygen': () => import('./commands/bundle-keygen.ts'),
  'make-model-bundle': () => import('./commands/model-bundle-make.ts'),
  'apply-model-bundle': () => import('./commands/model-bundle-apply.ts'),
};

const USAGE = `usage: leukodiff <command> [options]
commands:
  serve                      start the daemon (HTTP API and UI)
  analyze <image...>         find and type the leukocytes in smear photos
  eval --dataset <coco.json> measure the models on a labelled dataset (COCO mAP/mAR)
  dataset --bccd D --txl D --out D   build the leukocyte datasets and their splits
  build-engines              build TensorRT engines for every model ahead of time
  backup [--dest DIR|auto]   back up the database and images (a prepared USB stick when present)
  restore <backup>           bring the data folder back to a backup
  backup-key export          print the backup key, to write down (restore on another box needs it)
  migrate                    bring the database to this version's schema
  recovery-code              make a new technician's recovery code (the old one stops working)
  make-bundle --key K        pack this checkout into a signed offline update bundle
  verify-bundle <file>       check an update bundle without installing it
  apply-bundle <file>        install an update bundle (root), rolling back if it is not healthy
  bundle-keygen --out DIR    make the network's bundle signing key pair
  make-model-bundle --models DIR --key K   pack a model set into a signed model bundle
  apply-model-bundle <file>  install a model set (root): regression check, switch, roll back if not healthy
run 'leukodiff <command> --help' for the options of one command`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    process.stdout.write(USAGE + '\n');
    return name ? 0 : 2;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`leukodiff: unknown command '${name}' (try: ${Object.keys(COMMANDS).join(', ')})\n`);
    return 2;
  }
  const { run } = await load();
  return run(rest);
}
