/** One error shape for every route: `{error, message}` with the right status; no stack traces out. */
import fp from 'fastify-plugin';
import { InputError } from '../../errors.ts';

export interface ErrorBody {
  error: string;
  message: string;
}

export const errorSchema = {
  type: 'object',
  required: ['error', 'message'],
  properties: { error: { type: 'string' }, message: { type: 'string' } },
} as const;

export default fp(
  async (app) => {
    app.setErrorHandler((err: Error & { statusCode?: number; code?: string; validation?: unknown }, req, reply) => {
      if (err instanceof InputError) return reply.status(err.status).send({ error: err.code, message: err.message });
      const status = err.statusCode ?? 500;
      if (status >= 500) {
        req.log.error({ err }, 'request failed');
        return reply.status(status).send({ error: 'internal_error', message: 'internal error: see the daemon log' });
      }
      const code = err.validation ? 'invalid_request' : (err.code ?? 'bad_request').toLowerCase().replace(/^fst_err_/, '');
      return reply.status(status).send({ error: code, message: err.message });
    });
    app.setNotFoundHandler((req, reply) => reply.status(404).send({ error: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` }));
  },
  { name: 'errors' },
);
