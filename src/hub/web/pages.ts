/** The reviewer's two pages: the list of synced samples with their review status, and one sample to reclassify (gallery.ts) and sign. */
import { lastReviewSeq, type CellChange, type Review } from '../repo/reviews.ts';
import type { SampleRecord, SampleRow } from '../repo/samples.ts';
import { html, page, type Html } from './html.ts';
import { classTitle } from '../../contracts/cell-names.ts';
import { changeSummary, cellGallery, keyLegend, REVIEW_SCRIPT_PATH } from './gallery.ts';
import { effectiveTypes, tally, type ChangedMeanwhile, type ReportCell, type ReportPayload, type ReviewedDifferential } from './model.ts';
import type { ReviewStatus } from './worklist.ts';

/** A review refused because its base moved: the reviewer's choices and comment, and what changed meanwhile. */
export interface StaleDraft {
  choices: Map<string, string>;
  comment: string;
  mine: CellChange[];
  meanwhile: ChangedMeanwhile[];
}

const when = (iso: string | null | undefined) => (iso ? iso.replace('T', ' ').slice(0, 16) : '—');

function statusText(s: ReviewStatus | undefined): Html {
  if (!s || s.kind === 'none') return html`<td data-status="none">not reviewed</td>`;
  if (s.kind === 'earlier') return html`<td data-status="earlier">of an earlier revision (${s.baseRevision}, by ${s.by})</td>`;
  return html`<td data-status="reviewed">reviewed by ${s.by}</td>`;
}

export function listPage(reviewer: string, items: SampleRow[], total: number, pageNo: number, pageSize: number, statuses: Map<string, ReviewStatus> = new Map()): string {
  const rows = items.map(
    (s) => html`<tr><td><a href="/review/samples/${s.id}">${s.reference}</a></td><td>${s.clinicId}</td><td>${s.revision}</td>
      <td>${when(s.signedAt)}</td><td>${s.counted}</td>${statusText(statuses.get(s.id))}<td>${s.reviews || '—'}</td><td>${when(s.updatedAt)}</td></tr>`,
  );
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const nav = html`<p>${total} samples · page ${pageNo} of ${pages}
    ${pageNo > 1 ? html`<a href="/review?page=${pageNo - 1}">previous</a>` : ''}
    ${pageNo < pages ? html`<a href="/review?page=${pageNo + 1}">next</a>` : ''}</p>`;
  return page(
    'Samples',
    reviewer,
    html`<h1>Synced samples</h1>${nav}
    <table><thead><tr><th>Reference</th><th>Clinic</th><th>Revision</th><th>Signed</th><th>Cells counted</th><th>Status</th><th>Reviews</th><th>Received</th></tr></thead>
    <tbody>${rows}</tbody></table>`,
  );
}

export function samplePage(reviewer: string, sample: SampleRecord, reviews: Review[], boxCursor: number, notice: string | null, draft?: StaleDraft): string {
  const p = sample.payload as ReportPayload;
  const types = effectiveTypes(p, reviews);
  const fields = p.fields ?? [];
  let n = 0;
  const numbers = new Map<string, number>();
  for (const f of fields) for (const c of f.cells) numbers.set(c.id, ++n);

  const fieldBlocks = fields.map((f) => {
    const boxes = f.cells.map((c) => {
      const [x1, y1, x2, y2] = c.box;
      const style = `left:${(100 * x1) / f.image.width}%;top:${(100 * y1) / f.image.height}%;width:${(100 * (x2 - x1)) / f.image.width}%;height:${(100 * (y2 - y1)) / f.image.height}%`;
      return html`<div class="box${c.flagged ? ' flag' : ''}" style="${style}"><span>${numbers.get(c.id)}</span></div>`;
    });
    return html`<details class="photo"><summary>Field ${f.seq}: the photo with its ${f.cells.length} cells</summary>
      <div class="field"><img src="/review/images/${f.image.sha256}" width="${f.image.width}" height="${f.image.height}" loading="lazy" alt="field ${f.seq}">${boxes}</div></details>`;
  });
  const choice = (c: ReportCell) => draft?.choices.get(c.id) ?? types.get(c.id) ?? c.type;
  const gallery = cellGallery(sample.id, sample.revision, fields, types, numbers, choice);
  const signed: ReviewedDifferential = { rows: p.differential?.rows ?? [], nonLeukocytes: p.differential?.nonLeukocytes ?? [], attention: p.differential?.attention ?? [] };
  const reviewed = tally(types.values());
  const reviewRows = reviews.map(
    (r) => html`<tr><td>${when(r.signedAt)}</td><td>${r.reviewer.name}</td><td>${r.baseRevision}</td><td>${r.changes.length}</td><td>${r.comment ?? ''}</td>
      <td>${r.baseRevision < sample.revision ? `of an earlier revision: the box signed revision ${sample.revision} since` : boxCursor >= r.seq ? 'reached the box' : 'waiting for the box'}</td></tr>`,
  );
  const signer = p.people?.signedBy;
  return page(
    `Sample ${p.sample.reference}`,
    reviewer,
    html`<h1>Sample ${p.sample.reference}</h1>
    ${notice ? html`<p class="note">${notice}</p>` : ''}
    ${draft ? staleNote(draft, numbers, sample.revision) : ''}
    <p>Clinic ${sample.clinicId} · revision ${sample.revision} · signed ${when(signer?.at)} by ${signer?.name ?? '—'} · received ${when(sample.receivedAt)}
    ${p.sample.wbcCount != null ? html` · WBC ${p.sample.wbcCount} ×10⁹/L` : ''}</p>
    <h2>Differential</h2>
    ${attentionNote(reviewed)}
    <div style="display:flex;gap:1rem;align-items:flex-start">${differentialTable('As signed at the box', signed)}${differentialTable('With the reviews so far', reviewed)}</div>
    ${(p.differential?.flags ?? []).length ? html`<ul>${(p.differential?.flags ?? []).map((f) => html`<li>${f}</li>`)}</ul>` : ''}
    <h2>Reviews</h2>
    ${reviews.length ? html`<table><thead><tr><th>Signed</th><th>Reviewer</th><th>Of revision</th><th>Cells changed</th><th>Comment</th><th>Box</th></tr></thead><tbody>${reviewRows}</tbody></table>` : html`<p>None yet.</p>`}
    <form method="post" action="/review/samples/${sample.id}/reviews" data-review>
      <input type="hidden" name="revision" value="${sample.revision}">
      <input type="hidden" name="reviewsSeen" value="${lastReviewSeq(reviews)}">
      <h2>Cells</h2>
      ${keyLegend()}
      ${gallery}
      <h2>Field photos</h2>
      ${fieldBlocks}
      <p><label>Comment<br><textarea name="comment" maxlength="2000">${draft?.comment ?? ''}</textarea></label></p>
      ${changeSummary(fields, types, numbers, choice)}
      <p><button type="submit" id="sign">Sign review</button></p>
    </form>
    <script src="${REVIEW_SCRIPT_PATH}" defer></script>`,
  );
}

/** Leukocyte rows with their percentage, then NRBC and smudge per 100 leukocytes (outside the count). */
function differentialTable(caption: string, d: ReviewedDifferential): Html {
  const rows = d.rows.map((r) => html`<tr><td>${classTitle(r.type)}</td><td>${r.count}</td><td>${r.percent}</td></tr>`);
  const outside = d.nonLeukocytes.map(
    (r) => html`<tr data-outside="${r.type}"><td>${classTitle(r.type)}</td><td>${r.count}</td><td>${r.per100 === null ? '—' : `${r.per100} per 100 leukocytes`}</td></tr>`,
  );
  return html`<table><caption>${caption}</caption><thead><tr><th>Type</th><th>Count</th><th>%</th></tr></thead><tbody>${rows}
    ${outside.length ? html`<tr><th colspan="3">Not counted as leukocytes</th></tr>${outside}` : ''}</tbody></table>`;
}

/** Blasts, immature granulocytes or NRBC after the reviews: the page asks for a haematologist's look. */
function attentionNote(d: ReviewedDifferential): Html | string {
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
  return html`<div class="note" data-stale>
    <p><strong>Not signed: the sample changed while you were reviewing.</strong> Your changes and comment are kept in the form below, on the current types: check them and sign again.</p>
    <p>Changed meanwhile:</p>${meanwhile.length ? html`<ul>${meanwhile}</ul>` : html`<p>no cell type (a newer revision or review arrived)</p>`}
    <p>Your changes:</p>${mine.length ? html`<ul>${mine}</ul>` : html`<p>none</p>`}
  </div>`;
}
