/**
 * Decorates the app with the store (`app.store`) in the configured data folder. Before anything
 * can upload it removes files of unacknowledged uploads and reports images the database lacks;
 * closing checkpoints the WAL.
 */
import fp from 'fastify-plugin';
import { Store } from '../../store/store.ts';

declare module 'fastify' {
  interface FastifyInstance {
    store: Store;
  }
}

export default fp(
  async (app) => {
    const store = Store.open(app.config.dataDir);
    try {
      const swept = await store.sweepImages();
      if (swept.orphans.length || swept.temporary) {
        app.log.info({ orphans: swept.orphans.length, temporary: swept.temporary }, 'removed image files of unacknowledged uploads');
      }
      if (swept.missing.length) app.log.error({ missing: swept.missing }, 'images referenced by the database are missing from the disk');
    } catch (err) {
      store.close();
      throw err;
    }
    app.decorate('store', store);
    app.addHook('onClose', async () => store.close());
  },
  { name: 'store', dependencies: ['config'] },
);
