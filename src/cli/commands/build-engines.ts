/**
 * `leukodiff build-engines`: builds (or checks) the TensorRT engine of every model in the manifest
 * ahead of time, e.g. after installing the box or upgrading JetPack, so that the daemon's first start
 * does not spend minutes building. Exit codes: 0 all engines ready, 1 some failed, 2 usage or
 * manifest error, 3 TensorRT unavailable here.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseCommandArgs } from '../args.ts';
import { ConfigError, loadConfig } from '../../box/config.ts';
import { parseManifest, type ModelEntry } from '../../core/inference/manifest.ts';
import { loadAddon, tensorRtStatus, type TrtLogLevel } from '../../core/inference/tensorrt/addon.ts';
import { createTensorRtBackend, type TensorRtBackendOptions } from '../../core/inference/tensorrt/index.ts';

const USAGE = `usage: leukodiff build-engines [--models DIR] [--precision fp16|fp32] [--workspace-mib N] [--force] [--verbose]
  --models DIR       models folder with manifest.json (default: the configured one, LEUKODIFF_MODELS)
  --precision P      fp16 (default; fp32 where the GPU has no fast FP16) or fp32
  --workspace-mib N  TensorRT builder workspace limit in MiB (default: TensorRT's)
  --force            rebuild engines even when the cached ones are current
  --verbose          also print TensorRT's info messages
engines are written to <models>/engines/`;

const NAME = 'leukodiff build-engines';

function fail(message: string, code = 2): number {
  process.stderr.write(`${NAME}: ${message}\n`);
  return code;
}

/** For tests: the addon to use instead of the built one. */
export interface BuildEnginesHooks {
  addon?: TensorRtBackendOptions['addon'];
}

export async function run(argv: string[], hooks: BuildEnginesHooks = {}): Promise<number> {
  const args = parseCommandArgs(
    {
      args: argv,
      options: {
        models: { type: 'string' },
        precision: { type: 'string' },
        'workspace-mib': { type: 'string' },
        force: { type: 'boolean' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    USAGE,
    fail,
  );
  if (typeof args === 'number') return args;
  const o = args.values;
  if (o.precision !== undefined && o.precision !== 'fp16' && o.precision !== 'fp32') {
    return fail(`--precision must be fp16 or fp32, got '${o.precision}'`);
  }
  let workspaceBytes: number | undefined;
  if (o['workspace-mib'] !== undefined) {
    const mib = Number(o['workspace-mib']);
    if (!Number.isInteger(mib) || mib <= 0) return fail(`--workspace-mib must be a positive integer, got '${o['workspace-mib']}'`);
    workspaceBytes = mib * 1024 * 1024;
  }

  const addon = hooks.addon ?? loadAddon();
  const status = tensorRtStatus(addon);
  if (!status.available) return fail(`TensorRT unavailable (${status.reason}); no engines built`, 3);

  let modelsDir = o.models ? path.resolve(o.models) : undefined;
  if (!modelsDir) {
    try {
      modelsDir = loadConfig().modelsDir;
    } catch (err) {
      if (err instanceof ConfigError) return fail(err.message);
      throw err;
    }
  }

  const minLevel: TrtLogLevel = o.verbose ? 'info' : 'warn';
  const order: TrtLogLevel[] = ['error', 'warn', 'info', 'debug'];
  const backend = createTensorRtBackend({
    modelsDir,
    precision: o.precision as 'fp16' | 'fp32' | undefined,
    workspaceBytes,
    trtLogLevel: minLevel,
    addon,
    log: (level, msg) => {
      if (order.indexOf(level) <= order.indexOf(minLevel)) process.stderr.write(`  ${level}: ${msg}\n`);
    },
  });
  const manifestPath = path.join(modelsDir, 'manifest.json');
  let models: ModelEntry[];
  try {
    models = parseManifest(JSON.parse(await readFile(manifestPath, 'utf8'))).models;
  } catch (err) {
    return fail(`cannot read ${manifestPath}: ${(err as Error).message}`);
  }

  process.stdout.write(`TensorRT ${backend.status.version} on ${backend.status.gpu}: ${models.length} model(s), engines in ${path.join(modelsDir, 'engines')}\n`);
  let failed = 0;
  for (const [i, model] of models.entries()) {
    const tag = `[${i + 1}/${models.length}] ${model.id}`;
    try {
      const r = await backend.buildEngine(model, path.join(modelsDir, model.file), { force: o.force });
      process.stdout.write(r.built ? `${tag}: built ${r.precision} engine in ${r.buildSeconds} s (${r.reason}) -> ${path.basename(r.enginePath)}\n` : `${tag}: ${r.reason} (${r.precision})\n`);
    } catch (err) {
      failed++;
      process.stdout.write(`${tag}: FAILED: ${(err as Error).message}\n`);
    }
  }
  if (failed) return fail(`${failed} of ${models.length} engine(s) failed`, 1);
  return 0;
}
