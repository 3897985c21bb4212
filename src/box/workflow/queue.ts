/**
 * The analysis queue: one worker (the accelerator does one thing at a time) taking queued fields
 * from the database in order. The job list is the fields table itself, so it survives a crash;
 * see analysis-results.ts for why each field ends up in the result exactly once.
 */
import { InputError } from '../../core/errors.ts';
import type { Field } from '../store/types.ts';
import { completeAnalysis, failAnalysis, recoverInterrupted, startAnalysis } from './analysis-results.ts';
import type { WorkflowContext } from './context.ts';
import type { DerivedImages } from './derived-images.ts';
import { DamagedImageError, type AnalysedField, type FieldAnalyzer } from './field-analysis.ts';

export interface QueueLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface QueueOptions {
  /** Runs a field may start before it fails for good (a field that crashes the daemon). */
  maxAttempts?: number;
  /** Pause after the store refused to record a result (e.g. disk full), instead of spinning. */
  storeErrorPauseMs?: number;
}

export class AnalysisQueue {
  private wake: (() => void) | null = null;
  private stopped!: Promise<void>;
  private signalStop!: () => void;
  private loop: Promise<void> | null = null;
  private stopping = false;
  private idleWaiters: (() => void)[] = [];
  /** Moving average of a run, for Retry-After. */
  private avgMs = 2000;
  private readonly maxAttempts: number;
  private readonly pauseMs: number;

  constructor(
    private readonly ctx: WorkflowContext,
    private readonly analyze: FieldAnalyzer,
    private readonly derived: DerivedImages,
    private readonly log: QueueLog,
    opts: QueueOptions = {},
  ) {
    this.maxAttempts = opts.maxAttempts ?? 3;
    this.pauseMs = opts.storeErrorPauseMs ?? 10_000;
    this.stopped = new Promise((resolve) => (this.signalStop = resolve));
  }

  /** Recovers runs interrupted by a crash, then starts the worker. */
  start(): { resumed: string[]; failed: string[] } {
    const recovered = recoverInterrupted(this.ctx, this.maxAttempts);
    if (recovered.resumed.length || recovered.failed.length) this.log.info(recovered, 'analysis runs interrupted by the last stop');
    this.loop = this.run();
    return recovered;
  }

  /** Wakes the worker (a field was queued). */
  notify(): void {
    this.wake?.();
  }

  /** Fields waiting for or in analysis. */
  get length(): number {
    return this.ctx.store.fields.pendingCount();
  }

  get capacity(): number {
    return this.ctx.queueCapacity;
  }

  /** Seconds until the queue has room again, roughly. */
  retryAfterSeconds(): number {
    const over = Math.max(1, this.length - this.capacity + 1);
    return Math.min(300, Math.max(1, Math.ceil((over * this.avgMs) / 1000)));
  }

  /** Resolves when no field waits (tests, benches). */
  idle(): Promise<void> {
    if (this.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Finishes the current run (its result is committed), then stops. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.signalStop();
    this.notify();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        const field = this.ctx.store.fields.nextQueued();
        if (!field) {
          for (const w of this.idleWaiters.splice(0)) w();
          await new Promise<void>((resolve) => (this.wake = resolve));
          this.wake = null;
          continue;
        }
        await this.runOne(field);
      } catch (err) {
        // The store refused even the bookkeeping (e.g. disk full): the worker must not die.
        this.log.error({ err }, 'analysis queue: store error; pausing');
        await this.pause();
      }
    }
  }

  /** Waits storeErrorPauseMs, or less if the queue is stopped meanwhile. */
  private async pause(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([new Promise((r) => (timer = setTimeout(r, this.pauseMs))), this.stopped]);
    clearTimeout(timer);
  }

  private async runOne(field: Field): Promise<void> {
    startAnalysis(this.ctx, field);
    const t0 = performance.now();
    let result: AnalysedField;
    try {
      result = await this.analyze(field);
    } catch (err) {
      const expected = err instanceof InputError || err instanceof DamagedImageError;
      if (!expected) this.log.error({ err, fieldId: field.id }, 'analysis failed');
      await this.record(field, () => failAnalysis(this.ctx, field.id, expected ? (err as Error).message : `analysis failed: ${(err as Error).message}`));
      return;
    }
    this.avgMs = 0.8 * this.avgMs + 0.2 * (performance.now() - t0);
    if (!(await this.record(field, () => completeAnalysis(this.ctx, field.id, result.outcome)))) return;
    await this.makeDerived(field, result);
  }

  /** Commits a run's end; when the store refuses (disk full), pauses and leaves the field to be retried. */
  private async record(field: Field, commit: () => boolean): Promise<boolean> {
    try {
      return commit();
    } catch (err) {
      this.log.error({ err, fieldId: field.id }, 'cannot record the analysis result; will retry');
      await this.pause();
      try {
        if (field.attempts + 1 >= this.maxAttempts) failAnalysis(this.ctx, field.id, `the result could not be stored: ${(err as Error).message}`);
        else this.ctx.store.fields.resume(field.id);
      } catch (again) {
        this.log.error({ err: again, fieldId: field.id }, 'cannot record the analysis failure either; the field is retried after a restart');
      }
      return false;
    }
  }

  private async makeDerived(field: Field, result: AnalysedField): Promise<void> {
    try {
      await this.derived.thumbnail(field.imageSha256, result.pixels);
      for (const cell of this.ctx.store.cells.listByField(field.id)) {
        await this.derived.crop(field.imageSha256, cell.box, result.pixels.width, result.pixels.height, result.pixels);
      }
    } catch (err) {
      // Made again on first request.
      this.log.error({ err, fieldId: field.id }, 'cannot make thumbnail or crops');
    }
  }
}
