/**
 * The hub's error replies, the daemon's shape through the shared error plugin: `{error, message}`
 * (a few refusals add a field, such as `received` or `missing`, after those two); the framework's
 * request errors get the daemon's codes; validation errors are 400s; faults are logged 500s
 * without details.
 */
import fp from 'fastify-plugin';
import { errorSchema, HttpError } from '../../contracts/http-error.ts';
import errorPlugin from '../../server-common/error-plugin.ts';

export { errorSchema };

/** A refusal of the hub: status, code, message, then extra body fields and headers. */
export class HubError extends HttpError {}

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
    await app.register(errorPlugin, { program: 'hub', translate: requestError });
  },
  { name: 'hub-errors' },
);
