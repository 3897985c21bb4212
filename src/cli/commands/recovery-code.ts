/**
 * `leukodiff recovery-code [--data DIR]`: makes a new technician's recovery code and prints it once
 * (the old one stops working). For a box set up before recovery codes existed, or a code lost.
 */
import path from 'node:path';
import { parse, say, dataDirFrom, UsageError } from '../../box/deploy/cli-util.ts';
import { Store } from '../../box/store/store.ts';
import { renewRecoveryCode } from '../../box/workflow/setup.ts';

const NAME = 'leukodiff recovery-code';
const USAGE =
  'usage: leukodiff recovery-code [--data DIR]\n  makes a new recovery code for the box whose data is in DIR (default: the configured data folder),\n  prints it once; the previous code stops working';

export async function run(argv: string[]): Promise<number> {
  try {
    const { values, positionals } = parse(argv, { data: { type: 'string' } }, USAGE);
    if (values.help) {
      process.stdout.write(USAGE + '\n');
      return 0;
    }
    if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'\n${USAGE}`);
    const store = Store.open(path.resolve(dataDirFrom(values.data)));
    try {
      const code = renewRecoveryCode(store, new Date().toISOString());
      process.stdout.write(`${code}\nWrite this recovery code down and keep it in the clinic's safe: it clears PIN delays and resets a supervisor's PIN. It is not shown again.\n`);
      return 0;
    } finally {
      store.close();
    }
  } catch (err) {
    say(NAME, (err as Error).message);
    return err instanceof UsageError ? 2 : 1;
  }
}
