/** The reviewer's two pages: the list of synced samples with their review status, and one sample to reclassify (gallery.ts) and sign. */
import { lastReviewSeq, type CellChange, type Review } from '../repo/reviews.ts';
import type { SampleRecord, SampleRow } from '../repo/samples.ts';
import { html, page, utc, type Html } from './html.ts';
import { classTitle } from '../../contracts/cell-names.ts';
import { changeSummary, cellGallery, keyLegend, REVIEW_SCRIPT_PATH } from './gallery.ts';
import { cellNumbers, effectiveTypes, signedDifferential, tally, type ChangedMeanwhile, type ReportCell, type ReportPayload, type ReviewedDifferential } from './model.ts';
import type { ReviewStatus } from './worklist.ts';
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
  comment: string;
  mine: CellChange[];
  meanwhile: ChangedMeanwhile[];
}

function statusText(s: ReviewStatus | undefined): Html {
  if (!s || s.kind === 'none') return html`<td data-status="none">not reviewed</td>`;
  if (s.kind === 'earlier') return html`<td data-status="earlier">of an earlier revision (${s.baseRevision}, by ${s.by})</td>`;
  if (s.kind === 'conflict') return html`<td data-status="conflict">conflict: waiting for the box</td>`;
  return html`<td data-status="reviewed">reviewed by ${s.by}</td>`;
}

export function listPage(reviewer: string, items: SampleRow[], total: number, pageNo: number, pageSize: number, statuses: Map<string, ReviewStatus>, view: WorklistView): string {
  const rows = items.map(
    (s) => html`<tr>${priorityCell(s.priority, s.urgentReason)}<td><a href="/review/samples/${s.id}">${s.reference}</a></td><td>${s.clinicId}</td><td>${s.revision}</td>
      <td>${utc(s.signedAt)}</td><td>${s.counted}</td>${statusText(statuses.get(s.id))}<td data-waiting>${waitingText(s.updatedAt, view.now)}</td>${openByCell(view.holders.get(s.id))}<td>${s.reviews || '—'}</td><td>${utc(s.updatedAt)}</td></tr>`,
  );
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const nav = html`<p>${total} sample${total === 1 ? '' : 's'} · page ${pageNo} of ${pages}
    ${pageNo > 1 ? html`<a href="${worklistHref(view.filter, pageNo - 1)}">previous</a>` : ''}
    ${pageNo < pages ? html`<a href="${worklistHref(view.filter, pageNo + 1)}">next</a>` : ''}</p>`;
  return page(
    'Samples',
    reviewer,
    html`<h1>Synced samples</h1>${filterBar(view.filter, view.clinics)}${nav}
    <table><thead><tr><th>Priority</th><th>Reference</th><th>Clinic</th><th>Revision</th><th>Signed</th><th>Cells counted</th><th>Status</th><th>Waiting</th><th>Being reviewed</th><th>Reviews</th><th>Received</th></tr></thead>
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

export function samplePage(reviewer: string, sample: SampleRecord, reviews: Review[], box: BoxView, parts: SamplePageParts = {}): string {
  const { notice, draft, others, openBy } = parts;
  const p = sample.payload as ReportPayload;
  const types = effectiveTypes(p, reviews);
  const amendSeq = draft ? draft.amends : (parts.amend?.seq ?? null);
  const amended = amendSeq === null ? undefined : reviews.find((r) => r.seq === amendSeq);
  const undone = new Map<string, string>();
  if (amended && parts.amend?.undo && !draft) for (const ch of amended.changes) if (types.get(ch.cellId) === ch.to) undone.set(ch.cellId, ch.from);
  const fields = p.fields ?? [];
  const numbers = cellNumbers(p);

  const fieldBlocks = fields.map((f) => {
    const boxes = f.cells.map((c) => {
      const [x1, y1, x2, y2] = c.box;
      const style = `left:${(100 * x1) / f.image.width}%;top:${(100 * y1) / f.image.height}%;width:${(100 * (x2 - x1)) / f.image.width}%;height:${(100 * (y2 - y1)) / f.image.height}%`;
      return html`<div class="box${c.flagged ? ' flag' : ''}" style="${style}"><span>${numbers.get(c.id)}</span></div>`;
    });
    return html`<details class="photo"><summary>Field ${f.seq}: the photo with its ${f.cells.length} cells</summary>
      <div class="field"><img src="/review/images/${f.image.sha256}" width="${f.image.width}" height="${f.image.height}" loading="lazy" alt="field ${f.seq}">${boxes}</div></details>`;
  });
  const choice = (c: ReportCell) => draft?.choices.get(c.id) ?? undone.get(c.id) ?? types.get(c.id) ?? c.type;
  const gallery = cellGallery(sample.id, sample.revision, fields, types, numbers, choice);
  const signed = signedDifferential(p);
  const reviewed = tally(types.values());
  const reviewRows = reviews.map(
    (
      r,
    ) => html`<tr data-review-seq="${r.seq}"><td>${utc(r.signedAt)}</td><td>${r.reviewer.name}</td><td>${r.baseRevision}</td><td>${r.changes.length}</td><td>${amendsNote(r, reviews)}${r.comment ?? ''}</td>
      ${reviewBoxCell(r, sample.revision, box)}<td>${r.baseRevision === sample.revision ? html`<a href="/review/samples/${sample.id}?amend=${r.seq}">Amend</a>` : ''}</td></tr>`,
  );
  const signer = p.people?.signedBy;
  return page(
    `Sample ${p.sample.reference}`,
    reviewer,
    html`<h1>Sample ${p.sample.reference}</h1>
    ${notice ? html`<p class="note">${notice}</p>` : ''}
    ${openBy}
    ${draft ? staleNote(draft, numbers, sample.revision) : ''}
    ${patientLine(p)}
    <p>Clinic ${sample.clinicId} · revision ${sample.revision} · signed ${utc(signer?.at)} by ${signer?.name ?? '—'} · received ${utc(sample.receivedAt)}
    · <a href="/review/samples/${sample.id}/print" data-print>Print</a></p>
    <h2>Differential</h2>
    ${attentionNote(reviewed)}
    <div style="display:flex;gap:1rem;align-items:flex-start">${differentialTable('As signed at the box', signed)}${differentialTable('With the reviews so far', reviewed)}</div>
    ${(p.differential?.flags ?? []).length ? html`<ul>${(p.differential?.flags ?? []).map((f) => html`<li>${f}</li>`)}</ul>` : ''}
    ${otherSamplesSection(p, sample.clinicName, others)}
    <h2>Reviews</h2>
    ${reviews.length ? html`<table><thead><tr><th>Signed</th><th>Reviewer</th><th>Of revision</th><th>Cells changed</th><th>Comment</th><th>Box</th><th></th></tr></thead><tbody>${reviewRows}</tbody></table>` : html`<p>None yet.</p>`}
    <form method="post" action="/review/samples/${sample.id}/reviews" data-review>
      <input type="hidden" name="revision" value="${sample.revision}">
      <input type="hidden" name="reviewsSeen" value="${lastReviewSeq(reviews)}">
      ${amended ? amendNote(sample.id, amended) : ''}
      <h2>Cells</h2>
      ${keyLegend()}
      ${gallery}
      <h2>Field photos</h2>
      ${fieldBlocks}
      ${
        amended
          ? html`<p><label>Reason for the amendment (required)<br><textarea name="comment" maxlength="2000" required>${draft?.comment ?? ''}</textarea></label></p>`
          : html`<p><label>Comment<br><textarea name="comment" maxlength="2000">${draft?.comment ?? ''}</textarea></label></p>`
      }
      ${changeSummary(fields, types, numbers, choice)}
      <p id="reauth"><label>Your password, to sign as ${reviewer}<br><input type="password" name="password" autocomplete="current-password" maxlength="200"></label></p>
      <p><button type="submit" id="sign">Sign review</button></p>
    </form>
    <script src="${REVIEW_SCRIPT_PATH}" defer></script>`,
  );
}

/** Leukocyte rows with their percentage, then NRBC and smudge per 100 leukocytes (outside the count). */
/** Only the classes present: a reviewer reads what is there, not a dozen zeros. */
export function differentialTable(caption: string, d: ReviewedDifferential): Html {
  const rows = d.rows.filter((r) => r.count > 0).map((r) => html`<tr><td>${classTitle(r.type)}</td><td>${r.count}</td><td>${r.percent}</td></tr>`);
  const outside = d.nonLeukocytes
    .filter((r) => r.count > 0)
    .map((r) => html`<tr data-outside="${r.type}"><td>${classTitle(r.type)}</td><td>${r.count}</td><td>${r.per100 === null ? '—' : `${r.per100} per 100 leukocytes`}</td></tr>`);
  return html`<table><caption>${caption}</caption><thead><tr><th>Type</th><th>Count</th><th>%</th></tr></thead><tbody>${rows}
    ${outside.length ? html`<tr><th colspan="3">Not counted as leukocytes</th></tr>${outside}` : ''}</tbody></table>`;
}

/** Blasts, immature granulocytes or NRBC after the reviews: the page asks for a haematologist's look. */
export function attentionNote(d: ReviewedDifferential): Html | string {
  if (!d.attention.length) return '';
  return html`<p class="note" data-attention>For a haematologist's attention: ${d.attention.map((a) => `${classTitle(a.type)} ${a.count}`).join(', ')}</p>`;
}

/** Why a review was not signed: what changed meanwhile, cell by cell, and the reviewer's own changes, kept in the form below. */
function staleNote(d: StaleDraft, numbers: Map<string, number>, revision: number): Html {
  const cell = (id: string) => (numbers.has(id) ? `cell ${numbers.get(id)}` : 'a cell no longer in the sample');
  const mineIds = new Set(d.mine.map((c) => c.cellId));
  const meanwhile = d.meanwhile.map(
    (m) =>
      html`<li data-meanwhile="${m.cellId}">${cell(m.cellId)}: ${classTitle(m.was)} → ${m.now === null ? 'removed' : classTitle(m.now)}, by ${m.by ?? `the box (revision ${revision})`}${
        mineIds.has(m.cellId) ? ' (you changed it too: your choice is kept below)' : ''
      }</li>`,
  );
  const mine = d.mine.map((c) => html`<li data-mine="${c.cellId}">${cell(c.cellId)}: ${classTitle(c.from)} → ${classTitle(c.to)}${numbers.has(c.cellId) ? '' : ' (not kept)'}</li>`);
  const stale = d.stale;
  const headline = {
    stale: 'Not signed: the sample changed while you were reviewing.',
    no_password: 'Not signed: type your password to sign.',
    no_reason: 'Not signed: an amendment needs its reason.',
    wrong_password: 'Not signed: the password was wrong.',
    wait: `Not signed: too many wrong passwords. Wait ${d.refusal.kind === 'wait' ? d.refusal.retryAfterS : 0} s, then sign again.`,
  }[d.refusal.kind];
  return html`<div class="note" data-stale="${d.refusal.kind}" role="alert">
    <p><strong>${headline}</strong>${stale && d.refusal.kind !== 'stale' ? html` <strong>The sample also changed while you were reviewing.</strong>` : ''} Your changes and comment are kept in the form below${stale ? ', on the current types: check them and sign again' : ''}.</p>
    ${stale || meanwhile.length ? html`<p>Changed meanwhile:</p>${meanwhile.length ? html`<ul>${meanwhile}</ul>` : html`<p>no cell type (a newer revision or review arrived)</p>`}` : ''}
    <p>Your changes:</p>${mine.length ? html`<ul>${mine}</ul>` : html`<p>none</p>`}
  </div>`;
}

/** "amends the review of ... by ...: " before an amendment's reason. */
function amendsNote(r: Review, reviews: Review[]): Html | string {
  if (r.amends == null) return '';
  const earlier = reviews.find((x) => x.seq === r.amends);
  return html`<em>amends the review of ${earlier ? `${utc(earlier.signedAt)} by ${earlier.reviewer.name}` : `number ${r.amends}`}:</em> `;
}

/** The form amends an earlier review: which, how to set its changes back, and that a reason is needed. */
function amendNote(sampleId: string, r: Review): Html {
  return html`<div class="note" data-amending="${r.seq}"><input type="hidden" name="amends" value="${r.seq}">
    <p><strong>Amending the review signed ${utc(r.signedAt)} by ${r.reviewer.name}</strong> (${r.changes.length} cell${r.changes.length === 1 ? '' : 's'} changed${r.comment ? `: ${r.comment}` : ''}).
    Set the cells as they should be, give the reason and sign: the box receives the amendment as a new review.</p>
    <p><a href="/review/samples/${sampleId}?amend=${r.seq}&amp;undo=1">Set its changes back</a> · <a href="/review/samples/${sampleId}">Cancel</a></p></div>`;
}
