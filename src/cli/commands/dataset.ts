/** `leukodiff dataset --bccd D --txl D --out D [--seed N] [--resplit] [--splits D]` */
import { fileURLToPath } from 'node:url';
import { BuildInputError, buildDatasets, DEFAULT_SEED, formatSummary } from '../../eval/datasets/build.ts';

const DEFAULT_SPLITS = fileURLToPath(new URL('../../../datasets/splits', import.meta.url));

const USAGE = `usage: leukodiff dataset --bccd <dir> --txl <dir> --out <dir> [--seed N] [--resplit] [--splits <dir>]
  --bccd     BCCD folder (holding BCCD/Annotations, BCCD/JPEGImages and labels.csv)
  --txl      TXL-PBC folder (holding TXL_PBC/images and TXL_PBC/labels)
  --out      where <out>/bccd-typed/*.json and <out>/txl-wbc/*.json are written
  --seed     seed of the BCCD split (default ${DEFAULT_SEED}); only with --resplit or a new split file
  --resplit  make new splits and overwrite the split files
  --splits   folder of the split files (default: the project's datasets/splits)`;

interface Args {
  bccd: string;
  txl: string;
  out: string;
  seed?: number;
  resplit: boolean;
  splits: string;
}

function parseArgs(argv: string[]): Args | string {
  const values: Record<string, string> = {};
  let resplit = false;
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let value: string | undefined;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    if (arg === '--resplit') {
      if (value !== undefined) return `--resplit takes no value`;
      resplit = true;
    } else if (['--bccd', '--txl', '--out', '--seed', '--splits'].includes(arg)) {
      value ??= argv[++i];
      if (value === undefined || value === '' || (value.startsWith('--') && value.length > 2)) return `${arg} needs a value`;
      if (arg in values) return `${arg} given twice`;
      values[arg] = value;
    } else {
      return `unknown argument '${arg}'`;
    }
  }
  for (const k of ['--bccd', '--txl', '--out']) if (!(k in values)) return `${k} is required`;
  let seed: number | undefined;
  if ('--seed' in values) {
    seed = Number(values['--seed']);
    if (!/^\d+$/.test(values['--seed']) || !Number.isSafeInteger(seed) || seed > 0xffffffff) return `--seed must be a whole number 0..4294967295`;
  }
  return { bccd: values['--bccd'], txl: values['--txl'], out: values['--out'], seed, resplit, splits: values['--splits'] ?? DEFAULT_SPLITS };
}

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    process.stderr.write(`leukodiff dataset: ${args} (see --help)\n`);
    return 2;
  }
  try {
    const summary = await buildDatasets({
      bccdDir: args.bccd,
      txlDir: args.txl,
      outDir: args.out,
      splitsDir: args.splits,
      seed: args.seed,
      resplit: args.resplit,
      onWarning: (m) => process.stderr.write(`warning: ${m}\n`),
    });
    process.stdout.write(formatSummary(summary, args.splits) + '\n');
    return 0;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`leukodiff dataset: ${msg}\n`);
    return e instanceof BuildInputError ? 2 : 1;
  }
}
