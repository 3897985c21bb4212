/**
 * OpenAPI description of the API, built by @fastify/swagger from the routes' own schemas, served
 * as JSON at GET /api/docs. Registered before the routes so that it sees every one of them.
 */
import swagger from '@fastify/swagger';
import fp from 'fastify-plugin';
import { VERSION } from '../../../version.ts';

export default fp(
  async (app) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: {
          title: 'leukodiff',
          version: VERSION,
          description:
            'White-blood-cell differential appliance. Errors are `{error, message}`. Once the box has a user, changes need a session ' +
            '(POST /api/session sets an HttpOnly cookie; 401 sign_in_required without one); the session user is named in the audit. See docs/api.md.',
        },
        tags: [{ name: 'session' }, { name: 'setup' }, { name: 'samples' }, { name: 'fields' }, { name: 'cells' }, { name: 'reports' }, { name: 'users' }, { name: 'settings' }, { name: 'device' }],
      },
    });
    app.get('/api/docs', { schema: { hide: true } }, async () => app.swagger());
  },
  { name: 'docs' },
);
