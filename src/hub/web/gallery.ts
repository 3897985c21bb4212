/**
 * The sample page's cells as a gallery: a crop of each cell (GET /review/cells/...) in a tile with its
 * number, the ensemble's type and confidence, its flag and the type choice (the form field
 * `cell.<id>` that signing posts), the tiles grouped by the cells' type after the reviews so far. The
 * page works without script; review-keys.js adds the keys in the legend and the summary's
 * confirmation before signing.
 */
import { classTitle } from '../../contracts/cell-names.ts';
import { html, type Html } from './html.ts';
import { CLASS_KEYS } from './keys.ts';
import { REVIEW_TYPES, type ReportCell, type ReportField } from './model.ts';

/** Where the page's script is served from (the hub itself: the pages' CSP allows no other). */
export const REVIEW_SCRIPT_PATH = '/review/assets/review-keys.js';

export function typeSelect(cellId: string, current: string): Html {
  // A class of a newer box that this hub does not know: shown, not offered (a disabled field is not posted, so it cannot turn into the first option).
  if (!REVIEW_TYPES.includes(current)) return html`<select name="cell.${cellId}" disabled title="class not known to this hub"><option selected>${classTitle(current)}</option></select>`;
  return html`<select name="cell.${cellId}">${REVIEW_TYPES.map((t) => html`<option value="${t}"${t === current ? html` selected` : ''}>${classTitle(t)}</option>`)}</select>`;
}

/** The crop's address: with the revision, so that a cached crop never shows another revision's box. */
export const cropUrl = (sampleId: string, revision: number, cellId: string) => `/review/cells/${sampleId}/${cellId}?revision=${revision}`;

/**
 * Tiles grouped by the cell's type after the reviews so far (`types`), groups in the vocabulary's
 * order, cells by number within a group; `choice` is what the form offers (a kept draft's choice,
 * else that type). A tile whose choice differs from that type is marked changed.
 */
export function cellGallery(sampleId: string, revision: number, fields: ReportField[], types: Map<string, string>, numbers: Map<string, number>, choice: (c: ReportCell) => string): Html {
  const groups = new Map<string, ReportCell[]>();
  for (const f of fields)
    for (const c of f.cells) {
      const t = types.get(c.id) ?? c.type;
      groups.set(t, [...(groups.get(t) ?? []), c]);
    }
  const order = [...REVIEW_TYPES, ...[...groups.keys()].filter((t) => !REVIEW_TYPES.includes(t))];
  const sections = order
    .filter((t) => groups.has(t))
    .map((t) => {
      const cells = groups.get(t)!;
      const tiles = cells.map((c) => {
        const n = numbers.get(c.id);
        const now = choice(c);
        const auto = c.autoType === null ? 'added by a person' : `${classTitle(c.autoType)}${c.confidence === null ? '' : ` ${c.confidence.toFixed(2)}`}`;
        return html`<div class="tile${c.flagged ? ' flagged' : ''}${now !== t ? ' changed' : ''}" data-cell="${c.id}" data-n="${n}" data-from="${t}">
<img src="${cropUrl(sampleId, revision, c.id)}" width="180" height="180" loading="lazy" alt="cell ${n}">
<span class="num">${n}</span>${c.flagged ? html`<span class="flag" title="flagged by the ensemble">flag</span>` : ''}
<span class="auto" title="the ensemble's type and confidence">${auto}</span>
<label><span class="vh">Type of cell ${n}</span>${typeSelect(c.id, now)}</label></div>`;
      });
      return html`<section class="group" data-group="${t}"><h3>${classTitle(t)} <small>(${cells.length})</small></h3><div class="tiles">${tiles}</div></section>`;
    });
  return html`<div class="gallery">${sections}</div>`;
}

/** The keys the page's script handles (hidden without script, where they do nothing). */
export function keyLegend(): Html {
  const classes = CLASS_KEYS.map((k) => html`<span data-key="${k.key}" data-type="${k.type}"><kbd>${k.key.toUpperCase()}</kbd> ${classTitle(k.type)}</span>`);
  return html`<div class="keys" id="keys" hidden>
<p><kbd>←</kbd><kbd>↑</kbd><kbd>→</kbd><kbd>↓</kbd> or <kbd>Tab</kbd>: next cell · a key below: set the cell's type · <kbd>Backspace</kbd>: back to its type before this review · <kbd>Ctrl</kbd>+<kbd>Enter</kbd>: the changes, then your password and <kbd>Enter</kbd> to sign</p>
<p class="classes">${classes}</p></div>`;
}

/**
 * The changes the form will post: the page's own (a kept draft's), which the script keeps up to date
 * as types are chosen; without script it says so, and changed tiles are outlined.
 */
export function changeSummary(fields: ReportField[], types: Map<string, string>, numbers: Map<string, number>, choice: (c: ReportCell) => string): Html {
  const items: Html[] = [];
  for (const f of fields)
    for (const c of f.cells) {
      const from = types.get(c.id) ?? c.type;
      const to = choice(c);
      if (to !== from) items.push(html`<li data-change="${c.id}">cell ${numbers.get(c.id)}: ${classTitle(from)} → ${classTitle(to)}</li>`);
    }
  return html`<section id="changes" aria-live="polite"><h2>Changes you will sign</h2>
<ul>${items}</ul><p class="none"${items.length ? html` hidden` : ''}>No change: signing records that you reviewed the sample as it is.</p>
<noscript><p>Without JavaScript this list shows only changes kept from an earlier attempt; the cells you changed are outlined in red above.</p></noscript></section>`;
}
