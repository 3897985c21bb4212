/**
 * One error shape for the hub, the daemon's: `{error, message}` (a few refusals add a field, such as
 * `received` or `missing`, after those two); the framework's request errors get the daemon's codes;
 * validation errors are 400s; faults are logged 500s without details.
 */
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

/** Framework request errors -> the code and a message saying what to do (the same codes as the daemon's). */
function requestError(err: Error & { code?: string; statusCode?: number }): HubError | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new HubError(400, 'malformed_json', 'the request body is not valid JSON: send a JSON document');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HubError(413, 'body_too_large', 'the request body is too large: send smaller parts (see the limits in GET /api/v1/ping)');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new HubError(415, 'unsupported_media_type', `${err.message}: send application/json (images: application/octet-stream)`);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new HubError(400, 'invalid_request', 'the Content-Length does not match the body: send the request again');
    default:
      return undefined;
  }
}

export default fp(
  async (app) => {
    app.setErrorHandler((e: Error & { statusCode?: number; code?: string; validation?: unknown }, req, reply) => {
      const err = e instanceof HubError ? e : (requestError(e) ?? e);
      if (err instanceof HubError) return reply.status(err.statusCode).headers(err.headers).send({ ...err.extra, error: err.code, message: err.message });
      const status = err.statusCode ?? 500;
      if (status >= 500) {
        req.log.error({ err }, 'request failed');
        return reply.status(status).send({ error: 'internal_error', message: 'internal error: see the hub log' });
      }
      const code = err.validation ? 'invalid_request' : (err.code ?? 'bad_request').toLowerCase().replace(/^fst_err_/, '');
      return reply.status(status).send({ error: code, message: err.message });
    });
    app.setNotFoundHandler((req, reply) => reply.status(404).send({ error: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` }));
  },
  { name: 'hub-errors' },
);
