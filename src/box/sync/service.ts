/**
 * Puts the sync together from the configuration: the hub's address, the token (from the
 * environment or a file), an optional pinned CA. Without a hub address or a token the sync is off,
 * and its status says why; the outbox keeps filling and is delivered once it is configured.
 */
import { readFileSync, statSync } from 'node:fs';
import type { FastifyBaseLogger } from 'fastify';
import type { SyncStatus } from '../../contracts/api/sync.ts';
import { ConfigError, type Config } from '../config.ts';
import type { Actor, WorkflowContext } from '../workflow/context.ts';
import { HubApi } from './hub-api.ts';
import { HubHttp } from './http.ts';
import { SyncLoop } from './loop.ts';
import { OutgoingImages } from './outgoing-images.ts';
import { SyncRepo } from './repo.ts';
import { putBackInQueue } from './set-aside.ts';

/** A sync setting that names a file the box cannot read: a configuration error. */
export class SyncSetupError extends ConfigError {}

export class SyncService {
  readonly repo: SyncRepo;
  readonly loop: SyncLoop | null;
  private readonly http: HubHttp | null;
  private readonly reason: string | null;

  constructor(
    private readonly ctx: WorkflowContext,
    config: Config,
    log: FastifyBaseLogger,
  ) {
    this.repo = new SyncRepo(ctx.store.db);
    const token = readToken(config);
    if (!config.hubUrl || !token) {
      this.reason = !config.hubUrl ? 'no hub configured (LEUKODIFF_HUB_URL)' : 'no hub token (LEUKODIFF_HUB_TOKEN or LEUKODIFF_HUB_TOKEN_FILE)';
      this.http = null;
      this.loop = null;
      return;
    }
    let ca: Buffer | null = null;
    if (config.hubCaFile) {
      try {
        ca = readFileSync(config.hubCaFile);
      } catch (err) {
        throw new SyncSetupError(`config hubCaFile: cannot read ${config.hubCaFile}: ${(err as Error).message}`);
      }
    }
    this.reason = null;
    this.http = new HubHttp({ baseUrl: config.hubUrl, token, ca, timeoutMs: config.syncTimeoutMs });
    this.loop = new SyncLoop(
      ctx,
      this.repo,
      new HubApi(this.http),
      new OutgoingImages(ctx.store.images, this.repo, ctx.now),
      {
        backoffBaseMs: config.syncBackoffBaseMs,
        backoffCapMs: config.syncBackoffCapMs,
        probeMs: config.syncProbeMs,
        pollMs: config.syncPollMs,
        maxRequestBytes: config.syncMaxRequestBytes,
      },
      log,
    );
  }

  start(): void {
    this.loop?.start();
  }

  async stop(): Promise<void> {
    await this.loop?.stop();
    this.http?.close();
  }

  /** Asks the loop to try now (a person pressed "sync now", or an item was released). */
  nudge(): void {
    this.loop?.nudge('manual');
  }

  /** A person puts a set-aside item back in the queue (404 when it is not set aside); the loop tries it now. */
  putBack(outboxId: number, actor: Actor): void {
    putBackInQueue(this.ctx, this.repo, outboxId, actor);
    this.nudge();
  }

  status(): SyncStatus {
    const setAside = this.repo.setAsideCount();
    const backlog = { pending: this.ctx.store.outbox.pendingCount() - setAside, setAside, oldestPendingAt: this.repo.oldestPendingAt() };
    const reviews = { applied: this.repo.appliedReviewCount() };
    if (!this.loop) {
      return {
        enabled: false,
        reason: this.reason,
        state: 'disabled',
        hub: null,
        since: '',
        lastError: null,
        lastContactAt: null,
        lastDeliveryAt: null,
        nextAttemptAt: null,
        failures: 0,
        device: null,
        drain: { delivered: 0, setAside: 0 },
        backlog,
        reviews,
      };
    }
    return { enabled: true, reason: null, hub: this.http!.origin, ...this.loop.status(), backlog, reviews };
  }
}

function readToken(config: Config): string | null {
  if (config.hubToken) return config.hubToken;
  if (!config.hubTokenFile) return null;
  const file = config.hubTokenFile;
  let mode: number;
  try {
    mode = statSync(file).mode & 0o777;
  } catch (err) {
    throw new SyncSetupError(`config hubTokenFile: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  // The token lets anyone act as this box at the hub: a copy others can read is already leaked.
  if (mode & 0o077) {
    throw new SyncSetupError(
      `config hubTokenFile: ${file} can be read or changed by other users (mode ${mode.toString(8).padStart(4, '0')}); it holds the box's hub token: make it the daemon user's alone (chmod 600 ${file}) and restart`,
    );
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new SyncSetupError(`config hubTokenFile: cannot read ${config.hubTokenFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (!text) throw new SyncSetupError(`config hubTokenFile: ${config.hubTokenFile} is empty`);
  return text;
}
