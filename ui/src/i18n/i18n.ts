/**
 * Every word on screen comes from a catalogue (en.ts, fr.ts). `{name}` placeholders are filled in,
 * numbers formatted for the language, and a message may have plural forms chosen by `{n}`.
 * Switching the language fires `change`; components re-render without a reload.
 */
import { en, type Catalogue, type MessageKey } from './en.ts';
import { fr } from './fr.ts';

export const LANGS = ['en', 'fr'] as const;
export type Lang = (typeof LANGS)[number];
export type Vars = Record<string, string | number>;

export const CATALOGUES: Record<Lang, Catalogue> = { en, fr };

export function isLang(value: unknown): value is Lang {
  return typeof value === 'string' && (LANGS as readonly string[]).includes(value);
}

/** The message `key` in `lang`, placeholders filled; numbers in `vars` are formatted for the language. */
export function translate(lang: Lang, key: MessageKey, vars: Vars = {}): string {
  const message = CATALOGUES[lang][key] ?? en[key];
  let text: string;
  if (typeof message === 'string') text = message;
  else {
    const n = typeof vars.n === 'number' ? vars.n : 0;
    const form = new Intl.PluralRules(lang).select(n);
    text = form === 'one' ? message.one : message.other;
  }
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const v = vars[name];
    if (v === undefined) return whole;
    return typeof v === 'number' ? formatNumber(lang, v) : v;
  });
}

export function formatNumber(lang: Lang, value: number, fractionDigits?: number): string {
  const opts: Intl.NumberFormatOptions = fractionDigits === undefined ? { maximumFractionDigits: 2 } : { minimumFractionDigits: fractionDigits, maximumFractionDigits: fractionDigits };
  return new Intl.NumberFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', opts).format(value);
}

export function formatDateTime(lang: Lang, iso: string): string {
  return new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

export function formatTime(lang: Lang, iso: string): string {
  return new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { timeStyle: 'short' }).format(new Date(iso));
}

/** The kiosk's current language; persisted so a reload or a power cut keeps it. */
export class I18n extends EventTarget {
  constructor(
    public lang: Lang = 'en',
    private readonly storage?: Pick<Storage, 'getItem' | 'setItem'>,
  ) {
    super();
    const saved = storage?.getItem(STORAGE_KEY);
    if (isLang(saved)) this.lang = saved;
  }

  setLang(lang: Lang): void {
    if (lang === this.lang) return;
    this.lang = lang;
    this.storage?.setItem(STORAGE_KEY, lang);
    this.dispatchEvent(new Event('change'));
  }

  t(key: MessageKey, vars?: Vars): string {
    return translate(this.lang, key, vars);
  }

  number(value: number, fractionDigits?: number): string {
    return formatNumber(this.lang, value, fractionDigits);
  }

  /** '.' or ',', as the language writes 7.5. */
  get decimalSeparator(): string {
    return formatNumber(this.lang, 1.5, 1).replace(/\d/g, '');
  }

  dateTime(iso: string): string {
    return formatDateTime(this.lang, iso);
  }

  time(iso: string): string {
    return formatTime(this.lang, iso);
  }
}

const STORAGE_KEY = 'leukodiff.lang';

export type { MessageKey };
