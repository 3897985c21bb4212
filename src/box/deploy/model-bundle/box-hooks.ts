/** The real box's side of applying a model bundle: systemd and the daemon's health. */
import { existsSync } from 'node:fs';
import { mkdir, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { systemctl } from '../cli-util.ts';
import type { ModelApplyHooks } from './apply.ts';

export interface ModelBoxOptions {
  host: string;
  port: number;
  /** Shared TensorRT engine cache: engines are keyed by model hash, so sets and releases share it. */
  enginesDir: string;
  unit?: string;
  log?: (line: string) => void;
}

export function modelBoxHooks(o: ModelBoxOptions): ModelApplyHooks {
  const unit = o.unit ?? 'leukodiff.service';
  return {
    // leukodiff.service Wants= and is After= the engines unit, so the restart builds the new set's engines first.
    restartDaemon: () => systemctl('restart', unit),
    async healthy(modelSet) {
      const host = o.host === '0.0.0.0' || o.host === '::' ? '127.0.0.1' : o.host;
      const res = await fetch(`http://${host.includes(':') ? `[${host}]` : host}:${o.port}/api/health`, { signal: AbortSignal.timeout(5000) });
      if (!res.ok) return false;
      return ((await res.json()) as { modelSet?: { version?: string } }).modelSet?.version === modelSet;
    },
    async prepare(setDir) {
      const engines = path.join(setDir, 'engines');
      if (existsSync(engines)) await rm(engines, { recursive: true, force: true });
      await mkdir(o.enginesDir, { recursive: true });
      await symlink(o.enginesDir, engines);
    },
    log: o.log,
  };
}
