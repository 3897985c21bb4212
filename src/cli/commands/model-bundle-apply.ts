/**
 * `leukodiff apply-model-bundle <bundle>` (as root): installs a model set from a model bundle, with
 * its regression check before the switch and automatic rollback after it; `--use VERSION` goes back
 * to a kept set by hand; `--recover` (leukodiff.service, before the daemon starts) switches back a
 * switch that a power cut left without its health check (exit 0 unless that fails). Exit 0 applied
 * (or already in use), 1 rolled back or failed, 2 refused (unsigned, tampered, a file's sha256, the
 * regression fixture, not a model bundle): nothing changed.
 * The outcome is also written as JSON for the settings screen (the same file as apply-bundle's).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BundleError } from '../../box/deploy/bundle/format.ts';
import { parse, positiveInt, say, UsageError } from '../../box/deploy/cli-util.ts';
import { applyModelBundle, recoverModelSwitch, useModelSet, type ModelApplyHooks, type ModelApplyResult } from '../../box/deploy/model-bundle/apply.ts';
import { modelBoxHooks } from '../../box/deploy/model-bundle/box-hooks.ts';
import { DEFAULT_PUBKEY, readPublicKey, updateSettings } from './bundle-apply.ts';

const NAME = 'leukodiff apply-model-bundle';
const USAGE = `usage: leukodiff apply-model-bundle <bundle> | --use VERSION|release  [--pubkey FILE] [--root DIR] [--data DIR] [--deadline-s N] [--status-file FILE]
       leukodiff apply-model-bundle --recover [--root DIR] [--data DIR] [--status-file FILE]
  <bundle>          a model bundle (.ldb, made by leukodiff make-model-bundle)
  --use VERSION     switch back to a kept model set ('release': the release's own models), no bundle
  --recover         after a power cut between a switch and its health check: switch back (run by leukodiff.service)
  --pubkey FILE     the network's public key (default: LEUKODIFF_BUNDLE_PUBKEY or ${DEFAULT_PUBKEY})
  --root DIR        install root; model sets live in <root>/model-sets (default: LEUKODIFF_ROOT or /opt/leukodiff)
  --data DIR        the data folder (default: the configured one)
  --deadline-s N    seconds the daemon has to answer health with the new set (default 180)
  --status-file F   where to write the outcome (default: <data>/updates/last-result.json)`;

/** `hooks` replaces the box's systemd and health checks (tests). */
export async function run(argv: string[], hooks?: ModelApplyHooks): Promise<number> {
  let statusFile: string | null = null;
  let bundle = '';
  const report = async (r: Omit<Partial<ModelApplyResult>, 'status'> & { status: string; reason?: string }) => {
    if (!statusFile) return;
    await mkdir(path.dirname(statusFile), { recursive: true });
    await writeFile(statusFile, JSON.stringify({ kind: 'model-set', ...r, bundle: bundle && path.basename(bundle), at: new Date().toISOString() }, null, 2) + '\n');
  };
  try {
    const { values, positionals } = parse(
      argv,
      {
        use: { type: 'string' },
        recover: { type: 'boolean' },
        pubkey: { type: 'string' },
        root: { type: 'string' },
        data: { type: 'string' },
        'deadline-s': { type: 'string' },
        'status-file': { type: 'string' },
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
    const root = path.resolve(values.root ?? process.env.LEUKODIFF_ROOT ?? '/opt/leukodiff');
    const log = (line: string) => process.stdout.write(`${line}\n`);
    if (values.recover) {
      if (positionals.length || values.use !== undefined) throw new UsageError('--recover takes no bundle and no --use');
      const r = await recoverModelSwitch(root);
      if (r.status === 'rolled-back' || r.status === 'failed') await report(r);
      if (r.status === 'nothing') log('no model set switch to recover');
      else if (r.status === 'busy') log('an update is running: it settles its own model set switch');
      else if (r.status === 'rolled-back') log(r.reason!);
      else say(NAME, `failed: ${r.reason}`);
      return r.status === 'failed' ? 1 : 0;
    }
    if (values.use === undefined && positionals.length !== 1) throw new UsageError(`expected one model bundle file, or --use VERSION\n${USAGE}`);
    if (values.use !== undefined && positionals.length) throw new UsageError(`give a bundle or --use, not both\n${USAGE}`);
    bundle = positionals[0] ?? '';
    const deadlineMs = positiveInt(values['deadline-s'], '--deadline-s', 180) * 1000;
    const h = hooks ?? modelBoxHooks({ host: config.host, port: config.port, enginesDir: process.env.LEUKODIFF_ENGINES_CACHE ?? '/var/cache/leukodiff/engines', log });
    const r =
      values.use !== undefined
        ? await useModelSet({ root, version: values.use === 'release' ? null : values.use, hooks: h, deadlineMs })
        : await applyModelBundle({ bundle, root, publicKey: readPublicKey(values.pubkey), deadlineMs, hooks: h });
    await report(r);
    if (r.status === 'applied') log(`model set ${r.version} in use (previous: ${r.previous ?? "the release's own models"})`);
    else if (r.status === 'unchanged') log(r.reason!);
    else say(NAME, `${r.status}: ${r.reason}`);
    return r.status === 'applied' || r.status === 'unchanged' ? 0 : 1;
  } catch (err) {
    const refused = err instanceof UsageError || err instanceof BundleError;
    await report({ status: refused ? 'refused' : 'failed', reason: (err as Error).message }).catch(() => {});
    say(NAME, (err as Error).message);
    return refused ? 2 : 1;
  }
}
