/** Option parsing shared by the CLI commands: node's parseArgs, a one-line refusal, and --help. */
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Config = ParseArgsConfig & { options: NonNullable<ParseArgsConfig['options']> & { help: { type: 'boolean'; short: 'h' } } };

/**
 * Parses `config.args`; on a bad option prints it with the usage (through `fail`, exit code 2),
 * on --help prints the usage (exit code 0). Returns the parsed values, or the exit code when done.
 */
export function parseCommandArgs<T extends Config>(config: T, usage: string, fail: (message: string) => number): ReturnType<typeof parseArgs<T>> | number {
  let parsed: ReturnType<typeof parseArgs<T>>;
  try {
    parsed = parseArgs(config);
  } catch (err) {
    return fail(`${(err as Error).message}\n${usage}`);
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(usage + '\n');
    return 0;
  }
  return parsed;
}
