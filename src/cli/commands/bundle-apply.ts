/**
 * `leukodiff apply-bundle <bundle>` (as root): installs an update bundle from a USB stick or the
 * settings screen's drop folder, with automatic rollback. Exit 0 applied (or already current),
 * 1 rolled back or failed, 2 refused (bad, unsigned, tampered, truncated, wrong architecture).
 * The outcome is also written as JSON for the settings screen.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { KeyObject } from 'node:crypto';
import { ConfigError, loadConfig, type Config } from '../../box/config.ts';
import { applyBundle, type ApplyHooks, type ApplyResult } from '../../box/deploy/bundle/apply.ts';
import { boxHooks } from '../../box/deploy/bundle/box-hooks.ts';
import { BundleError, hostArch, MODEL_BUNDLE } from '../../box/deploy/bundle/format.ts';
import { claimedFormat } from '../../box/deploy/bundle/verify.ts';
import { loadPublicKey } from '../../box/deploy/bundle/keys.ts';
import { parse, positiveInt, say, UsageError } from '../../box/deploy/cli-util.ts';

export const DEFAULT_PUBKEY = '/etc/leukodiff/bundle-signing.pub';
const NAME = 'leukodiff apply-bundle';
const USAGE = `usage: leukodiff apply-bundle <bundle> | --from-dir DIR  [--pubkey FILE] [--root DIR] [--data DIR] [--deadline-s N] [--status-file FILE]
  <bundle>          a .ldb file (e.g. on a USB stick)
  --from-dir DIR    apply the newest .ldb in DIR and remove it (the settings screen's drop folder)
  --pubkey FILE     the network's public key (default: LEUKODIFF_BUNDLE_PUBKEY or ${DEFAULT_PUBKEY})
  --root DIR        install root holding releases/ and current (default: LEUKODIFF_ROOT or /opt/leukodiff)
  --data DIR        the data folder (default: the configured one)
  --deadline-s N    seconds the new version has to answer health (default 180)
  --status-file F   where to write the outcome (default: <data>/updates/last-result.json)`;

export function readPublicKey(flag: string | undefined): KeyObject {
  const file = flag ?? process.env.LEUKODIFF_BUNDLE_PUBKEY ?? DEFAULT_PUBKEY;
  let pem: Buffer;
  try {
    pem = readFileSync(file);
  } catch (err) {
    throw new UsageError(`cannot read the network's public key ${file}: ${(err as Error).message} (install it, or give --pubkey)`);
  }
  return loadPublicKey(pem);
}

function newestBundle(dir: string): string | null {
  const files = readdirSync(dir)
    .filter((n) => n.endsWith('.ldb'))
    .map((n) => path.join(dir, n))
    .filter((f) => statSync(f).isFile())
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return files[0] ?? null;
}

async function emptyDir(dir: string): Promise<void> {
  for (const name of readdirSync(dir)) await rm(path.join(dir, name), { recursive: true, force: true });
}

/** `hooks` replaces the box's systemd and health checks (tests). */
/** The box's configuration (its data folder from --data) and where an update's outcome goes (--status-file). */
export function updateSettings(values: { data?: string; 'status-file'?: string }): { config: Config; statusFile: string } {
  let config: Config;
  try {
    config = loadConfig(process.env, values.data ? { dataDir: path.resolve(values.data) } : {});
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
  return { config, statusFile: path.resolve(values['status-file'] ?? path.join(config.dataDir, 'updates', 'last-result.json')) };
}

export async function run(argv: string[], hooks?: ApplyHooks): Promise<number> {
  let statusFile: string | null = null;
  let bundle = '';
  const report = async (r: Omit<Partial<ApplyResult>, 'status'> & { status: string; reason?: string }) => {
    if (!statusFile) return;
    await mkdir(path.dirname(statusFile), { recursive: true });
    await writeFile(statusFile, JSON.stringify({ ...r, bundle: path.basename(bundle), at: new Date().toISOString() }, null, 2) + '\n');
  };
  let fromDir = false;
  let fromDirPath = '';
  try {
    const { values, positionals } = parse(
      argv,
      {
        pubkey: { type: 'string' },
        root: { type: 'string' },
        data: { type: 'string' },
        'deadline-s': { type: 'string' },
        'status-file': { type: 'string' },
        'from-dir': { type: 'string' },
      },
      USAGE,
    );
    if (values.help) {
      process.stdout.write(USAGE + '\n');
      return 0;
    }
    const settings = updateSettings(values);
    const config = settings.config;
    statusFile = settings.statusFile;
    if (values['from-dir']) {
      fromDir = true;
      fromDirPath = values['from-dir'];
      const found = newestBundle(values['from-dir']);
      if (!found) {
        process.stdout.write(`no .ldb bundle in ${values['from-dir']}\n`);
        return 0;
      }
      bundle = found;
    } else {
      if (positionals.length !== 1) throw new UsageError(`expected one bundle file\n${USAGE}`);
      bundle = positionals[0];
    }
    const deadlineMs = positiveInt(values['deadline-s'], '--deadline-s', 180) * 1000;
    // A model bundle dropped by the settings screen (or given here) is applied as one; that command verifies it.
    if ((await claimedFormat(bundle)) === MODEL_BUNDLE) {
      const passed = (['pubkey', 'root', 'data', 'deadline-s'] as const).flatMap((k) => (values[k] ? [`--${k}`, values[k]] : []));
      const { run: applyModels } = await import('./model-bundle-apply.ts');
      return await applyModels([bundle, ...passed, '--status-file', statusFile]);
    }
    const publicKey = readPublicKey(values.pubkey);
    const root = path.resolve(values.root ?? process.env.LEUKODIFF_ROOT ?? '/opt/leukodiff');
    const log = (line: string) => process.stdout.write(`${line}\n`);
    const r = await applyBundle({
      bundle,
      root,
      dataDir: config.dataDir,
      publicKey,
      arch: hostArch(),
      deadlineMs,
      hooks: hooks ?? boxHooks({ dataDir: config.dataDir, host: config.host, port: config.port, enginesDir: process.env.LEUKODIFF_ENGINES_CACHE ?? '/var/cache/leukodiff/engines', log }),
    });
    await report(r);
    if (r.status === 'applied') log(`leukodiff ${r.version} installed and healthy (previous: ${r.previous ?? 'none'})`);
    else if (r.status === 'unchanged') log(r.reason!);
    else say(NAME, `${r.status}: ${r.reason}`);
    return r.status === 'applied' || r.status === 'unchanged' ? 0 : 1;
  } catch (err) {
    const refused = err instanceof UsageError || err instanceof BundleError;
    await report({ status: refused ? 'refused' : 'failed', reason: (err as Error).message }).catch(() => {});
    say(NAME, (err as Error).message);
    return refused ? 2 : 1;
  } finally {
    // The drop folder is emptied either way (the bundle, older ones, partial uploads): the path
    // unit fires while it is not empty and would otherwise retry forever.
    if (fromDir) await emptyDir(fromDirPath);
  }
}
