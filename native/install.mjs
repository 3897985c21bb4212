#!/usr/bin/env node
// `npm install` hook: builds native/ with node-gyp and never fails the install. Without TensorRT the
// addon is the stub (available: false); without a compiler it is not built at all, and the daemon
// then reports 'addon not built' and uses onnxruntime. Nothing is downloaded here except, as usual,
// Node's headers by node-gyp when none are installed locally.
// LEUKODIFF_SKIP_NATIVE=1 skips the build; LEUKODIFF_TRT=0 builds the stub even where TensorRT is.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const nativeDir = dirname(fileURLToPath(import.meta.url));
const addonPath = join(nativeDir, 'build', 'Release', 'leukodiff_trt.node');
const say = (line) => process.stderr.write(`leukodiff native: ${line}\n`);

function nodeGypCommand() {
  // npm sets npm_config_node_gyp for lifecycle scripts; otherwise use the node-gyp bundled with npm.
  const candidates = [process.env.npm_config_node_gyp, join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')].filter(Boolean);
  const script = candidates.find((c) => existsSync(c));
  return script ? [process.execPath, script] : ['node-gyp'];
}

function nodedirArgs() {
  if (process.env.npm_config_nodedir) return [];
  // Headers installed next to node (distribution packages, official tarballs): use them, no download.
  const prefix = join(dirname(process.execPath), '..');
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
}

function main() {
  if (process.env.LEUKODIFF_SKIP_NATIVE === '1') {
    say('skipped (LEUKODIFF_SKIP_NATIVE=1)');
    return;
  }
  const [command, ...prefixArgs] = nodeGypCommand();
  const args = [...prefixArgs, 'rebuild', ...nodedirArgs()];
  const result = spawnSync(command, args, { cwd: nativeDir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const log = `${command} ${args.join(' ')}\n${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}`;
  try {
    mkdirSync(join(nativeDir, 'build'), { recursive: true });
    writeFileSync(join(nativeDir, 'build', 'install.log'), log);
  } catch {
    // The log is a convenience; a read-only tree must not fail the install.
  }
  if (result.error || result.status !== 0) {
    const tail = log.trim().split('\n').slice(-15).join('\n');
    say(`not built (node-gyp ${result.error ? result.error.message : `exited ${result.status}`}); the onnxruntime backend will be used`);
    process.stderr.write(`${tail}\n`);
    return;
  }
  try {
    const addon = createRequire(import.meta.url)(addonPath);
    say(addon.available ? `built: ${addon.reason}` : `${addon.reason}; the onnxruntime backend will be used`);
  } catch (err) {
    say(`built but does not load (${err instanceof Error ? err.message : String(err)}); the onnxruntime backend will be used`);
  }
}

try {
  main();
} catch (err) {
  say(`not built (${err instanceof Error ? err.message : String(err)})`);
}
process.exitCode = 0;
