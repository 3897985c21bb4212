/**
 * OpenAPI description of the API, built by @fastify/swagger from the routes' own schemas, served
 * as JSON at GET /api/docs. Registered before the routes so that it sees every one of them.
 */
import swagger from '@fastify/swagger';
import fp from 'fastify-plugin';
import { VERSION } from '../../version.ts';
import { USER_HEADER } from '../schemas/common.ts';

export default fp(
  async (app) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: {
          title: 'leukodiff',
          version: VERSION,
          description:
            'White-blood-cell differential appliance. Errors are `{error, message}`. Mutating requests may name the acting user in the ' +
            `\`${USER_HEADER}\` header (audit attribution). See docs/api.md.`,
        },
        tags: [
          { name: 'samples' },
          { name: 'fields' },
          { name: 'cells' },
          { name: 'reports' },
          { name: 'users' },
          { name: 'settings' },
          { name: 'device' },
        ],
      },
    });
    app.get('/api/docs', { schema: { hide: true } }, async () => app.swagger());
  },
  { name: 'docs' },
);
