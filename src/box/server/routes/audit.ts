/** GET /api/audit: the whole audit trail (samples, users, settings), newest first, page by page. */
import type { RoutesPlugin } from '../../../server-common/type-provider.ts';
import { auditEntrySchema, errors } from '../schemas/common.ts';

const audit: RoutesPlugin = async (app) => {
  app.get(
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
