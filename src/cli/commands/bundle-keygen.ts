/** `leukodiff bundle-keygen --out DIR`: a new Ed25519 key pair for signing update bundles. */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createPublicKey } from 'node:crypto';
import { generateSigningKeys, keyId } from '../../box/deploy/bundle/keys.ts';
import { parse, say, UsageError } from '../../box/deploy/cli-util.ts';

const NAME = 'leukodiff bundle-keygen';
const USAGE = `usage: leukodiff bundle-keygen --out DIR [--name NAME]
  writes DIR/NAME.key (private, mode 0600: keep it off the boxes, offline) and DIR/NAME.pub
  (install it on every box as /etc/leukodiff/bundle-signing.pub); NAME defaults to bundle-signing`;

export async function run(argv: string[]): Promise<number> {
  try {
    const { values, positionals } = parse(argv, { out: { type: 'string' }, name: { type: 'string' } }, USAGE);
    if (values.help) {
      process.stdout.write(USAGE + '\n');
      return 0;
    }
    if (!values.out || positionals.length) throw new UsageError(`--out DIR is required\n${USAGE}`);
    const name = values.name ?? 'bundle-signing';
    if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new UsageError(`--name: letters, digits, '.', '_' and '-' only`);
    const keyFile = path.join(values.out, `${name}.key`);
    const pubFile = path.join(values.out, `${name}.pub`);
    for (const f of [keyFile, pubFile]) if (existsSync(f)) throw new UsageError(`${f} exists: not overwriting a key`);
    const { privatePem, publicPem } = generateSigningKeys();
    mkdirSync(values.out, { recursive: true, mode: 0o700 });
    writeFileSync(keyFile, privatePem, { mode: 0o600, flag: 'wx' });
    writeFileSync(pubFile, publicPem, { mode: 0o644, flag: 'wx' });
    process.stdout.write(`key ${keyId(createPublicKey(publicPem))}: private ${keyFile}, public ${pubFile}\n`);
    return 0;
  } catch (err) {
    say(NAME, (err as Error).message);
    return err instanceof UsageError ? 2 : 1;
  }
}
