/** Decorates the app with the loaded detectors (`app.engine`) and closes them with the app. */
import fp from 'fastify-plugin';
import type { Engine } from '../../../core/inference/engine.ts';

declare module 'fastify' {
  interface FastifyInstance {
    engine: Engine;
  }
}

export default fp<{ engine: Engine }>(
  async (app, opts) => {
    app.decorate('engine', opts.engine);
    app.addHook('onClose', async () => opts.engine.close());
  },
  { name: 'engine' },
);
