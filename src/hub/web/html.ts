/** Server-rendered HTML for the reviewer pages: escaping and the page frame (inline CSS, no scripts from elsewhere). */
import { escapeMarkup as esc } from '../../core/util/escape.ts';

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
body{font-family:system-ui,sans-serif;margin:0;color:#1d2430;background:#f6f7f9}
header{background:#243b55;color:#fff;padding:.6rem 1rem;display:flex;justify-content:space-between}
header a{color:#fff}
main{padding:1rem;max-width:1200px;margin:auto}
table{border-collapse:collapse;width:100%;background:#fff;margin:.5rem 0}
th,td{border-bottom:1px solid #dde1e6;padding:.3rem .5rem;text-align:left;font-size:.92rem}
th{background:#eef1f4}
.field{position:relative;display:inline-block;max-width:100%;margin:.5rem 0}
.field img{display:block;max-width:100%;height:auto}
.box{position:absolute;border:2px solid #ffcc00;box-sizing:border-box}
.box span{position:absolute;top:-1.2em;left:-2px;background:#ffcc00;color:#000;font-size:.75rem;padding:0 .2em}
.box.flag{border-color:#e5484d}.box.flag span{background:#e5484d;color:#fff}
.note{background:#fff8d6;padding:.5rem;border:1px solid #eed27a}
.changed{font-weight:bold;color:#a4262c}
button{font-size:1rem;padding:.5rem 1.2rem}
textarea{width:100%;min-height:4rem}
`;

export function page(title: string, reviewerName: string, body: Html): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title} · leukodiff hub</title><style>${new Html(CSS)}</style></head>
<body><header><a href="/review">leukodiff hub · samples</a><span>${reviewerName}</span></header>
<main>${body}</main></body></html>`.text;
}
