/**
 * The sync loop. Each round: probe the hub, deliver the due outbox rows in order (images, then the
 * revision), then pull reviews and tell the hub what became of them. After a good round it waits
 * for new signed samples or the review poll; after a failed one it backs off exponentially with
 * full jitter up to the cap. While the hub is unreachable a cheap probe runs every probe interval
 * (and at once when a sample is signed), and the next round starts as soon as one succeeds.
 * Nothing spins: every wait is a timer or an event.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { HubState, SyncStatus } from '../../contracts/api/sync.ts';
import type { WorkflowContext } from '../workflow/context.ts';
import type { Published } from '../workflow/events.ts';
import { fullJitter, spread } from './backoff.ts';
import { Deliverer } from './deliver.ts';
import { HubCallError, type HubApi } from './hub-api.ts';
import type { OutgoingImages } from './outgoing-images.ts';
import type { SyncRepo } from './repo.ts';
import { reportOutcomes, type OutcomesReported } from './outcomes.ts';
import { pullReviews } from './reviews.ts';

/** The hub states (src/contracts/api/sync.ts) while the sync is on. */
export type LoopState = Exclude<HubState, 'disabled'>;

export interface SyncLoopOptions {
  backoffBaseMs: number;
  backoffCapMs: number;
  probeMs: number;
  pollMs: number;
  maxRequestBytes: number;
  maxItemAttempts?: number;
  random?: () => number;
}

/** What the loop knows of the link; the sync service adds the backlog and reviews for the API's SyncStatus. */
export type LoopStatus = Pick<SyncStatus, 'since' | 'lastError' | 'lastContactAt' | 'lastDeliveryAt' | 'nextAttemptAt' | 'failures' | 'device' | 'drain'> & { state: LoopState };

type Outcome = { kind: 'ok' } | { kind: 'offline' | 'failing' | 'unauthorised'; message: string };

interface Waiter {
  mode: 'idle' | 'offline' | 'backoff';
  finish(): void;
  probeNow(): void;
}

const BATCH = 20;

export class SyncLoop {
  private state: LoopState = 'starting';
  private since = new Date().toISOString();
  private lastError: string | null = null;
  private lastContactAt: string | null = null;
  private lastDeliveryAt: string | null = null;
  private nextAttemptAt: string | null = null;
  private failures = 0;
  private device: { id: string; clinicId: string } | null = null;
  private drain = { delivered: 0, setAside: 0 };
  private drainDone = false;
  private stopped = false;
  private running: Promise<void> | null = null;
  private waiter: Waiter | null = null;
  private nudged = false;
  private saidHubTakesNoOutcomes = false;
  private unsubscribe: (() => void) | null = null;
  private readonly deliverer: Deliverer;
  private readonly random: () => number;

  constructor(
    private readonly ctx: WorkflowContext,
    private readonly repo: SyncRepo,
    private readonly api: HubApi,
    images: OutgoingImages,
    private readonly opts: SyncLoopOptions,
    private readonly log: FastifyBaseLogger,
  ) {
    this.random = opts.random ?? Math.random;
    this.deliverer = new Deliverer(
      ctx,
      repo,
      api,
      images,
      {
        maxRequestBytes: opts.maxRequestBytes,
        maxItemAttempts: opts.maxItemAttempts ?? 8,
        itemDelayMs: (n) => Math.max(1, fullJitter(n, opts.backoffBaseMs, opts.backoffCapMs, this.random)),
      },
      log,
    );
  }

  start(): void {
    if (this.running) return;
    this.unsubscribe = this.ctx.events.subscribe((e: Published) => {
      if (e.type === 'sync.changed' && e.state === 'queued') this.nudge('signed');
    });
    this.running = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.api.http.abort();
    this.waiter?.finish();
    await this.running;
    this.setState('stopped', null);
  }

  /** Something to send (a sample was signed) or a person asked: go now, or probe at once when offline. */
  nudge(reason: 'signed' | 'manual'): void {
    const w = this.waiter;
    if (!w) {
      this.nudged = true;
      return;
    }
    if (reason === 'manual' || w.mode === 'idle') w.finish();
    else if (w.mode === 'offline') w.probeNow();
  }

  status(): LoopStatus {
    return {
      state: this.state,
      since: this.since,
      lastError: this.lastError,
      lastContactAt: this.lastContactAt,
      lastDeliveryAt: this.lastDeliveryAt,
      nextAttemptAt: this.nextAttemptAt,
      failures: this.failures,
      device: this.device,
      drain: { ...this.drain },
    };
  }

  private setState(state: LoopState, error: string | null): void {
    const changed = state !== this.state || error !== this.lastError;
    if (state !== this.state) this.since = new Date().toISOString();
    this.state = state;
    this.lastError = error;
    if (!changed) return;
    if (state === 'offline' || state === 'failing' || state === 'unauthorised') this.log.warn({ state }, `sync: ${state}: ${error}`);
    else this.log.info({ state }, `sync: ${state}`);
    this.ctx.events.publish({ type: 'sync.changed', sampleId: null, state, ...(error ? { message: error } : {}) });
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      this.nudged = false;
      let outcome: Outcome;
      try {
        outcome = await this.round();
      } catch (err) {
        this.log.error({ err }, 'sync: round failed');
        outcome = { kind: 'failing', message: `sync error: ${(err as Error).message}` };
      }
      if (this.stopped) break;
      if (outcome.kind === 'ok') {
        this.failures = 0;
        if (this.pendingCount() === 0) this.drainDone = true;
        this.setState('idle', null);
        if (this.nudged) continue;
        // Rows deferred after a failure of their own are due before the next poll, perhaps.
        const due = this.repo.nextDueAt();
        const untilDue = due ? Math.max(50, Date.parse(due) - this.ctx.now().getTime()) : Infinity;
        await this.wait('idle', Math.min(spread(this.opts.pollMs, this.random), untilDue));
      } else {
        this.failures++;
        this.setState(outcome.kind, outcome.message);
        const delay = Math.max(Math.min(this.opts.backoffBaseMs, 100), fullJitter(this.failures, this.opts.backoffBaseMs, this.opts.backoffCapMs, this.random));
        await this.wait(outcome.kind === 'offline' ? 'offline' : 'backoff', delay);
      }
    }
  }

  private pendingCount(): number {
    return this.ctx.store.outbox.pendingCount() - this.repo.setAsideCount();
  }

  private classify(err: unknown): Outcome {
    if (!(err instanceof HubCallError)) throw err;
    if (err.kind === 'unreachable') return { kind: 'offline', message: err.message };
    if (err.kind === 'unauthorised') return { kind: 'unauthorised', message: `${err.message}: check the box's hub token` };
    return { kind: 'failing', message: err.message };
  }

  private async round(): Promise<Outcome> {
    let ping;
    try {
      ping = await this.api.ping();
    } catch (err) {
      return this.classify(err);
    }
    this.lastContactAt = new Date().toISOString();
    this.device = { id: ping.device.id, clinicId: ping.device.clinicId };
    let serverFailures = 0;
    let lastId = 0;
    while (!this.stopped) {
      const ids = this.repo.dueIds(this.ctx.now().toISOString(), lastId, BATCH);
      if (ids.length === 0) break;
      if (this.state !== 'syncing') this.setState('syncing', null);
      if (this.drainDone) {
        this.drain = { delivered: 0, setAside: 0 };
        this.drainDone = false;
      }
      for (const id of ids) {
        lastId = id;
        if (this.stopped) break;
        const row = this.ctx.store.outbox.get(id);
        if (!row || row.deliveredAt || this.repo.isSetAside(id)) continue;
        try {
          const r = await this.deliverer.deliver(row, ping.limits);
          serverFailures = 0;
          if (r === 'delivered') {
            this.drain.delivered++;
            this.lastDeliveryAt = new Date().toISOString();
          } else if (r === 'set_aside') this.drain.setAside++;
          this.ctx.events.publish({ type: 'sync.changed', sampleId: null, state: 'syncing', message: `${this.pendingCount()} left to send` });
        } catch (err) {
          // One 5xx may be this row's; two in a row is the hub's trouble.
          if (err instanceof HubCallError && err.kind === 'server' && ++serverFailures < 2) continue;
          return this.classify(err);
        }
      }
    }
    if (this.stopped) return { kind: 'ok' };
    try {
      await pullReviews(this.ctx, this.repo, this.api, ping.device.id, () => this.stopped);
      this.noteOutcomes(
        await reportOutcomes(
          this.repo,
          this.api,
          () => this.ctx.now(),
          () => this.stopped,
        ),
      );
    } catch (err) {
      return this.classify(err);
    }
    return { kind: 'ok' };
  }

  /** Outcomes the hub did not take wait for the next round; neither case is the round's failure. */
  private noteOutcomes(r: OutcomesReported): void {
    if (r.kind === 'refused') this.log.warn(`sync: the hub refused the reviews' outcomes (${r.message}); they are sent again next round`);
    else if (r.kind === 'done' && r.givenUp?.length) this.log.warn(`sync: the hub refused the outcome of review(s) ${r.givenUp.join(', ')} as malformed; not sent again`);
    else if (r.kind === 'unsupported' && !this.saidHubTakesNoOutcomes) {
      this.saidHubTakesNoOutcomes = true;
      this.log.info("sync: the hub does not take the reviews' outcomes (an older hub); they wait until it does");
    }
  }

  private wait(mode: Waiter['mode'], ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.nextAttemptAt = new Date(Date.now() + ms).toISOString();
    return new Promise<void>((resolve) => {
      let probeTimer: NodeJS.Timeout | undefined;
      let probing = false;
      const finish = () => {
        clearTimeout(timer);
        clearTimeout(probeTimer);
        if (this.waiter === w) this.waiter = null;
        this.nextAttemptAt = null;
        resolve();
      };
      const probe = async () => {
        if (this.waiter !== w || probing) return;
        probing = true;
        clearTimeout(probeTimer);
        try {
          await this.api.ping();
          if (this.waiter === w) finish();
        } catch {
          if (this.waiter === w) probeTimer = setTimeout(() => void probe(), spread(this.opts.probeMs, this.random));
        } finally {
          probing = false;
        }
      };
      const timer = setTimeout(finish, ms);
      const w: Waiter = { mode, finish, probeNow: () => void probe() };
      this.waiter = w;
      if (mode === 'offline') probeTimer = setTimeout(() => void probe(), spread(this.opts.probeMs, this.random));
    });
  }
}
