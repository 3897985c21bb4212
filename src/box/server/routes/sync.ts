/** Sync with the hub: state and backlog, items set aside (and putting one back), "sync now". */
import { HUB_STATES, type SetAsideItem, type SyncStatus } from '../../../contracts/api/sync.ts';
import type { RoutesPlugin } from '../../../server-common/type-provider.ts';
import { actorOf } from '../actor.ts';
import { errors } from '../schemas/common.ts';

const nullable = (type: string) => ({ type: [type, 'null'] }) as const;

const statusSchema = {
  type: 'object',
  properties: {
    enabled: { type: 'boolean' },
    reason: nullable('string'),
    state: { type: 'string', enum: [...HUB_STATES] },
    since: { type: 'string' },
    hub: nullable('string'),
    lastError: nullable('string'),
    lastContactAt: nullable('string'),
    lastDeliveryAt: nullable('string'),
    nextAttemptAt: nullable('string'),
    failures: { type: 'integer' },
    device: { anyOf: [{ type: 'object', properties: { id: { type: 'string' }, clinicId: { type: 'string' } } }, { type: 'null' }] },
    drain: { type: 'object', properties: { delivered: { type: 'integer' }, setAside: { type: 'integer' } } },
    backlog: { type: 'object', properties: { pending: { type: 'integer' }, setAside: { type: 'integer' }, oldestPendingAt: nullable('string') } },
    reviews: { type: 'object', properties: { applied: { type: 'integer' } } },
  },
} as const;

const itemSchema = {
  type: 'object',
  properties: {
    outboxId: { type: 'integer' },
    sampleId: { type: 'string' },
    reference: nullable('string'),
    revision: { type: 'integer' },
    code: { type: 'string' },
    reason: { type: 'string' },
    at: { type: 'string' },
    attempts: { type: 'integer' },
  },
} as const;

const sync: RoutesPlugin = async (app) => {
  app.get(
    '/api/sync',
    { schema: { summary: 'Sync with the hub: state, last contact, backlog, drain progress', tags: ['sync'], response: { 200: statusSchema, ...errors } } },
    async (): Promise<SyncStatus> => app.sync.status(),
  );

  app.get(
    '/api/sync/set-aside',
    {
      schema: {
        summary: 'Sample revisions set aside (refused by the hub, too large, failing again and again) with the reason',
        tags: ['sync'],
        response: { 200: { type: 'array', items: itemSchema }, ...errors },
      },
    },
    async (): Promise<SetAsideItem[]> => app.sync.repo.setAsideItems(),
  );

  app.post(
    '/api/sync/set-aside/:outboxId/retry',
    {
      schema: {
        summary: 'Put a set-aside item back in the queue (after its cause was fixed)',
        tags: ['sync'],
        params: { type: 'object', required: ['outboxId'], additionalProperties: false, properties: { outboxId: { type: 'integer', minimum: 1 } } },
        response: { 204: { type: 'null' }, ...errors },
      },
    },
    async (req, reply) => {
      app.sync.putBack(req.params.outboxId, actorOf(req));
      return reply.status(204).send();
    },
  );

  app.post(
    '/api/sync/run',
    { schema: { summary: 'Try to sync now instead of waiting for the next attempt', tags: ['sync'], response: { 202: { type: 'object', properties: { state: { type: 'string' } } }, ...errors } } },
    async (_req, reply) => {
      app.sync.nudge();
      return reply.status(202).send({ state: app.sync.status().state });
    },
  );
};

export default sync;
