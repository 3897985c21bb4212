/** Decorates the app with the workflow event bus (`app.events`), source of the SSE stream. */
import fp from 'fastify-plugin';
import { EventBus } from '../../workflow/events.ts';

declare module 'fastify' {
  interface FastifyInstance {
    events: EventBus;
  }
}

export default fp(
  async (app) => {
    app.decorate('events', new EventBus());
  },
  { name: 'events' },
);
