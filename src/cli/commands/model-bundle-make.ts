/** `leukodiff make-model-bundle`: packs a model set into a signed model bundle, with its regression fixture. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REGRESSION_FIELDS, type ModelRegression } from '../../core/analysis/model-regression.ts';
import { PROJECT_ROOT } from '../../project-root.ts';
import { BundleError } from '../../box/deploy/bundle/format.ts';
import { loadPrivateKey } from '../../box/deploy/bundle/keys.ts';
import { parse, say, UsageError } from '../../box/deploy/cli-util.ts';
import { makeModelBundle } from '../../box/deploy/model-bundle/make.ts';

const NAME = 'leukodiff make-model-bundle';
const USAGE = `usage: leukodiff make-model-bundle --models DIR --key FILE [--out FILE] [--fields DIR] [--field NAME]... [--regression FILE]
  --models DIR       the model set: manifest.json (with "modelSet": {"version": ...}) and the files it names
  --key FILE         the network's private signing key (leukodiff bundle-keygen)
  --out FILE         default: leukodiff-models-<version>.ldb in the current folder
  --fields DIR       the regression fields' folder (default: demo/images)
  --field NAME       a regression field in it (repeat; default: ${REGRESSION_FIELDS.join(', ')})
  --regression FILE  a recording made elsewhere (default: recorded now with onnxruntime)`;

export async function run(argv: string[]): Promise<number> {
  try {
    const { values, positionals } = parse(
      argv,
      { models: { type: 'string' }, key: { type: 'string' }, out: { type: 'string' }, fields: { type: 'string' }, field: { type: 'string', multiple: true }, regression: { type: 'string' } },
      USAGE,
    );
    if (values.help) {
      process.stdout.write(USAGE + '\n');
      return 0;
    }
    if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'\n${USAGE}`);
    if (!values.models || !values.key) throw new UsageError(`--models DIR and --key FILE are required\n${USAGE}`);
    const read = (file: string, what: string) => {
      try {
        return readFileSync(file);
      } catch (err) {
        throw new UsageError(`cannot read ${what}: ${(err as Error).message}`);
      }
    };
    const privateKey = loadPrivateKey(read(values.key, '--key'));
    const regression = values.regression ? (JSON.parse(read(values.regression, '--regression').toString('utf8')) as ModelRegression) : undefined;
    const modelsDir = path.resolve(values.models);
    const version = (JSON.parse(read(path.join(modelsDir, 'manifest.json'), 'the manifest').toString('utf8')) as { modelSet?: { version?: string } }).modelSet?.version ?? 'unversioned';
    const out = path.resolve(values.out ?? `leukodiff-models-${version}.ldb`);
    const m = await makeModelBundle({
      modelsDir,
      privateKey,
      out,
      regression,
      regressionFields: { dir: path.resolve(values.fields ?? path.join(PROJECT_ROOT, 'demo', 'images')), names: values.field ?? REGRESSION_FIELDS },
    });
    process.stdout.write(`${out}: model set ${m.version}, ${m.files.length} files, ${m.payload.bytes} bytes compressed, signed by key ${m.keyId}\n`);
    return 0;
  } catch (err) {
    say(NAME, (err as Error).message);
    return err instanceof UsageError || err instanceof BundleError ? 2 : 1;
  }
}
