/**
 * The sample page's cells as a gallery: a crop of each cell (GET /review/cells/...) in a tile with its
 * number, the ensemble's type and confidence, its flag and the type choice (the form field
 * `cell.<id>` that signing posts), the tiles grouped by the cells' type after the reviews so far. The
 * page works without script; review-keys.js adds the keys in the legend and the summary's
 * confirmation before signing.
 */
import { MAX_ADDED_CELLS_PER_REVIEW } from '../../contracts/hub-protocol.ts';
import { html, type Html } from './html.ts';
import { messageForms, type Locale } from './i18n/locale.ts';
import { CLASS_KEYS, REMOVE_KEY } from './keys.ts';
import { REMOVE_CHOICE, REVIEW_TYPES, type NewCell, type ReportCell, type ReportField } from './model.ts';

/** A type choice's title: a class, or the option that removes a duplicate from the count. */
const choiceTitle = (loc: Locale, t: string) => (t === REMOVE_CHOICE ? loc.t('cellEdit.removeChoice') : loc.classTitle(t));

/** Where the page's script is served from (the hub itself: the pages' CSP allows no other). */
export const REVIEW_SCRIPT_PATH = '/review/assets/review-keys.js';

export function typeSelect(loc: Locale, cellId: string, current: string): Html {
  // A class of a newer box that this hub does not know: shown, not offered (a disabled field is not posted, so it cannot turn into the first option).
  if (!REVIEW_TYPES.includes(current) && current !== REMOVE_CHOICE)
    return html`<select name="cell.${cellId}" disabled title="${loc.t('gallery.unknownClass')}"><option selected>${loc.classTitle(current)}</option></select>`;
  return html`<select name="cell.${cellId}">${[...REVIEW_TYPES, REMOVE_CHOICE].map((t) => html`<option value="${t}"${t === current ? html` selected` : ''}>${choiceTitle(loc, t)}</option>`)}</select>`;
}

/** The crop's address: with the revision, so that a cached crop never shows another revision's box. */
export const cropUrl = (sampleId: string, revision: number, cellId: string) => `/review/cells/${sampleId}/${cellId}?revision=${revision}`;

/**
 * Tiles grouped by the cell's type after the reviews so far (`types`), groups in the vocabulary's
 * order, cells by number within a group; `choice` is what the form offers (a kept draft's choice,
 * else that type). A tile whose choice differs from that type is marked changed.
 */
export function cellGallery(loc: Locale, sampleId: string, revision: number, fields: ReportField[], types: Map<string, string>, numbers: Map<string, number>, choice: (c: ReportCell) => string): Html {
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
        const by = 'by' in c && typeof c.by === 'string' ? c.by : null;
        const auto =
          by !== null
            ? loc.t('cellEdit.addedAtHub', { name: by })
            : c.autoType === null
              ? loc.t('gallery.addedByPerson')
              : `${loc.classTitle(c.autoType)}${c.confidence === null ? '' : ` ${loc.num(c.confidence, 2)}`}`;
        return html`<div class="tile${c.flagged ? ' flagged' : ''}${now !== t ? ' changed' : ''}" data-cell="${c.id}" data-n="${n}" data-from="${t}">
<img src="${cropUrl(sampleId, revision, c.id)}" width="180" height="180" loading="lazy" alt="${loc.t('gallery.cellAlt', { n: n ?? '' })}">
<span class="num">${n}</span>${c.flagged ? html`<span class="flag" title="${loc.t('gallery.flagTitle')}">${loc.t('gallery.flag')}</span>` : ''}
<span class="auto" title="${loc.t('gallery.autoTitle')}">${auto}</span>
<label><span class="vh">${loc.t('gallery.typeOf', { n: n ?? '' })}</span>${typeSelect(loc, c.id, now)}</label></div>`;
      });
      return html`<section class="group" data-group="${t}"><h3>${loc.classTitle(t)} <small>(${cells.length})</small></h3><div class="tiles">${tiles}</div></section>`;
    });
  return html`<div class="gallery">${sections}</div>`;
}

/** The keys the page's script handles (hidden without script, where they do nothing). */
export function keyLegend(loc: Locale): Html {
  const { t } = loc;
  const classes = CLASS_KEYS.map((k) => html`<span data-key="${k.key}" data-type="${k.type}"><kbd>${k.key.toUpperCase()}</kbd> ${loc.classTitle(k.type)}</span>`);
  const enter = html`<kbd>${t('kbd.enter')}</kbd>`;
  return html`<div class="keys" id="keys" hidden>
<p><kbd>←</kbd><kbd>↑</kbd><kbd>→</kbd><kbd>↓</kbd> ${t('keys.or')} <kbd>Tab</kbd>: ${t('keys.next')} · ${t('keys.setType')} · <kbd>${t('kbd.backspace')}</kbd>: ${t('keys.back')} · <kbd>${t('kbd.ctrl')}</kbd>+${enter}: ${t('keys.signBefore')} ${enter} ${t('keys.signAfter')}</p>
<p class="classes">${classes}</p>
<p><span data-key="${REMOVE_KEY}" data-type="${REMOVE_CHOICE}"><kbd>${REMOVE_KEY.toUpperCase()}</kbd> ${t('cellEdit.removeChoice')} (${t('cellEdit.removeKey')})</span> · ${t('cellEdit.addHint')}</p></div>`;
}

/**
 * The changes the form will post: the page's own (a kept draft's), which the script keeps up to date
 * as types are chosen; without script it says so, and changed tiles are outlined.
 */
export function changeSummary(loc: Locale, fields: ReportField[], types: Map<string, string>, numbers: Map<string, number>, choice: (c: ReportCell) => string, added: NewCell[] = []): Html {
  const items: Html[] = [];
  for (const f of fields)
    for (const c of f.cells) {
      const from = types.get(c.id) ?? c.type;
      const to = choice(c);
      if (to !== from) items.push(html`<li data-change="${c.id}">${loc.t('changes.item', { n: numbers.get(c.id) ?? '', from: loc.classTitle(from), to: choiceTitle(loc, to) })}</li>`);
    }
  for (const a of added)
    items.push(
      html`<li data-change="added">${loc.t('changes.addedItem', { cell: loc.t('cellEdit.newCell', { seq: fields.find((f) => f.id === a.fieldId)?.seq ?? '?' }), type: loc.classTitle(a.type) })}</li>`,
    );
  // The script's words, in the page's language: a change's line and the Sign button's confirmation ({n}, {from}, {to} filled there).
  const confirm = messageForms(loc, 'changes.confirm');
  return html`<section id="changes" aria-live="polite" data-change-item="${loc.t('changes.item')}" data-added-item="${loc.t('changes.addedItem')}" data-confirm-one="${confirm.one}" data-confirm-other="${confirm.other}" data-confirm-none="${loc.t('changes.confirmNone')}"><h2>${loc.t('changes.title')}</h2>
<ul>${items}</ul><p class="none"${items.length ? html` hidden` : ''}>${loc.t('changes.none')}</p>
<noscript><p>${loc.t('changes.noscript')}</p></noscript></section>`;
}

/** An added cell's entry in the list of missed cells: the form fields it posts, its type to choose, and a button to take it back (the script's). */
function addedEntry(loc: Locale, k: number | null, fieldId: string, seq: number | string, box: string, type: string): Html {
  const options = REVIEW_TYPES.map((t) => html`<option value="${t}"${t === type ? html` selected` : ''}>${loc.classTitle(t)}</option>`);
  // The placeholder {seq} of "New cell on field {seq}" becomes the element the script fills.
  const [before, after = ''] = loc.t('cellEdit.newCell').split('{seq}');
  // The template's entry has no names (nothing of it is posted): the script names the fields of each one it adds.
  const name = (part: string) => (k === null ? html` data-part="${part}"` : html` name="add.${k}.${part}" data-part="${part}"`);
  return html`<li class="added-cell" data-added="${k ?? ''}" data-field="${fieldId}" data-box="${box}">
<input type="hidden"${name('field')} value="${fieldId}"><input type="hidden"${name('box')} value="${box}">
<label><span class="what">${before}<span data-seq>${seq}</span>${after}</span> <select${name('type')} required><option value=""${type ? '' : html` selected`}>${loc.t('cellEdit.chooseType')}</option>${options}</select></label>
<button type="button" data-drop>${loc.t('cellEdit.takeBack')}</button></li>`;
}

/**
 * The missed cells this review adds: those kept from an attempt that was not signed, and those the
 * script adds when a field photo is tapped (from the template, so that its words are the page's).
 */
export function addedCellsList(loc: Locale, fields: ReportField[], added: NewCell[]): Html {
  const seqOf = (id: string) => fields.find((f) => f.id === id)?.seq ?? '?';
  const items = added.map((a, k) => addedEntry(loc, k, a.fieldId, seqOf(a.fieldId), a.box.join(','), a.type));
  return html`<section id="added-cells" data-max="${MAX_ADDED_CELLS_PER_REVIEW}"><h3>${loc.t('cellEdit.listHeading')}</h3>
<p class="hint">${loc.t('cellEdit.listHint', { n: MAX_ADDED_CELLS_PER_REVIEW })}</p>
<noscript><p>${loc.t('cellEdit.needsScript')}</p></noscript>
<ul>${items}</ul>
<template id="added-cell-template">${addedEntry(loc, null, '', '', '', '')}</template></section>`;
}
