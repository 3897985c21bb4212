/** A person puts a set-aside sample revision back in the queue, after fixing its cause. */
import type { OutboxEntry } from '../store/types.ts';
import type { Actor, WorkflowContext } from '../workflow/context.ts';
import { notFound } from '../workflow/errors.ts';
import type { SyncRepo } from './repo.ts';

/**
 * Takes the row off the set-aside list and makes it due now, with its audit entry, in one
 * transaction; then tells the UI it is queued. Refuses (404) a row that is not set aside.
 */
export function putBackInQueue(ctx: WorkflowContext, repo: SyncRepo, outboxId: number, actor: Actor): OutboxEntry {
  const row = ctx.store.outbox.get(outboxId);
  if (!row || row.deliveredAt || !repo.isSetAside(outboxId)) throw notFound('set-aside item', String(outboxId));
  const at = ctx.now().toISOString();
  ctx.store.transaction(() => {
    repo.release(outboxId);
    ctx.store.outbox.markFailed(outboxId, 'put back in the queue by a person', at);
    ctx.store.audit.append({ at, sampleId: row.sampleId, revision: row.revision, userId: actor.userId, action: 'sync.retried', target: `outbox:${outboxId}`, detail: {}, reason: null });
  });
  ctx.events.publish({ type: 'sync.changed', sampleId: row.sampleId, state: 'queued', revision: row.revision });
  return row;
}
