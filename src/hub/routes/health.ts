/**
 * GET /health for load balancers and monitoring: no token, says nothing about any clinic; 503
 * when the database does not answer.
 */
import type { FastifyPluginAsync } from 'fastify';
import { sql } from 'kysely';
import { VERSION } from '../../version.ts';

const health: FastifyPluginAsync = async (app) => {
  app.get(
    '/health',
    {
      schema: {
        response: {
          200: { type: 'object', properties: { status: { type: 'string' }, database: { type: 'string' }, version: { type: 'string' } } },
          503: { type: 'object', properties: { status: { type: 'string' }, database: { type: 'string' }, version: { type: 'string' } } },
        },
      },
    },
    async (_req, reply) => {
      try {
        await sql`SELECT 1`.execute(app.hub.db);
        return { status: 'ok', database: app.hub.dialect, version: VERSION };
      } catch {
        return reply.status(503).send({ status: 'database_unavailable', database: app.hub.dialect, version: VERSION });
      }
    },
  );
};

export default health;
