/**
 * Delivers one outbox row: the images the hub lacks first (in parts, resuming where the hub's copy
 * ends), then the revision. Whatever happens to this row is recorded on it: delivered, set aside
 * with its reason (the hub refused it, or it can never fit), or failed with a later next attempt,
 * so the rows behind it go first. Failures of the link itself are rethrown to the loop.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { OutboxEntry } from '../store/types.ts';
import type { WorkflowContext } from '../workflow/context.ts';
import { markDelivered } from '../workflow/signoff.ts';
import { HubCallError, type HubApi, type HubLimits, type MissingImage } from './hub-api.ts';
import { LocalImageMissing, type OutgoingImages } from './outgoing-images.ts';
import type { SyncRepo } from './repo.ts';

/** A problem of this row alone; permanent ones set it aside at once. */
export class ItemProblem extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

export type RowResult = 'delivered' | 'set_aside' | 'deferred';

export interface DelivererOptions {
  /** The box's own cap on a request body. */
  maxRequestBytes: number;
  /** Failures of its own (5xx, unusable) after which a row is set aside, if others got through meanwhile. */
  maxItemAttempts: number;
  /** Delay before a failed row is tried again, by its number of failed tries. */
  itemDelayMs: (attempts: number) => number;
}

const HASH_BATCH = 500;

export class Deliverer {
  /** Rows delivered since the daemon started (to tell "this row fails" from "everything fails"). */
  private delivered = 0;
  /**
   * Row id -> failures that may be the row's own (the hub answered 5xx, or could not use what we
   * sent), and `delivered` at the first of them. A cut connection is the link's fault, not counted.
   */
  private readonly suspect = new Map<number, { count: number; deliveredBefore: number }>();

  constructor(
    private readonly ctx: WorkflowContext,
    private readonly repo: SyncRepo,
    private readonly api: HubApi,
    private readonly images: OutgoingImages,
    private readonly opts: DelivererOptions,
    private readonly log: FastifyBaseLogger,
  ) {}

  async deliver(row: OutboxEntry, limits: HubLimits): Promise<RowResult> {
    this.ctx.events.publish({ type: 'sync.changed', sampleId: row.sampleId, state: 'sending', revision: row.revision });
    try {
      await this.sendImages(row, limits);
      await this.sendRevision(row, limits);
    } catch (err) {
      if ((err instanceof ItemProblem && err.permanent) || (err instanceof HubCallError && err.kind === 'rejected')) {
        this.setAside(row, (err as ItemProblem | HubCallError).code, err.message);
        return 'set_aside';
      }
      // Unauthorised is the box's trouble, not this row's; aborted means the daemon is stopping.
      if (err instanceof HubCallError && (err.kind === 'unauthorised' || err.code === 'aborted')) throw err;
      const message = err instanceof Error ? err.message : String(err);
      if ((err instanceof HubCallError && err.kind === 'server') || err instanceof ItemProblem) {
        const s = this.suspect.get(row.id) ?? { count: 0, deliveredBefore: this.delivered };
        s.count++;
        this.suspect.set(row.id, s);
        // Only when other rows went through meanwhile: then it is this row, not the hub.
        if (s.count >= this.opts.maxItemAttempts && this.delivered > s.deliveredBefore) {
          this.setAside(row, 'keeps_failing', `failed ${s.count} times while other samples went through; last: ${message}`);
          return 'set_aside';
        }
      }
      this.fail(row, message);
      if (err instanceof ItemProblem) return 'deferred';
      throw err;
    }
    markDelivered(this.ctx, row.sampleId, row.revision);
    this.repo.release(row.id);
    this.suspect.delete(row.id);
    this.delivered++;
    return 'delivered';
  }

  private fail(row: OutboxEntry, message: string): void {
    const next = new Date(this.ctx.now().getTime() + this.opts.itemDelayMs(row.attempts + 1)).toISOString();
    this.ctx.store.outbox.markFailed(row.id, message, next);
    this.ctx.events.publish({ type: 'sync.changed', sampleId: row.sampleId, state: 'retrying', revision: row.revision, message });
  }

  private setAside(row: OutboxEntry, code: string, reason: string): void {
    const at = this.ctx.now().toISOString();
    this.ctx.store.transaction(() => {
      this.repo.setAside(row.id, code, reason, at);
      this.ctx.store.outbox.markSetAside(row.id, reason);
    });
    this.suspect.delete(row.id);
    this.log.warn({ outboxId: row.id, revision: row.revision, code }, `sync: sample revision set aside: ${reason}`);
    this.ctx.events.publish({ type: 'sync.changed', sampleId: row.sampleId, state: 'set_aside', revision: row.revision, message: reason });
  }

  private async sendImages(row: OutboxEntry, limits: HubLimits): Promise<void> {
    const pending = row.images.filter((h) => !this.repo.isAcknowledged(h));
    for (let i = 0; i < pending.length; i += HASH_BATCH) {
      const batch = pending.slice(i, i + HASH_BATCH);
      const missing = await this.api.missing(batch);
      const lacking = new Set(missing.map((m) => m.sha256));
      for (const h of batch) if (!lacking.has(h)) await this.images.acknowledged(h);
      for (const m of missing) await this.upload(m, limits);
    }
  }

  private async upload(m: MissingImage, limits: HubLimits): Promise<void> {
    let o;
    try {
      o = await this.images.prepare(m.sha256);
    } catch (err) {
      if (err instanceof LocalImageMissing) throw new ItemProblem('image_missing', err.message, true);
      throw err;
    }
    if (o.total > limits.maxImageBytes) {
      throw new ItemProblem('image_too_large', `image ${m.sha256.slice(0, 12)} has ${o.total} bytes; the hub accepts at most ${limits.maxImageBytes}`, true);
    }
    const partBytes = Math.max(1, Math.min(this.opts.maxRequestBytes, limits.maxRequestBytes));
    let start = m.encoding === o.encoding && m.total === o.total ? Math.min(m.received, o.total) : 0;
    let stalled = 0;
    for (;;) {
      const length = Math.min(partBytes, o.total - start);
      const data = length > 0 ? await this.images.readPart(o, start, length) : Buffer.alloc(0);
      let r;
      try {
        r = await this.api.putPart(m.sha256, start, o.total, o.encoding, data);
      } catch (err) {
        if (err instanceof HubCallError && (err.code === 'hash_mismatch' || err.code === 'bad_encoding')) {
          await this.images.discard(m.sha256);
          throw new ItemProblem(err.code, err.message, false);
        }
        throw err;
      }
      if (r.complete) {
        await this.images.acknowledged(m.sha256);
        return;
      }
      // No progress three times in a row: the hub and the box disagree about this image.
      stalled = r.received > start ? 0 : stalled + 1;
      if (stalled > 3) throw new ItemProblem('upload_stalled', `image ${m.sha256.slice(0, 12)}: the hub keeps asking for byte ${r.received}`, false);
      start = Math.min(r.received, o.total);
    }
  }

  private async sendRevision(row: OutboxEntry, limits: HubLimits): Promise<void> {
    const size = Buffer.byteLength(JSON.stringify({ images: row.images, payload: row.payload }));
    const cap = Math.min(this.opts.maxRequestBytes, limits.maxRevisionBytes);
    if (size > cap) throw new ItemProblem('revision_too_large', `the sample's record has ${size} bytes; requests to the hub are capped at ${cap}`, true);
    for (let tries = 0; ; tries++) {
      const res = await this.api.putRevision(row.sampleId, row.revision, row.images, row.payload);
      if (res.status !== 'images_missing') return;
      // The hub lost images it had acknowledged (a restored hub): send them again, once.
      if (tries > 0) throw new ItemProblem('images_missing', `the hub still lacks ${res.missing.length} image(s) after they were sent`, false);
      for (const h of res.missing) this.repo.unacknowledge(h);
      await this.sendImages(row, limits);
    }
  }
}
