/** Server-rendered HTML for the reviewer pages: escaping and the page frame (inline CSS; the sample page's one script is served by the hub, gallery.ts). */
import { escapeMarkup as esc } from '../../core/util/escape.ts';
import { LANGS, type Lang, type Locale } from './i18n/locale.ts';

/** A fragment that is already HTML (built with `html`), so it is not escaped again. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** Tagged template: interpolated values are escaped unless they are Html (or arrays of Html). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0];
  values.forEach((v, i) => {
    const part = Array.isArray(v) ? v.map((x) => (x instanceof Html ? x.text : esc(x))).join('') : v instanceof Html ? v.text : esc(v);
    out += part + strings[i + 1];
  });
  return new Html(out);
}

const CSS = `
html{scroll-padding-top:5.5rem}
body{font-family:system-ui,sans-serif;margin:0;color:#1d2430;background:#f6f7f9}
header{background:#243b55;color:#fff;padding:.6rem 1rem;display:flex;justify-content:space-between;align-items:center;gap:1rem;flex-wrap:wrap}
header a{color:#fff}
header .end{display:flex;gap:1rem;align-items:center;flex-wrap:wrap;justify-content:flex-end}header .lang{font-size:.9rem}
header .who{margin:0;display:flex;gap:.6rem;align-items:center}header .who button{font-size:.85rem;padding:.2rem .7rem}
.sign-in input{font-size:1rem;padding:.35rem;width:min(22rem,100%)}
#reauth input{font-size:1rem;padding:.35rem;width:min(18rem,100%)}
main{padding:1rem;max-width:1400px;margin:auto}
table{border-collapse:collapse;width:100%;background:#fff;margin:.5rem 0}
th,td{border-bottom:1px solid #dde1e6;padding:.3rem .5rem;text-align:left;font-size:.92rem}
th{background:#eef1f4}
.field{position:relative;display:inline-block;max-width:100%;margin:.5rem 0}
.field img{display:block;max-width:100%;height:auto}
.box{position:absolute;border:2px solid #ffcc00;box-sizing:border-box}
.box span{position:absolute;top:-1.2em;left:-2px;background:#ffcc00;color:#000;font-size:.75rem;padding:0 .2em}
.box.flag{border-color:#e5484d}.box.flag span{background:#e5484d;color:#fff}
.box.added{border-style:dashed;border-color:#1f6feb}.box.added span{background:#1f6feb;color:#fff}form.js .field{cursor:crosshair}
.tile:has(option[value=remove]:checked) img{opacity:.35}#added-cells li{margin:.3rem 0}
.note{background:#fff8d6;padding:.5rem;border:1px solid #eed27a}
.changed{font-weight:bold;color:#a4262c}
button{font-size:1rem;padding:.5rem 1.2rem}
textarea{width:100%;min-height:4rem;box-sizing:border-box}
details.photo{margin:.3rem 0}details.photo summary{cursor:pointer}
.group h3{margin:.8rem 0 .3rem;font-size:1.05rem}.group h3 small{font-weight:normal;color:#5b6675}
.tiles{display:flex;flex-wrap:wrap;gap:6px}
.tile{position:relative;width:180px;background:#fff;border:2px solid #c9d0d8;border-radius:4px;overflow:hidden}
.tile img{display:block;width:180px;height:180px;background:#d9dde3}
.tile .num{position:absolute;top:2px;left:2px;background:#243b55;color:#fff;font-size:.8rem;padding:0 .35em;border-radius:3px}
.tile .flag{position:absolute;top:2px;right:2px;background:#e5484d;color:#fff;font-size:.75rem;padding:0 .35em;border-radius:3px}
.tile .auto{position:absolute;left:0;right:0;top:160px;background:rgba(0,0,0,.6);color:#fff;font-size:.72rem;padding:1px 4px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.tile select{display:block;width:100%;font-size:.9rem;border:0;border-top:1px solid #c9d0d8;padding:.25rem;background:#fff}
.tile.changed,form:not(.js) .tile:has(option:checked:not(:default)){border-color:#a4262c;background:#fde8e8}
.tile.changed select,form:not(.js) .tile:has(option:checked:not(:default)) select{font-weight:bold;color:#a4262c;background:#fde8e8}
.tile:focus{outline:3px solid #1f6feb;outline-offset:1px}
.tile.flash{animation:flash .6s}@keyframes flash{from{background:#ffd54d}}
.vh{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
.keys{background:#fff;border:1px solid #dde1e6;padding:.3rem .6rem;font-size:.85rem;position:sticky;top:0;z-index:2}
.keys p{margin:.2rem 0}.keys .classes span{display:inline-block;margin-right:.8rem}
@media (pointer:coarse){.keys{position:static}}
kbd{border:1px solid #9aa4b1;border-radius:3px;padding:0 .3em;background:#f6f7f9;font-size:.8rem}
#changes{background:#fff;border:1px solid #dde1e6;padding:.3rem .8rem}
#changes.confirm{border:2px solid #a4262c}
`;

/** Each language's name in itself, as the switch shows it. */
const LANG_NAMES: Record<Lang, string> = { en: 'English', fr: 'Français' };

/** "English | Français": the page's own language as text, the other a link that sets it (language.ts) and comes back here. */
export function languageSwitch(loc: Locale): Html | string {
  const here = loc.here;
  if (!here) return '';
  const items = LANGS.map((l) =>
    l === loc.lang
      ? html`<strong lang="${l}" aria-current="true">${LANG_NAMES[l]}</strong>`
      : html`<a lang="${l}" hreflang="${l}" data-lang="${l}" href="/review/language/${l}?next=${encodeURIComponent(here)}">${LANG_NAMES[l]}</a>`,
  );
  return html`<nav class="lang" aria-label="${loc.t('frame.language')}">${items.map((x, i) => (i ? html` | ${x}` : x))}</nav>`;
}

/** The page frame in `loc`'s language; with the signed-in reviewer's name and a sign-out button, or none (the sign-in page). */
export function page(loc: Locale, title: string, reviewerName: string | null, body: Html): string {
  const who = reviewerName === null ? '' : html`<form method="post" action="/review/logout" class="who"><span>${reviewerName}</span> <button type="submit">${loc.t('frame.signOut')}</button></form>`;
  return html`<!doctype html>
<html lang="${loc.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title} · ${loc.t('frame.hub')}</title><style>${new Html(CSS)}</style></head>
<body><header><a href="/review">${loc.t('frame.home')}</a><div class="end">${languageSwitch(loc)}${who}</div></header>
<main>${body}</main></body></html>`.text;
}

/** A time as the reviewer pages show it: to the minute, in UTC, and saying so. */
export const utc = (iso: string | null | undefined): string => (iso ? `${iso.replace('T', ' ').slice(0, 16)} UTC` : '—');
