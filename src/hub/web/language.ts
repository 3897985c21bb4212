/**
 * The reviewer pages' language: the one the reviewer chose with the switch in the page header (a
 * cookie, `leukodiff_lang`), else the browser's Accept-Language (French if it prefers French to
 * English, English otherwise). The switch is a plain link (the pages' CSP allows no inline script):
 * GET /review/language/:lang sets the cookie and goes back to the page (the link: html.ts). A page that answers a form
 * post (a review not signed, signing in to sign) has no switch: a link would lose what was posted.
 */
import type { FastifyRequest } from 'fastify';
import type { RoutesPlugin } from '../../server-common/type-provider.ts';
import { safeNext, signInUrl } from './auth.ts';
import { isLang, LANGS, locale, type Lang, type Locale } from './i18n/locale.ts';

export const LANG_COOKIE = 'leukodiff_lang';
const YEAR_S = 365 * 24 * 3600;

/** The language an Accept-Language header prefers among ours ("fr-CA,fr;q=0.9,en;q=0.8": French); English when it names neither. */
export function preferredLang(header: string | undefined): Lang {
  let best: Lang = 'en';
  let bestQ = 0;
  for (const part of (header ?? '').split(',')) {
    const [tag, ...params] = part.split(';').map((s) => s.trim());
    const lang = tag.toLowerCase().split('-')[0];
    const q = Number(params.find((p) => p.startsWith('q='))?.slice(2) ?? 1);
    if (isLang(lang) && q > bestQ) [best, bestQ] = [lang, q];
  }
  return best;
}

/** The request's language: the reviewer's choice, else the browser's. */
export function requestLang(req: FastifyRequest): Lang {
  const chosen = req.cookies?.[LANG_COOKIE];
  return isLang(chosen) ? chosen : preferredLang(req.headers['accept-language']);
}

/** The locale of a page answering `req`; a page shown by GET offers the switch back to its own address. */
export function requestLocale(req: FastifyRequest): Locale {
  return { ...locale(requestLang(req)), here: req.method === 'GET' ? req.url : null };
}

/** Where the switch goes back to: a reviewer page, or the sign-in page with its own way on. */
export function switchBackTo(next: string | undefined): string {
  if (next && /^\/review\/login(\?|$)/.test(next)) {
    const q = new URL(next, 'http://hub.invalid').searchParams;
    const then = q.get('next');
    return signInUrl(then === null ? null : safeNext(then), q.has('expired') ? 'expired' : q.has('signed_out') ? 'signed_out' : null);
  }
  return safeNext(next);
}

const languageRoutes: RoutesPlugin = async (app) => {
  app.get(
    '/review/language/:lang',
    {
      config: { reviewerAccess: 'public' },
      schema: {
        params: { type: 'object', required: ['lang'], additionalProperties: false, properties: { lang: { type: 'string', enum: [...LANGS] } } },
        querystring: { type: 'object', additionalProperties: false, properties: { next: { type: 'string', maxLength: 2000 } } },
      },
    },
    async (req, reply) => {
      reply.setCookie(LANG_COOKIE, req.params.lang, { path: '/review', sameSite: 'lax', httpOnly: true, secure: req.protocol === 'https', maxAge: YEAR_S });
      return reply.redirect(switchBackTo(req.query.next), 303);
    },
  );
};

export default languageRoutes;
