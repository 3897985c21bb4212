/**
 * A sample's review on paper (GET /review/samples/:id/print): A4 portrait, a few pages. The
 * sample and the patient, the differential as signed at the box and with the reviews so far, its
 * flags, every review with the cells it changed (a small crop of each), and a line to sign. No
 * gallery of all the cells, and no script: the reviewer prints with the browser's own command.
 */
import type { Review } from '../repo/reviews.ts';
import type { SampleRecord } from '../repo/samples.ts';
import { cropUrl } from './gallery.ts';
import { html, languageSwitch, utc, Html } from './html.ts';
import type { Locale } from './i18n/locale.ts';
import { cellNumbers, reviewedCells, signedDifferential, tally, type ReportPayload } from './model.ts';
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

function reviewBlock(loc: Locale, sample: SampleRecord, r: Review, numbers: Map<string, number>, reviews: Review[]): Html {
  const { t } = loc;
  const amended = r.amends == null ? undefined : reviews.find((x) => x.seq === r.amends);
  const earlier = r.baseRevision < sample.revision;
  const rows = r.changes.map((ch) => {
    const n = numbers.get(ch.cellId);
    return html`<tr data-change="${ch.cellId}"><td><img class="crop" src="${cropUrl(sample.id, r.baseRevision, ch.cellId)}" width="180" height="180" alt="${t('print.cellAlt', { n: n ?? '' })}"></td>
      <td>${n === undefined || earlier ? t('print.cellOfRevision', { revision: r.baseRevision }) : t('print.cellN', { n })}</td><td>${ch.op === 'add' ? t('cellEdit.added') : loc.classTitle(ch.from)} → ${ch.op === 'delete' ? t('cellEdit.removed') : loc.classTitle(ch.to)}</td></tr>`;
  });
  return html`<section class="review" data-review="${r.id}">
    <h3>${t('print.reviewHead', { name: r.reviewer.name, at: utc(r.signedAt), revision: r.baseRevision })}${earlier ? t('print.since', { revision: sample.revision }) : ''}</h3>
    <p>${amended ? t('print.amends', { at: utc(amended.signedAt), name: amended.reviewer.name }) : t('print.comment')} ${r.comment ?? '—'}</p>
    ${
      rows.length
        ? html`<table><thead><tr><th>${t('print.col.cell')}</th><th>${t('print.col.number')}</th><th>${t('print.col.type')}</th></tr></thead><tbody>${rows}</tbody></table>`
        : html`<p>${t('print.noChange')}</p>`
    }
  </section>`;
}

export function printPage(loc: Locale, reviewer: string, sample: SampleRecord, reviews: Review[], printedAt: string): string {
  const { t } = loc;
  const p = sample.payload as ReportPayload;
  const s = p.sample;
  const signer = p.people?.signedBy;
  const signed = signedDifferential(p);
  const { types, added } = reviewedCells(p, reviews);
  const reviewed = tally(types.values());
  const flags = p.differential?.flags ?? [];
  const numbers = cellNumbers(p, added);
  const identity: [string, string | Html][] = [
    [t('print.sample'), s.reference],
    [t('print.patient'), s.patientId ? s.patientId : t('print.noPatient')],
    [t('print.collected'), s.collectedAt ? utc(s.collectedAt) : t('print.notRecorded')],
    [t('print.wbc'), s.wbcCount != null ? t('print.wbcValue', { n: s.wbcCount }) : t('print.wbcNotGiven')],
    [t('print.clinic'), `${sample.clinicName} (${sample.clinicId})`],
    [t('print.revision'), String(sample.revision)],
    [t('print.signedAtBox'), `${signer?.name ?? '—'}, ${utc(signer?.at)}`],
    [t('print.received'), utc(sample.receivedAt)],
  ];
  const body = html`<p class="screen-only note">${t('print.screenNote')} <a href="/review/samples/${sample.id}">${t('print.back')}</a></p>
    <div class="screen-only">${languageSwitch(loc)}</div>
    <h1>${t('print.heading', { reference: s.reference })}</h1>
    <table class="identity" data-identity><tbody>${identity.map(([k, v]) => html`<tr><th>${k}</th><td>${v}</td></tr>`)}</tbody></table>
    <h2>${t('print.differential')}</h2>
    ${attentionNote(loc, reviewed)}
    <div class="diff">${differentialTable(loc, t('diff.asSigned'), signed)}${differentialTable(loc, t('diff.withReviews'), reviewed)}</div>
    <h2>${t('print.flags')}</h2>
    ${flags.length ? html`<ul data-flags>${flags.map((f) => html`<li>${f}</li>`)}</ul>` : html`<p>${t('print.none')}</p>`}
    <h2>${t('print.reviews')}</h2>
    ${reviews.length ? reviews.map((r) => reviewBlock(loc, sample, r, numbers, reviews)) : html`<p>${t('print.noneYet')}</p>`}
    <div class="signature" data-signature><div>${t('print.reviewedBy')}</div><div>${t('print.date')}</div><div>${t('print.signature')}</div></div>
    <footer>${t('print.footer', { at: utc(printedAt), name: reviewer })}</footer>`;
  return html`<!doctype html>
<html lang="${loc.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${t('print.title', { reference: s.reference })} · ${t('frame.hub')}</title><style>${new Html(PRINT_CSS)}</style></head>
<body>${body}</body></html>`.text;
}
