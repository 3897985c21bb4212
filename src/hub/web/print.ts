/**
 * A sample's review on paper (GET /review/samples/:id/print): A4 portrait, a few pages. The
 * sample and the patient, the differential as signed at the box and with the reviews so far, its
 * flags, every review with the cells it changed (a small crop of each), and a line to sign. No
 * gallery of all the cells, and no script: the reviewer prints with the browser's own command.
 */
import { classTitle } from '../../contracts/cell-names.ts';
import type { Review } from '../repo/reviews.ts';
import type { SampleRecord } from '../repo/samples.ts';
import { cropUrl } from './gallery.ts';
import { html, utc, Html } from './html.ts';
import { cellNumbers, effectiveTypes, signedDifferential, tally, type ReportPayload } from './model.ts';
import { attentionNote, differentialTable } from './pages.ts';

const PRINT_CSS = `
@page{size:A4 portrait;margin:14mm 14mm 16mm}
*{box-sizing:border-box}
body{font:10pt/1.35 system-ui,sans-serif;color:#000;margin:0}
@media screen{body{max-width:182mm;margin:1rem auto;padding:0 1rem}}
@media print{.screen-only{display:none}}
h1{font-size:15pt;margin:0 0 3mm}h2{font-size:12pt;margin:5mm 0 2mm;break-after:avoid}h3{font-size:10.5pt;margin:0 0 1.5mm}
table{border-collapse:collapse;width:100%;margin:1mm 0}
th,td{border-bottom:.3mm solid #999;padding:.8mm 2mm;text-align:left;vertical-align:middle}
caption{text-align:left;font-weight:bold;padding-bottom:1mm}
tr,table,section,.signature,.diff,.note{break-inside:avoid}
.identity th{width:42mm;font-weight:normal;color:#333}
.diff{display:flex;gap:6mm;align-items:flex-start}.diff>table{flex:1}
.note{border:.3mm solid #999;padding:1.5mm 2mm}
.review{border-top:.5mm solid #000;padding-top:2mm;margin-top:3mm}
.crop{width:18mm;height:18mm;display:block}.review td:first-child,.review th:first-child{width:22mm}.review td:nth-child(2),.review th:nth-child(2){width:42mm}
.signature{margin-top:10mm;display:flex;gap:8mm}.signature div{flex:1;border-top:.3mm solid #000;padding-top:1mm;margin-top:12mm}
footer{margin-top:6mm;font-size:8.5pt;color:#333}
`;

function reviewBlock(sample: SampleRecord, r: Review, numbers: Map<string, number>, reviews: Review[]): Html {
  const amended = r.amends == null ? undefined : reviews.find((x) => x.seq === r.amends);
  const earlier = r.baseRevision < sample.revision;
  const rows = r.changes.map((ch) => {
    const n = numbers.get(ch.cellId);
    return html`<tr data-change="${ch.cellId}"><td><img class="crop" src="${cropUrl(sample.id, r.baseRevision, ch.cellId)}" width="180" height="180" alt="cell ${n ?? ''}"></td>
      <td>${n === undefined || earlier ? `a cell of revision ${r.baseRevision}` : `cell ${n}`}</td><td>${classTitle(ch.from)} → ${classTitle(ch.to)}</td></tr>`;
  });
  return html`<section class="review" data-review="${r.id}">
    <h3>${r.reviewer.name} · signed ${utc(r.signedAt)} · of revision ${r.baseRevision}${earlier ? ` (the box has signed revision ${sample.revision} since)` : ''}</h3>
    <p>${amended ? `Amends the review of ${utc(amended.signedAt)} by ${amended.reviewer.name}; reason` : 'Comment'}: ${r.comment ?? '—'}</p>
    ${rows.length ? html`<table><thead><tr><th>Cell</th><th>Number</th><th>Type: from → to</th></tr></thead><tbody>${rows}</tbody></table>` : html`<p>No cell changed: reviewed as it is.</p>`}
  </section>`;
}

export function printPage(reviewer: string, sample: SampleRecord, reviews: Review[], printedAt: string): string {
  const p = sample.payload as ReportPayload;
  const s = p.sample;
  const signer = p.people?.signedBy;
  const signed = signedDifferential(p);
  const reviewed = tally(effectiveTypes(p, reviews).values());
  const flags = p.differential?.flags ?? [];
  const numbers = cellNumbers(p);
  const identity: [string, string | Html][] = [
    ['Sample', s.reference],
    ['Patient', s.patientId ? s.patientId : 'no patient id'],
    ['Collected', s.collectedAt ? utc(s.collectedAt) : 'not recorded'],
    ['WBC', s.wbcCount != null ? `${s.wbcCount} ×10⁹/L` : 'not given'],
    ['Clinic', `${sample.clinicName} (${sample.clinicId})`],
    ['Revision', String(sample.revision)],
    ['Signed at the box', `${signer?.name ?? '—'}, ${utc(signer?.at)}`],
    ['Received at the hub', utc(sample.receivedAt)],
  ];
  const body = html`<p class="screen-only note">Laid out for A4 paper: print it with the browser's Print command (Ctrl+P). <a href="/review/samples/${sample.id}">Back to the sample</a></p>
    <h1>Leukocyte differential · sample ${s.reference}</h1>
    <table class="identity" data-identity><tbody>${identity.map(([k, v]) => html`<tr><th>${k}</th><td>${v}</td></tr>`)}</tbody></table>
    <h2>Differential</h2>
    ${attentionNote(reviewed)}
    <div class="diff">${differentialTable('As signed at the box', signed)}${differentialTable('With the reviews so far', reviewed)}</div>
    <h2>Flags</h2>
    ${flags.length ? html`<ul data-flags>${flags.map((f) => html`<li>${f}</li>`)}</ul>` : html`<p>None.</p>`}
    <h2>Reviews at the hub</h2>
    ${reviews.length ? reviews.map((r) => reviewBlock(sample, r, numbers, reviews)) : html`<p>None yet.</p>`}
    <div class="signature" data-signature><div>Reviewed by (name)</div><div>Date</div><div>Signature</div></div>
    <footer>Printed ${utc(printedAt)} by ${reviewer} from the leukodiff hub. Times are UTC.</footer>`;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Sample ${s.reference} · print · leukodiff hub</title><style>${new Html(PRINT_CSS)}</style></head>
<body>${body}</body></html>`.text;
}
