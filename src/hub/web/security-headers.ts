/**
 * Headers on every reviewer page response (pages, images, errors): scripts only from the hub itself
 * (the sample page's one file, review-keys.js; never inline), styles only inline (the page's own <style> and the cell boxes' positions), no
 * framing by any site (so "Sign review" cannot be clickjacked), no MIME sniffing, and no sample id
 * leaking to other sites through the Referer. The Referer stays on the hub's own requests
 * ('same-origin', not 'no-referrer'): under 'no-referrer' Chromium sends `Origin: null` with the
 * page's own form post, which the cross-site check (auth.ts) then refuses.
 */
import type { FastifyInstance } from 'fastify';

export const REVIEW_CSP = "default-src 'none'; script-src 'self'; img-src 'self'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export function addSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('content-security-policy', REVIEW_CSP);
    reply.header('x-frame-options', 'DENY');
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'same-origin');
    return payload;
  });
}
