/**
 * Headers on every reviewer page response (pages, images, errors): no script at all may run (the
 * pages have none), styles only inline (the page's own <style> and the cell boxes' positions), no
 * framing by any site (so "Sign review" cannot be clickjacked), no MIME sniffing, and no sample id
 * leaking to other sites through the Referer.
 */
import type { FastifyInstance } from 'fastify';

export const REVIEW_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export function addSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('content-security-policy', REVIEW_CSP);
    reply.header('x-frame-options', 'DENY');
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    return payload;
  });
}
