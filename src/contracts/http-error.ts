/**
 * The error contract of the daemon's and the hub's HTTP APIs: a refusal is `{error, message}` with
 * its status (a few add fields after those two, such as `received` or `missing`, or headers such
 * as Retry-After). Both programs throw HttpError (or a subclass) and register the one error plugin
 * (src/server-common/error-plugin.ts) that sends it.
 */

export const errorSchema = {
  type: 'object',
  required: ['error', 'message'],
  properties: {
    error: { type: 'string', description: 'a stable machine code (snake_case) that clients switch on' },
    message: { type: 'string', description: 'one line for the person: what is wrong, then what to do' },
  },
} as const;

export class HttpError extends Error {
  constructor(
    /** HTTP status. */
    readonly statusCode: number,
    /** The body's `error`. */
    readonly code: string,
    /** The body's `message`. */
    message: string,
    /** Fields of the body beside `error` and `message`. */
    readonly body: Readonly<Record<string, unknown>> = {},
    readonly headers: Readonly<Record<string, string>> = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
