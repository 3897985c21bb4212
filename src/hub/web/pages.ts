/** The reviewer's two pages: the list of synced samples with their review status, and one sample to reclassify (gallery.ts) and sign. */
import { lastReviewSeq, type CellChange, type Review } from '../repo/reviews.ts';
import type { SampleRecord, SampleRow } from '../repo/samples.ts';
import { html, page, utc, type Html } from './html.ts';
import type { Locale } from './i18n/locale.ts';
import { addedCellsList, changeSummary, cellGallery, keyLegend, REVIEW_SCRIPT_PATH } from './gallery.ts';
import {
  cellNumbers,
  REMOVE_CHOICE,
  reviewedCells,
  reviewedFields,
  signedDifferential,
  tally,
  typicalCellSide,
  type ChangedMeanwhile,
  type NewCell,
  type ReportCell,
  type ReportPayload,
  type ReviewedDifferential,
} from './model.ts';
import type { ReviewStatus } from './worklist.ts';
import type { ReportField } from './model.ts';
import { filterBar, openByCell, priorityCell, waitingText, worklistHref, type WorklistView } from './worklist-view.ts';
import { reviewBoxCell, type BoxView } from './box-outcomes.ts';
import { otherSamplesSection, patientLine, type OtherSample } from './patient.ts';

/** Why a review was not signed: its base moved, or the password to sign was missing, wrong or tried too often. */
export type Refusal = { kind: 'stale' } | { kind: 'no_password' } | { kind: 'wrong_password' } | { kind: 'wait'; retryAfterS: number } | { kind: 'no_reason' };

/** A review not signed: why, the reviewer's choices and comment, and what changed meanwhile. */
export interface StaleDraft {
  refusal: Refusal;
  /** The sample moved on since the reviewer's page (also when refused for another reason): the choices now stand on the current types. */
  stale: boolean;
  /** The review it amends (its seq), kept for the next attempt. */
  amends: number | null;
  choices: Map<string, string>;
  /** The missed cells the reviewer added, kept for the next attempt. */
  added: NewCell[];
  comment: string;
  mine: CellChange[];
  meanwhile: ChangedMeanwhile[];
}

function statusText(loc: Locale, s: ReviewStatus | undefined): Html {
  if (!s || s.kind === 'none') return html`<td data-status="none">${loc.t('status.none')}</td>`;
  if (s.kind === 'earlier') return html`<td data-status="earlier">${loc.t('status.earlier', { revision: s.baseRevision, by: s.by })}</td>`;
  if (s.kind === 'conflict') return html`<td data-status="conflict">${loc.t('status.conflict')}</td>`;
  return html`<td data-status="reviewed">${loc.t('status.reviewed', { by: s.by })}</td>`;
}

const LIST_COLUMNS = ['priority', 'reference', 'clinic', 'revision', 'signed', 'counted', 'status', 'waiting', 'openBy', 'reviews', 'received'] as const;

export function listPage(loc: Locale, reviewer: string, items: SampleRow[], total: number, pageNo: number, pageSize: number, statuses: Map<string, ReviewStatus>, view: WorklistView): string {
  const { t } = loc;
  const rows = items.map(
    (s) => html`<tr>${priorityCell(loc, s.priority, s.urgentReason)}<td><a href="/review/samples/${s.id}">${s.reference}</a></td><td>${s.clinicId}</td><td>${s.revision}</td>
      <td>${utc(s.signedAt)}</td><td>${s.counted}</td>${statusText(loc, statuses.get(s.id))}<td data-waiting>${waitingText(s.updatedAt, view.now, loc)}</td>${openByCell(loc, view.holders.get(s.id))}<td>${s.reviews || '—'}</td><td>${utc(s.updatedAt)}</td></tr>`,
  );
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const nav = html`<p>${t('list.count', { n: total })} · ${t('list.pageOf', { page: pageNo, pages })}
    ${pageNo > 1 ? html`<a href="${worklistHref(view.filter, pageNo - 1)}">${t('list.previous')}</a>` : ''}
    ${pageNo < pages ? html`<a href="${worklistHref(view.filter, pageNo + 1)}">${t('list.next')}</a>` : ''}</p>`;
  return page(
    loc,
    t('list.title'),
    reviewer,
    html`<h1>${t('list.heading')}</h1>${filterBar(loc, view.filter, view.clinics)}${nav}
    <table><thead><tr>${LIST_COLUMNS.map((c) => html`<th>${t(`list.col.${c}`)}</th>`)}</tr></thead>
    <tbody>${rows}</tbody></table>`,
  );
}

/** What a sample page may show beside the sample itself. */
export interface SamplePageParts {
  notice?: string | null;
  /** A review not signed, with the reviewer's choices kept. */
  draft?: StaleDraft;
  /** The patient's other samples at this clinic (patient.ts); absent: not looked up, not shown. */
  others?: OtherSample[];
  /** Who else has the sample open. */
  openBy?: Html;
  /** Amending an earlier review (its seq); undo: its changes are offered set back. */
  amend?: { seq: number; undo: boolean };
}

export function samplePage(loc: Locale, reviewer: string, sample: SampleRecord, reviews: Review[], box: BoxView, parts: SamplePageParts = {}): string {
  const { t } = loc;
  const { notice, draft, others, openBy } = parts;
  const p = sample.payload as ReportPayload;
  const { types, added } = reviewedCells(p, reviews);
  const amendSeq = draft ? draft.amends : (parts.amend?.seq ?? null);
  const amended = amendSeq === null ? undefined : reviews.find((r) => r.seq === amendSeq);
  const undone = new Map<string, string>();
  // Setting an amended review's changes back: a retyped cell to its type before, an added cell removed again (a removed duplicate cannot come back: add it anew).
  if (amended && parts.amend?.undo && !draft)
    for (const ch of amended.changes) {
      if (ch.op === 'add' && types.has(ch.cellId)) undone.set(ch.cellId, REMOVE_CHOICE);
      else if (ch.op === undefined && types.get(ch.cellId) === ch.to) undone.set(ch.cellId, ch.from);
    }
  const fields = reviewedFields(p.fields ?? [], types, added);
  const numbers = cellNumbers(p, added);
  const pending = draft?.added ?? [];

  const boxStyle = (f: ReportField, [x1, y1, x2, y2]: readonly number[]) =>
    `left:${(100 * x1) / f.image.width}%;top:${(100 * y1) / f.image.height}%;width:${(100 * (x2 - x1)) / f.image.width}%;height:${(100 * (y2 - y1)) / f.image.height}%`;
  const fieldBlocks = fields.map((f) => {
    const boxes = f.cells.map(
      (c) => html`<div class="box${c.flagged ? ' flag' : ''}${c.autoType === null && 'by' in c ? ' added' : ''}" style="${boxStyle(f, c.box)}"><span>${numbers.get(c.id)}</span></div>`,
    );
    const mine = pending.flatMap((a, k) => (a.fieldId === f.id ? [html`<div class="box added pending" data-added-box="${k}" style="${boxStyle(f, a.box)}"><span>+</span></div>`] : []));
    return html`<details class="photo"><summary>${t('sample.field', { seq: f.seq, n: f.cells.length })}</summary>
      <div class="field" data-field="${f.id}" data-seq="${f.seq}" data-width="${f.image.width}" data-height="${f.image.height}" data-cell-side="${typicalCellSide(
        (p.fields ?? []).find((o) => o.id === f.id) ?? f,
        p.fields ?? [],
      )}"><img src="/review/images/${f.image.sha256}" width="${f.image.width}" height="${f.image.height}" loading="lazy" alt="${t('sample.fieldAlt', { seq: f.seq })}">${boxes}${mine}</div></details>`;
  });
  const choice = (c: ReportCell) => draft?.choices.get(c.id) ?? undone.get(c.id) ?? types.get(c.id) ?? c.type;
  const gallery = cellGallery(loc, sample.id, sample.revision, fields, types, numbers, choice);
  const signed = signedDifferential(p);
  const reviewed = tally(types.values());
  const reviewRows = reviews.map(
    (
      r,
    ) => html`<tr data-review-seq="${r.seq}"><td>${utc(r.signedAt)}</td><td>${r.reviewer.name}</td><td>${r.baseRevision}</td><td>${r.changes.length}</td><td>${amendsNote(loc, r, reviews)}${r.comment ?? ''}</td>
      ${reviewBoxCell(loc, r, sample.revision, box)}<td>${r.baseRevision === sample.revision ? html`<a href="/review/samples/${sample.id}?amend=${r.seq}">${t('sample.amend')}</a>` : ''}</td></tr>`,
  );
  const signer = p.people?.signedBy;
  // Amending, the switch comes back to the amendment; a kept draft (a page answering a post) has none (html.ts).
  const pageLoc = { ...loc, here: draft || loc.here == null ? null : amended ? `/review/samples/${sample.id}?amend=${amended.seq}` : `/review/samples/${sample.id}` };
  const reviewColumns = (['signed', 'reviewer', 'ofRevision', 'changed', 'comment', 'box'] as const).map((c) => html`<th>${t(`sample.col.${c}`)}</th>`);
  return page(
    pageLoc,
    t('sample.title', { reference: p.sample.reference }),
    reviewer,
    html`<h1>${t('sample.title', { reference: p.sample.reference })}</h1>
    ${notice ? html`<p class="note">${notice}</p>` : ''}
    ${openBy}
    ${draft ? staleNote(loc, draft, numbers, sample.revision) : ''}
    ${patientLine(loc, p)}
    <p>${t('sample.meta', { clinic: sample.clinicId, revision: sample.revision, signedAt: utc(signer?.at), signer: signer?.name ?? '—', receivedAt: utc(sample.receivedAt) })}
    · <a href="/review/samples/${sample.id}/print" data-print>${t('sample.print')}</a></p>
    <h2>${t('sample.differential')}</h2>
    ${attentionNote(loc, reviewed)}
    <div style="display:flex;gap:1rem;align-items:flex-start">${differentialTable(loc, t('diff.asSigned'), signed)}${differentialTable(loc, t('diff.withReviews'), reviewed)}</div>
    ${(p.differential?.flags ?? []).length ? html`<ul>${(p.differential?.flags ?? []).map((f) => html`<li>${f}</li>`)}</ul>` : ''}
    ${otherSamplesSection(loc, p, sample.clinicName, others)}
    <h2>${t('sample.reviews')}</h2>
    ${reviews.length ? html`<table><thead><tr>${reviewColumns}<th></th></tr></thead><tbody>${reviewRows}</tbody></table>` : html`<p>${t('sample.noneYet')}</p>`}
    <form method="post" action="/review/samples/${sample.id}/reviews" data-review>
      <input type="hidden" name="revision" value="${sample.revision}">
      <input type="hidden" name="reviewsSeen" value="${lastReviewSeq(reviews)}">
      ${amended ? amendNote(loc, sample.id, amended) : ''}
      <h2>${t('sample.cells')}</h2>
      ${keyLegend(loc)}
      ${gallery}
      <h2>${t('sample.photos')}</h2>
      ${addedCellsList(loc, fields, pending)}
      ${fieldBlocks}
      ${
        amended
          ? html`<p><label>${t('sample.reason')}<br><textarea name="comment" maxlength="2000" required>${draft?.comment ?? ''}</textarea></label></p>`
          : html`<p><label>${t('sample.comment')}<br><textarea name="comment" maxlength="2000">${draft?.comment ?? ''}</textarea></label></p>`
      }
      ${changeSummary(loc, fields, types, numbers, choice, pending)}
      <p id="reauth"><label>${t('sample.password', { name: reviewer })}<br><input type="password" name="password" autocomplete="current-password" maxlength="200"></label></p>
      <p><button type="submit" id="sign">${t('sample.sign')}</button></p>
    </form>
    <script src="${REVIEW_SCRIPT_PATH}" defer></script>`,
  );
}

/** Leukocyte rows with their percentage, then NRBC and smudge per 100 leukocytes (outside the count). */
/** Only the classes present: a reviewer reads what is there, not a dozen zeros. */
export function differentialTable(loc: Locale, caption: string, d: ReviewedDifferential): Html {
  const { t } = loc;
  const rows = d.rows.filter((r) => r.count > 0).map((r) => html`<tr><td>${loc.classTitle(r.type)}</td><td>${r.count}</td><td>${loc.num(r.percent)}</td></tr>`);
  const outside = d.nonLeukocytes
    .filter((r) => r.count > 0)
    .map((r) => html`<tr data-outside="${r.type}"><td>${loc.classTitle(r.type)}</td><td>${r.count}</td><td>${r.per100 === null ? '—' : t('diff.per100', { n: r.per100 })}</td></tr>`);
  return html`<table><caption>${caption}</caption><thead><tr><th>${t('diff.type')}</th><th>${t('diff.count')}</th><th>${t('diff.percent')}</th></tr></thead><tbody>${rows}
    ${outside.length ? html`<tr><th colspan="3">${t('diff.notCounted')}</th></tr>${outside}` : ''}</tbody></table>`;
}

/** Blasts, immature granulocytes or NRBC after the reviews: the page asks for a haematologist's look. */
export function attentionNote(loc: Locale, d: ReviewedDifferential): Html | string {
  if (!d.attention.length) return '';
  return html`<p class="note" data-attention>${loc.t('diff.attention', { list: d.attention.map((a) => `${loc.classTitle(a.type)} ${a.count}`).join(', ') })}</p>`;
}

/** Why a review was not signed: what changed meanwhile, cell by cell, and the reviewer's own changes, kept in the form below. */
function staleNote(loc: Locale, d: StaleDraft, numbers: Map<string, number>, revision: number): Html {
  const { t, classTitle } = loc;
  const cell = (id: string) => (numbers.has(id) ? t('stale.cell', { n: numbers.get(id) ?? '' }) : t('stale.goneCell'));
  const mineIds = new Set(d.mine.map((c) => c.cellId));
  const meanwhile = d.meanwhile.map(
    (m) =>
      html`<li data-meanwhile="${m.cellId}">${t('stale.meanwhileItem', {
        cell: cell(m.cellId),
        from: classTitle(m.was),
        to: m.now === null ? t('stale.removed') : classTitle(m.now),
        by: m.by ?? t('stale.byBox', { revision }),
      })}${mineIds.has(m.cellId) ? t('stale.youToo') : ''}</li>`,
  );
  const mine = d.mine.map((c) =>
    c.op === 'add'
      ? html`<li data-mine="added">${t('cellEdit.mineAdded', { type: classTitle(c.to) })}${d.added.some((a) => a.fieldId === c.fieldId && a.box.join() === c.box.join()) ? '' : t('cellEdit.fieldGone')}</li>`
      : html`<li data-mine="${c.cellId}">${t('stale.mineItem', { cell: cell(c.cellId), from: classTitle(c.from), to: c.op === 'delete' ? t('cellEdit.removed') : classTitle(c.to) })}${numbers.has(c.cellId) ? '' : t('stale.notKept')}</li>`,
  );
  const stale = d.stale;
  const headline = t(`refusal.${d.refusal.kind}`, { s: d.refusal.kind === 'wait' ? d.refusal.retryAfterS : 0 });
  return html`<div class="note" data-stale="${d.refusal.kind}" role="alert">
    <p><strong>${headline}</strong>${stale && d.refusal.kind !== 'stale' ? html` <strong>${t('stale.alsoChanged')}</strong>` : ''} ${t(stale ? 'stale.keptOnCurrent' : 'stale.kept')}</p>
    ${stale || meanwhile.length ? html`<p>${t('stale.meanwhile')}</p>${meanwhile.length ? html`<ul>${meanwhile}</ul>` : html`<p>${t('stale.noCellType')}</p>`}` : ''}
    <p>${t('stale.mine')}</p>${mine.length ? html`<ul>${mine}</ul>` : html`<p>${t('stale.none')}</p>`}
  </div>`;
}

/** "amends the review of ... by ...: " before an amendment's reason. */
function amendsNote(loc: Locale, r: Review, reviews: Review[]): Html | string {
  if (r.amends == null) return '';
  const earlier = reviews.find((x) => x.seq === r.amends);
  return html`<em>${earlier ? loc.t('amends.of', { at: utc(earlier.signedAt), name: earlier.reviewer.name }) : loc.t('amends.ofNumber', { n: r.amends })}</em> `;
}

/** The form amends an earlier review: which, how to set its changes back, and that a reason is needed. */
function amendNote(loc: Locale, sampleId: string, r: Review): Html {
  const { t } = loc;
  return html`<div class="note" data-amending="${r.seq}"><input type="hidden" name="amends" value="${r.seq}">
    <p><strong>${t('amending.title', { at: utc(r.signedAt), name: r.reviewer.name })}</strong> (${r.comment ? t('amending.changedWithReason', { n: r.changes.length, reason: r.comment }) : t('amending.changed', { n: r.changes.length })}).
    ${t('amending.help')}</p>
    <p><a href="/review/samples/${sampleId}?amend=${r.seq}&amp;undo=1">${t('amending.undo')}</a> · <a href="/review/samples/${sampleId}">${t('amending.cancel')}</a></p></div>`;
}
