/**
 * The language of one reviewer page: `t` fills a message of its catalogue (en.ts, fr.ts), with the
 * plural form its `{n}` asks for; class titles come from the one list of each language
 * (src/contracts/cell-names.ts). Times stay UTC in every language (html.ts `utc`).
 */
import { CLASS_TITLES, CLASS_TITLES_FR, classTitle } from '../../../contracts/cell-names.ts';
import { en, type Catalogue, type MessageKey } from './en.ts';
import { fr } from './fr.ts';

export const LANGS = ['en', 'fr'] as const;
export type Lang = (typeof LANGS)[number];
export type Vars = Record<string, string | number>;
export type { MessageKey };

export const CATALOGUES: Record<Lang, Catalogue> = { en, fr };
const TITLES = { en: CLASS_TITLES, fr: CLASS_TITLES_FR };

export const isLang = (value: unknown): value is Lang => typeof value === 'string' && (LANGS as readonly string[]).includes(value);

export interface Locale {
  lang: Lang;
  t: (key: MessageKey, vars?: Vars) => string;
  /** A cell class's row heading ("Neutrophils", "Neutrophiles"). */
  classTitle: (type: string) => string;
  /** A number as the language writes it (12.5, 12,5), to `fractionDigits` places when given. */
  num: (value: number, fractionDigits?: number) => string;
  /** The page's own address, for the language switch to come back to; absent or null: no switch (a page answering a form post, which a link would lose). */
  here?: string | null;
}

export function locale(lang: Lang): Locale {
  const plural = new Intl.PluralRules(lang);
  const num = (value: number, fractionDigits?: number) => {
    const text = fractionDigits === undefined ? String(value) : value.toFixed(fractionDigits);
    return lang === 'fr' ? text.replace('.', ',') : text;
  };
  return {
    lang,
    num,
    classTitle: (type) => classTitle(type, TITLES[lang]),
    t(key, vars = {}) {
      const message = CATALOGUES[lang][key];
      const text = typeof message === 'string' ? message : plural.select(typeof vars.n === 'number' ? vars.n : 0) === 'one' ? message.one : message.other;
      return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
        const v = vars[name];
        return v === undefined ? whole : typeof v === 'number' ? num(v) : v;
      });
    },
  };
}

/** English, the default. */
export const EN: Locale = locale('en');

/** A message's two forms with their placeholders left in, for the page's script to fill (review-keys.js reads them from data- attributes). */
export function messageForms(loc: Locale, key: MessageKey): { one: string; other: string } {
  const message = CATALOGUES[loc.lang][key];
  return typeof message === 'string' ? { one: message, other: message } : message;
}
