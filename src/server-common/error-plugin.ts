/**
 * The one error handler of the daemon and the hub: an HttpError becomes its status, headers and
 * `{...body, error, message}`; other client errors of the framework keep their status with a
 * snake_case code (`invalid_request` for a failed schema); faults are logged and answered with a
 * 500 that shows no detail. Unknown routes get 404 `not_found`.
 */
import fp from 'fastify-plugin';
import { HttpError } from '../contracts/http-error.ts';

export type RequestFailure = Error & { statusCode?: number; code?: string; validation?: unknown };

export interface ErrorPluginOptions {
  /** Whose log a 500 sends the reader to ('daemon', 'hub'). */
  program: string;
  /** Turns a framework or library error into the program's own refusal; undefined leaves it as it is. */
  translate?: (err: RequestFailure) => HttpError | undefined;
}

export default fp<ErrorPluginOptions>(
  async (app, opts) => {
    app.setErrorHandler((err: RequestFailure, req, reply) => {
      const known = err instanceof HttpError ? err : opts.translate?.(err);
      if (known) {
        if (known.statusCode >= 500) req.log.warn({ code: known.code }, known.message);
        return reply
          .status(known.statusCode)
          .headers(known.headers)
          .send({ ...known.body, error: known.code, message: known.message });
      }
      const status = err.statusCode ?? 500;
      if (status >= 500) {
        req.log.error({ err }, 'request failed');
        return reply.status(status).send({ error: 'internal_error', message: `internal error: see the ${opts.program} log` });
      }
      const code = err.validation ? 'invalid_request' : (err.code ?? 'bad_request').toLowerCase().replace(/^fst_err_/, '');
      return reply.status(status).send({ error: code, message: err.message });
    });
    app.setNotFoundHandler((req, reply) => reply.status(404).send({ error: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` }));
  },
  { name: 'errors' },
);
