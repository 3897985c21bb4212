/** `leukodiff verify-bundle <file>`: checks a bundle's signature and contents without installing it. */
import { ARCHES, BundleError, hostArch, MODEL_BUNDLE, type Arch } from '../../box/deploy/bundle/format.ts';
import { verifyBundle } from '../../box/deploy/bundle/verify.ts';
import { parse, say, UsageError } from '../../box/deploy/cli-util.ts';
import { readPublicKey, DEFAULT_PUBKEY } from './bundle-apply.ts';

const NAME = 'leukodiff verify-bundle';
const USAGE = `usage: leukodiff verify-bundle <bundle> [--pubkey FILE] [--arch arm64|x64|any]
  --pubkey FILE  the network's public key (default: LEUKODIFF_BUNDLE_PUBKEY or ${DEFAULT_PUBKEY})
  --arch A       the architecture it must be for (default: this machine's; 'any' to skip)
exit 0: the bundle would be accepted; 2: refused (the reason on stderr)`;

export async function run(argv: string[]): Promise<number> {
  try {
    const { values, positionals } = parse(argv, { pubkey: { type: 'string' }, arch: { type: 'string' } }, USAGE);
    if (values.help) {
      process.stdout.write(USAGE + '\n');
      return 0;
    }
    if (positionals.length !== 1) throw new UsageError(`expected one bundle file\n${USAGE}`);
    const arch = values.arch === 'any' ? null : ((values.arch ?? hostArch()) as Arch);
    if (arch !== null && !ARCHES.includes(arch)) throw new UsageError(`--arch must be arm64, x64 or any`);
    const { manifest } = await verifyBundle(positionals[0], readPublicKey(values.pubkey), { arch, format: 'any' });
    const what = manifest.format === MODEL_BUNDLE ? `model set ${manifest.version}` : `leukodiff ${manifest.version} for ${manifest.arch}`;
    process.stdout.write(`${positionals[0]}: valid: ${what}, ${manifest.files.length} files, made ${manifest.createdAt}, signed by key ${manifest.keyId}\n`);
    return 0;
  } catch (err) {
    say(NAME, (err as Error).message);
    return err instanceof UsageError || err instanceof BundleError ? 2 : 1;
  }
}
