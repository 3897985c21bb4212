/** GET /api/audit: the whole audit trail (samples, users, settings), newest first, page by page. */
import type { FastifyPluginAsync } from 'fastify';
import { auditEntrySchema, errors } from '../schemas/common.ts';

const audit: FastifyPluginAsync = async (app) => {
  app.get<{ Querystring: { limit: number; before?: number } }>(
    '/api/audit',
    {
      config: { session: 'required' },
      schema: {
        summary: 'Audit trail of the box, newest first; page with `before` = the last `seq` seen',
        tags: ['device'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 }, before: { type: 'integer', minimum: 1 } },
        },
        response: { 200: { type: 'array', items: auditEntrySchema }, ...errors },
      },
    },
    async (req) => app.workflow.store.audit.recent(req.query.limit, req.query.before),
  );
};

export default audit;
