/**
 * The kiosk UI: the files Vite built into ui/dist. index.html is never cached (it names the current
 * bundle); the hashed files under assets/ never change, so the browser keeps them for a year.
 * Without a build, / says how to make one instead of a bare 404.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { PROJECT_ROOT } from '../../../project-root.ts';

export const UI_DIST = path.join(PROJECT_ROOT, 'ui', 'dist');

/** The page talks to this daemon only: no CDN, no font service, nothing else (the box is offline). */
export const UI_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' blob: data:",
  "media-src 'self' blob: mediastream:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>leukodiff</title></head>
<body style="font: 24px/1.4 system-ui, sans-serif; margin: 3em">
<h1>The kiosk screen is not built</h1>
<p>Run <code>npm run build:ui</code> in the leukodiff folder, then reload this page.</p>
</body></html>
`;

function noCache(reply: FastifyReply): void {
  reply.header('cache-control', 'no-cache').header('content-security-policy', UI_CSP);
}

const uiRoutes: FastifyPluginAsync<{ root?: string }> = async (app, opts) => {
  const root = opts.root ?? UI_DIST;
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    index: false,
    cacheControl: false,
    // A missing build is answered at / below; no warning at every start of a checkout without one.
    suppressWarning: true,
    setHeaders(reply, file) {
      if (path.relative(root, file).startsWith(`assets${path.sep}`)) reply.header('cache-control', 'public, max-age=31536000, immutable');
      else noCache(reply);
    },
  });

  app.get('/', { schema: { hide: true } }, async (_req, reply) => {
    if (!existsSync(path.join(root, 'index.html'))) {
      return reply.status(503).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(NOT_BUILT);
    }
    noCache(reply);
    return reply.sendFile('index.html');
  });
};

export default uiRoutes;
