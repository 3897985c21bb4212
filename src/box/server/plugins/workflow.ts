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

export default fp<{ now?: () => Date }>(
  async (app, opts) => {
    await app.register(eventsPlugin);
    await app.register(storePlugin);
    const ctx: WorkflowContext = {
      store: app.store,
      events: app.events,
      auth: new Authenticator(app.store, () => ctx.now().getTime()),
      defaultTarget: app.config.targetCount,
      queueCapacity: app.config.queueCapacity,
      now: opts.now ?? (() => new Date()),
    };
    app.decorate('workflow', ctx);
    await app.register(queuePlugin);
  },
  { name: 'workflow', dependencies: ['config', 'engine'] },
);
