/**
 * Removes image uploads left unfinished for longer than the hub's uploadTtlSeconds (a box that
 * stopped mid-image, or a stolen token filling the disk with parts that never complete): at start,
 * then every tenth of the lifetime (at most hourly). Each hub process sweeps; the delete is
 * idempotent, so several sharing one database do no harm.
 */
import fp from 'fastify-plugin';
import { expireUploads } from '../repo/images.ts';

export default fp(
  async (app) => {
    const ttlMs = app.hubConfig.uploadTtlSeconds * 1000;
    const sweep = () =>
      expireUploads(app.hub.db, new Date(Date.now() - ttlMs).toISOString()).then(
        (n) => n && app.log.info({ removed: n }, 'expired unfinished image uploads'),
        (err: unknown) => app.log.warn({ err }, 'could not expire unfinished uploads'),
      );
    let timer: NodeJS.Timeout | null = null;
    app.addHook('onReady', async () => {
      await sweep();
      timer = setInterval(() => void sweep(), Math.min(ttlMs / 10, 3600_000));
      timer.unref();
    });
    app.addHook('onClose', async () => {
      if (timer) clearInterval(timer);
    });
  },
  { name: 'upload-expiry', dependencies: ['hub-db'] },
);
