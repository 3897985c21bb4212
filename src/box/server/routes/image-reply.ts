/** Sends image bytes that never change for a given tag: strong ETag, long cache, 304 on a match. */
import type { FastifyReply, FastifyRequest } from 'fastify';

export function sendImmutable(req: FastifyRequest, reply: FastifyReply, etag: string, type: string, body: Buffer | NodeJS.ReadableStream) {
  reply.header('etag', `"${etag}"`).header('cache-control', 'private, max-age=31536000, immutable');
  const match = req.headers['if-none-match'];
  if (match && match.split(',').some((t) => t.trim().replace(/^W\//, '') === `"${etag}"`)) {
    if ('destroy' in body && typeof body.destroy === 'function') (body as { destroy(): void }).destroy();
    return reply.status(304).send();
  }
  return reply.type(type).send(body);
}
