/** The daemon's error replies: the shared error plugin, with 500s pointing to the daemon log; no stack traces out. */
import fp from 'fastify-plugin';
import errorPlugin from '../../../server-common/error-plugin.ts';

export { errorSchema } from '../../../contracts/http-error.ts';

export default fp(
  async (app) => {
    await app.register(errorPlugin, { program: 'daemon' });
  },
  { name: 'daemon-errors' },
);
