/** The real box's side of applying a bundle: systemd, the release's own CLI, the daemon's health. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, stat, symlink } from 'node:fs/promises';
import path from 'node:path';
import { systemctl } from '../cli-util.ts';
import type { ApplyHooks } from './apply.ts';

export interface BoxOptions {
  dataDir: string;
  host: string;
  port: number;
  /** Shared TensorRT engine cache: engines are keyed by model hash, so releases share it. */
  enginesDir: string;
  unit?: string;
  log?: (line: string) => void;
}

/** A release may carry its own Node runtime (node/bin/node); else the one running this. */
function nodeFor(releaseDir: string): string {
  const own = path.join(releaseDir, 'node', 'bin', 'node');
  return existsSync(own) ? own : process.execPath;
}

function runAs(cmd: string, args: string[], opts: { cwd: string; uid?: number; gid?: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, uid: opts.uid, gid: opts.gid, stdio: ['ignore', 'inherit', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      process.stderr.write(d);
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(err.trim().split('\n').slice(-1)[0] || `exit ${code}`))));
  });
}

export function boxHooks(o: BoxOptions): ApplyHooks {
  const unit = o.unit ?? 'leukodiff.service';
  return {
    stopDaemon: () => systemctl('stop', unit),
    startDaemon: () => systemctl('start', unit),
    async migrate(releaseDir) {
      // As the data folder's owner: a root-owned database file would lock the daemon out.
      const owner = await stat(o.dataDir);
      const asOwner = process.getuid?.() === 0 ? { uid: owner.uid, gid: owner.gid } : {};
      await runAs(nodeFor(releaseDir), [path.join(releaseDir, 'bin', 'leukodiff.mjs'), 'migrate', '--data', o.dataDir], { cwd: releaseDir, ...asOwner });
    },
    async healthy(version) {
      const host = o.host === '0.0.0.0' || o.host === '::' ? '127.0.0.1' : o.host;
      const res = await fetch(`http://${host.includes(':') ? `[${host}]` : host}:${o.port}/api/health`, { signal: AbortSignal.timeout(5000) });
      if (!res.ok) return false;
      return ((await res.json()) as { version?: string }).version === version;
    },
    async prepare(releaseDir) {
      const engines = path.join(releaseDir, 'models', 'engines');
      if (existsSync(path.join(releaseDir, 'models'))) {
        await rm(engines, { recursive: true, force: true });
        await mkdir(o.enginesDir, { recursive: true });
        await symlink(o.enginesDir, engines);
      }
      // Builds the TensorRT addon against this box's TensorRT; never fails (stub or none otherwise).
      if (existsSync(path.join(releaseDir, 'native', 'install.mjs'))) {
        o.log?.('building the native addon for this box');
        await runAs(nodeFor(releaseDir), [path.join(releaseDir, 'native', 'install.mjs')], { cwd: path.join(releaseDir, 'native') }).catch((err: Error) =>
          o.log?.(`native addon not built (${err.message}); onnxruntime will be used`),
        );
      }
    },
    log: o.log,
  };
}
