/** `leukodiff make-bundle`: packs this checkout into a signed offline update bundle. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../project-root.ts';
import { ARCHES, BundleError, hostArch, type Arch } from '../../box/deploy/bundle/format.ts';
import { loadPrivateKey } from '../../box/deploy/bundle/keys.ts';
import { makeBundle } from '../../box/deploy/bundle/make.ts';
import { parse, say, UsageError } from '../../box/deploy/cli-util.ts';

const NAME = 'leukodiff make-bundle';
const USAGE = `usage: leukodiff make-bundle --key FILE [--arch arm64|x64] [--node-modules DIR] [--source DIR] [--out FILE]
  --key FILE           the network's private signing key (leukodiff bundle-keygen)
  --arch A             target architecture (default: this machine's); arm64 for a Jetson
  --node-modules DIR   node_modules installed on (or for) the target (default: <source>/node_modules);
                       its compiled addons are checked to be for --arch
  --source DIR         the checkout to pack (default: this one)
  --out FILE           default: leukodiff-<version>-<arch>.ldb in the current folder`;

export async function run(argv: string[]): Promise<number> {
  try {
    const { values, positionals } = parse(argv, { key: { type: 'string' }, arch: { type: 'string' }, 'node-modules': { type: 'string' }, source: { type: 'string' }, out: { type: 'string' } }, USAGE);
    if (values.help) {
      process.stdout.write(USAGE + '\n');
      return 0;
    }
    if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'\n${USAGE}`);
    if (!values.key) throw new UsageError(`--key FILE is required\n${USAGE}`);
    const arch = (values.arch ?? hostArch()) as Arch;
    if (!ARCHES.includes(arch)) throw new UsageError(`--arch must be one of ${ARCHES.join(', ')}, got '${values.arch ?? process.arch}'`);
    let keyPem: Buffer;
    try {
      keyPem = readFileSync(values.key);
    } catch (err) {
      throw new UsageError(`cannot read --key: ${(err as Error).message}`);
    }
    const privateKey = loadPrivateKey(keyPem);
    const sourceDir = path.resolve(values.source ?? PROJECT_ROOT);
    const version = (JSON.parse(readFileSync(path.join(sourceDir, 'package.json'), 'utf8')) as { version: string }).version;
    const out = path.resolve(values.out ?? `leukodiff-${version}-${arch}.ldb`);
    const m = await makeBundle({
      sourceDir,
      arch,
      privateKey,
      out,
      nodeModulesDir: values['node-modules'] && path.resolve(values['node-modules']),
      warn: (line) => say(NAME, `warning: ${line}`),
    });
    process.stdout.write(`${out}: leukodiff ${m.version} for ${m.arch}, ${m.files.length} files, ${m.payload.bytes} bytes compressed, signed by key ${m.keyId}\n`);
    return 0;
  } catch (err) {
    say(NAME, (err as Error).message);
    return err instanceof UsageError || err instanceof BundleError ? 2 : 1;
  }
}
