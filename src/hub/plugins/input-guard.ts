/**
 * Refuses, with 400, any request whose path parameters, query or parsed body hold a NUL character
 * (in a value or a key), or a number that is not finite. PostgreSQL cannot store NUL in text, so
 * without this check one such character in a sample reference, patient id or comment was a 500
 * there, and SQLite quietly stored what PostgreSQL would refuse. A number such as `1e309` (in a
 * query string or JSON) becomes Infinity, which the schema validator lets through every minimum
 * and maximum; the databases then fail on it. Runs for every route of the hub: NUL before
 * validation, numbers after (once the query's strings have become numbers).
 */
import fp from 'fastify-plugin';
import { HubError } from './errors.ts';

/** The first path (e.g. `body.sample.reference`) whose key or string value contains NUL, or null. */
export function nulPath(value: unknown, where: string, depth = 0): string | null {
  if (typeof value === 'string') return value.includes('\0') ? where : null;
  // Deeper than any document the hub takes; a body nested further is refused by its schema anyway.
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value) || depth > 64) return null;
  for (const [k, v] of Object.entries(value)) {
    if (k.includes('\0')) return `${where} (a key)`;
    const found = nulPath(v, Array.isArray(value) ? `${where}[${k}]` : `${where}.${k}`, depth + 1);
    if (found) return found;
  }
  return null;
}

/** The first path whose number is Infinity or NaN, or null. */
export function nonFinitePath(value: unknown, where: string, depth = 0): string | null {
  if (typeof value === 'number') return Number.isFinite(value) ? null : where;
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value) || depth > 64) return null;
  for (const [k, v] of Object.entries(value)) {
    const found = nonFinitePath(v, Array.isArray(value) ? `${where}[${k}]` : `${where}.${k}`, depth + 1);
    if (found) return found;
  }
  return null;
}

export default fp(
  async (app) => {
    app.addHook('preValidation', async (req) => {
      const found = nulPath(req.params, 'params') ?? nulPath(req.query, 'query') ?? nulPath(req.body, 'body');
      if (found) throw new HubError(400, 'nul_character', `${found} contains a NUL character (\\u0000), which the hub does not store: remove it and send again`);
    });
    app.addHook('preHandler', async (req) => {
      const found = nonFinitePath(req.params, 'params') ?? nonFinitePath(req.query, 'query') ?? nonFinitePath(req.body, 'body');
      if (found) throw new HubError(400, 'invalid_request', `${found} is not a finite number: send a number within the documented range`);
    });
  },
  { name: 'hub-input-guard' },
);
