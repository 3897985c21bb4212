/**
 * Hands-free capture: while switched on and the screen is free, judges the camera preview every
 * SAMPLE_MS and, when the judgement says so, photographs the field and sends it (one upload at a
 * time; the daemon queues the analyses), with a tick. Each field taken so is followed to the end of
 * its analysis: one with quality warnings is removed, since nobody confirmed it.
 */
import { ContextConsumer } from '@lit/context';
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { ApiError, type ApiClient } from '../api/client.ts';
import type { Field, QualityWarning } from '../api/types.ts';
import { apiContext } from '../context.ts';
import { LiveCapture, SAMPLE_MS, type LivePhase } from '../logic/live-capture.ts';
import { tick } from '../services/tick.ts';
import type { CameraController } from './camera-controller.ts';
import { EventsController } from './events-controller.ts';

type Host = ReactiveControllerHost & HTMLElement;

/** What the preview shows, or that a photo is being sent. */
export type LiveStatus = Exclude<LivePhase, 'take'> | 'starting' | 'sending';

/** Something the nurse must know: a photo refused or removed. */
export type LiveProblem = { kind: 'overlap' } | { kind: 'rejected'; seq: number; warnings: QualityWarning[] } | { kind: 'failed'; seq: number; message: string };

/** The daemon's refusals of a photo it has already, or of one overlapping an earlier field of the sample. */
export const ALREADY_TAKEN_CODES: readonly string[] = ['duplicate_field', 'overlapping_field'];
/** Refusals that pass: the same photo may be sent again in a moment. */
const TRANSIENT_CODES: readonly string[] = ['offline', 'queue_full'];

/** A problem stays on screen at least this long, even when the next field is taken meanwhile. */
export const PROBLEM_MS = 6000;
/** In case an event was missed, ask for the fields being analysed now and then. */
const POLL_MS = 3000;
/** After a transient refusal, wait this long before sending again. */
const RETRY_MS = 3000;

export interface LiveOptions {
  camera: CameraController;
  sampleId: () => string;
  /** Whether a photo may be taken now (no dialog, no manual photo under way). */
  canTake: () => boolean;
  onError: (err: unknown) => void;
}

export class LiveCaptureController implements ReactiveController {
  status: LiveStatus = 'starting';
  /** seq of the last field taken by itself in this visit. */
  lastTaken: number | null = null;
  problem: LiveProblem | null = null;
  private problemAt = 0;
  private on = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  private uploading = false;
  /** Frames were skipped since the last judged one. */
  private gap = true;
  private holdUntil = 0;
  private lastPoll = 0;
  private readonly detector = new LiveCapture();
  /** Fields taken live whose analysis has not ended: the take that made each (null: found after a reload). */
  private readonly followed = new Map<string, number | null>();
  private readonly checking = new Set<string>();
  private readonly apiConsumer: ContextConsumer<typeof apiContext, Host>;

  constructor(
    private readonly host: Host,
    private readonly opts: LiveOptions,
  ) {
    this.apiConsumer = new ContextConsumer(host, { context: apiContext });
    new EventsController(host, {
      onEvent: (e) => {
        if ('fieldId' in e && this.followed.has(e.fieldId) && e.type !== 'field.queued' && e.type !== 'field.analysing') void this.check(e.fieldId);
      },
      onResync: () => this.checkAll(),
    });
    host.addController(this);
  }

  get enabled(): boolean {
    return this.on;
  }

  /** A photo taken by itself is being sent: the shutter waits, uploads go one at a time. */
  get sending(): boolean {
    return this.uploading;
  }

  /** Switched off and on again, the fields taken are still remembered. */
  set enabled(on: boolean) {
    if (on === this.on) return;
    this.on = on;
    this.gap = true;
    this.status = 'starting';
    if (on && this.host.isConnected) this.startTimer();
    if (!on) this.stopTimer();
    this.host.requestUpdate();
  }

  /** Another sample: nothing of the last one carries over. */
  reset(): void {
    this.detector.reset();
    this.followed.clear();
    this.lastTaken = null;
    this.problem = null;
    this.status = 'starting';
  }

  /** A field that was being analysed when the screen opened (a reload): judged as if taken live. */
  follow(field: Field): void {
    if (!this.followed.has(field.id)) this.followed.set(field.id, null);
  }

  hostConnected(): void {
    if (this.on) this.startTimer();
  }

  hostDisconnected(): void {
    this.stopTimer();
  }

  private get api(): ApiClient | undefined {
    return this.apiConsumer.value;
  }

  private startTimer(): void {
    this.stopTimer();
    this.timer = setInterval(() => this.step(), SAMPLE_MS);
  }

  private stopTimer(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private setStatus(status: LiveStatus): void {
    if (status === this.status) return;
    this.status = status;
    this.host.requestUpdate();
  }

  private step(): void {
    const now = performance.now();
    if (now - this.lastPoll > POLL_MS) {
      this.lastPoll = now;
      this.checkAll();
    }
    const frame = this.uploading || now < this.holdUntil || !this.opts.canTake() ? null : this.opts.camera.previewFrame();
    if (!frame) {
      this.gap = true;
      if (!this.uploading && this.opts.camera.state.kind !== 'live') this.setStatus('starting');
      return;
    }
    if (this.gap) this.detector.interrupt();
    this.gap = false;
    const d = this.detector.push(frame, now);
    if (d.phase === 'take') void this.take(d.takeId!);
    else this.setStatus(d.phase);
  }

  private async take(takeId: number): Promise<void> {
    const api = this.api;
    if (!api) return;
    const sampleId = this.opts.sampleId();
    this.uploading = true;
    this.setStatus('sending');
    try {
      const image = await this.opts.camera.capture();
      const field = await api.uploadField(sampleId, image, 'field.jpg');
      if (sampleId !== this.opts.sampleId()) return;
      this.followed.set(field.id, takeId);
      tick();
      this.lastTaken = field.seq;
      if (this.problem && performance.now() - this.problemAt >= PROBLEM_MS) this.problem = null;
    } catch (err) {
      if (err instanceof ApiError && ALREADY_TAKEN_CODES.includes(err.code)) {
        // The view stays the detector's last: it is not sent again until the slide has moved.
        this.report({ kind: 'overlap' });
      } else if (err instanceof ApiError && TRANSIENT_CODES.includes(err.code)) {
        this.detector.cancel(takeId);
        this.holdUntil = performance.now() + RETRY_MS;
        this.opts.onError(err);
      } else {
        this.detector.release(takeId);
        this.opts.onError(err);
      }
    } finally {
      this.uploading = false;
      this.host.requestUpdate();
    }
  }

  private report(problem: LiveProblem): void {
    this.problem = problem;
    this.problemAt = performance.now();
    this.host.requestUpdate();
  }

  private checkAll(): void {
    for (const id of this.followed.keys()) void this.check(id);
  }

  private async check(id: string): Promise<void> {
    const api = this.api;
    if (!api || this.checking.has(id)) return;
    this.checking.add(id);
    try {
      let field: Field;
      try {
        field = await api.getField(id);
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) this.followed.delete(id);
        return;
      }
      if (field.status === 'queued' || field.status === 'analysing' || !this.followed.has(id)) return;
      const takeId = this.followed.get(id) ?? null;
      this.followed.delete(id);
      if (field.status === 'failed') return this.report({ kind: 'failed', seq: field.seq, message: field.error ?? '' });
      const warnings = field.quality?.warnings ?? [];
      if (!warnings.length) return;
      try {
        await api.deleteField(id);
      } catch (err) {
        this.opts.onError(err);
        return;
      }
      if (takeId !== null) this.detector.release(takeId);
      this.report({ kind: 'rejected', seq: field.seq, warnings });
    } finally {
      this.checking.delete(id);
    }
  }
}
