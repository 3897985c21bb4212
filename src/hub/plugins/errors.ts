/** One error shape for the hub: `{error, message}`; validation errors are 400s, faults are logged 500s without details. */
import fp from 'fastify-plugin';

export class HubError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const errorSchema = {
  type: 'object',
  required: ['error', 'message'],
  properties: { error: { type: 'string' }, message: { type: 'string' } },
} as const;

export const errorResponses = { '4xx': errorSchema, '5xx': errorSchema } as const;

export default fp(
  async (app) => {
    app.setErrorHandler((err: Error & { statusCode?: number; code?: string; validation?: unknown }, req, reply) => {
      if (err instanceof HubError) return reply.status(err.statusCode).headers(err.headers).send({ error: err.code, message: err.message, ...err.extra });
      const status = err.statusCode ?? 500;
      if (status >= 500) {
        req.log.error({ err }, 'request failed');
        return reply.status(status).send({ error: 'internal_error', message: 'internal error: see the hub log' });
      }
      const code = err.validation ? 'invalid_request' : err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'too_large' : (err.code ?? 'bad_request').toLowerCase().replace(/^fst_err_/, '');
      return reply.status(status).send({ error: code, message: err.message });
    });
    app.setNotFoundHandler((req, reply) => reply.status(404).send({ error: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` }));
  },
  { name: 'hub-errors' },
);
