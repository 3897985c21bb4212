/**
 * The sample workflow's infrastructure: event bus (`app.events`), store (`app.store`), the context
 * the workflow operations share (`app.workflow`), then the analysis queue.
 */
import fp from 'fastify-plugin';
import { Authenticator } from '../../workflow/auth.ts';
import type { WorkflowContext } from '../../workflow/context.ts';
import eventsPlugin from './events.ts';
import queuePlugin from './queue.ts';
import storePlugin from './store.ts';

declare module 'fastify' {
  interface FastifyInstance {
    workflow: WorkflowContext;
  }
}

export default fp(
  async (app) => {
    await app.register(eventsPlugin);
    await app.register(storePlugin);
    app.decorate('workflow', {
      store: app.store,
      events: app.events,
      auth: new Authenticator(app.store),
      defaultTarget: app.config.targetCount,
      queueCapacity: app.config.queueCapacity,
      now: () => new Date(),
    } satisfies WorkflowContext);
    await app.register(queuePlugin);
  },
  { name: 'workflow', dependencies: ['config', 'engine'] },
);
