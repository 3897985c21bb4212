/**
 * Only this box's own pages (and clients that are not browsers: curl, the CLI) may drive the
 * daemon. A request whose Host is not one of the box's own names is refused (421 bad_host): that
 * is how a DNS-rebinding page on another site would reach it. A change (POST, PUT, PATCH, DELETE)
 * whose Origin is another site, or that a browser marks as cross-site, is refused (403 bad_origin),
 * so a page open in any browser on the box or the LAN cannot mark cells, upload or sync. No CORS
 * header is ever sent, so other sites cannot read the answers either.
 */
import type { AddressInfo } from 'node:net';
import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.ts';

const LOOPBACK = ['127.0.0.1', 'localhost', '[::1]'];
const WILDCARD = new Set(['0.0.0.0', '::', '[::]', '']);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Host names as they appear in a URL (IPv6 in brackets, lowercase). */
export function allowedHostNames(config: Pick<Config, 'host' | 'allowedHosts'>): Set<string> {
  const names = new Set([...LOOPBACK, ...config.allowedHosts.map((h) => h.toLowerCase())]);
  const own = config.host.toLowerCase();
  if (!WILDCARD.has(own)) names.add(own.includes(':') && !own.startsWith('[') ? `[${own}]` : own);
  return names;
}

/** The host name of a Host header or an origin's authority, or null when it is not one. */
function hostnameOf(authority: string): string | null {
  try {
    const u = new URL(`http://${authority}`);
    return u.username || u.password || u.pathname !== '/' ? null : u.hostname;
  } catch {
    return null;
  }
}

const shown = (value: string) => JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}...` : value);

export default fp(
  async (app) => {
    const names = allowedHostNames(app.config);
    const listening = () => (app.server.address() as AddressInfo | null)?.port;
    const kioskUrl = () => `http://127.0.0.1:${listening() ?? app.config.port}/`;

    const sameOrigin = (origin: string): boolean => {
      let u: URL;
      try {
        u = new URL(origin);
      } catch {
        return false;
      }
      if (u.protocol !== 'http:' || !names.has(u.hostname)) return false;
      const port = Number(u.port || 80);
      return port === app.config.port || port === listening();
    };

    const refuse = (reply: FastifyReply, status: number, error: string, message: string) => reply.code(status).header('cache-control', 'no-store').send({ error, message });

    app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
      const host = req.headers.host;
      // HTTP/1.1 requires Host (node refuses a request without it); an HTTP/1.0 client without one is no browser.
      if (host !== undefined) {
        const name = hostnameOf(host);
        if (name === null || !names.has(name)) {
          return refuse(
            reply,
            421,
            'bad_host',
            `this box answers only to its own addresses, not to Host ${shown(host)}: open it at ${kioskUrl()} (a technician can add the box's network name to allowedHosts, LEUKODIFF_ALLOWED_HOSTS)`,
          );
        }
      }
      if (SAFE_METHODS.has(req.method)) return;
      const origin = req.headers.origin;
      if (origin !== undefined) {
        if (!sameOrigin(origin)) {
          return refuse(reply, 403, 'bad_origin', `changes are accepted only from this box's own screen, not from the page at ${shown(origin)}: use the kiosk at ${kioskUrl()}`);
        }
        return;
      }
      const site = req.headers['sec-fetch-site'];
      if (site === 'cross-site' || site === 'same-site') {
        return refuse(reply, 403, 'bad_origin', `changes are accepted only from this box's own screen, not from another site: use the kiosk at ${kioskUrl()}`);
      }
    });
  },
  { name: 'origin-guard', dependencies: ['config'] },
);
