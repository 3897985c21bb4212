/** `leukodiff <command> ...`: dispatches to one module per command. Returns the exit code. */
type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, () => Promise<{ run: Command }>> = {
  serve: () => import('./commands/serve.ts'),
  analyze: () => import('./commands/analyze.ts'),
  eval: () => import('./commands/eval.ts'),
  dataset: () => import('./commands/dataset.ts'),
  'build-engines': () => import('./commands/build-engines.ts'),
};

const USAGE = `usage: leukodiff <command> [options]
commands:
  serve                      start the daemon (HTTP API and UI)
  analyze <image...>         find and type the leukocytes in smear photos
  eval --dataset <coco.json> measure the models on a labelled dataset (COCO mAP/mAR)
  dataset --bccd D --txl D --out D   build the leukocyte datasets and their splits
  build-engines              build TensorRT engines for every model ahead of time
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
