/** The printable page of a sample report (A4, no scripts, no external resources). */
import { CELL_TYPES } from '../../contracts/vocabulary.ts';
import { CLASS_PLURALS, CLASS_TITLES } from '../../contracts/cell-names.ts';
import type { Differential, DifferentialRow } from '../../contracts/api/samples.ts';
import type { Report, ScaleSummary } from '../../contracts/api/report.ts';
import { escapeMarkup as esc } from '../../core/util/escape.ts';

const FIVE: readonly string[] = CELL_TYPES;

const when = (iso: string | null | undefined) =>
  iso
    ? esc(
        iso
          .replace('T', ' ')
          .replace(/\.\d+Z$/, ' UTC')
          .replace(/Z$/, ' UTC'),
      )
    : '&ndash;';
const mark = (flag: 'low' | 'high' | null) => (flag === 'high' ? ' <b class="flag">H</b>' : flag === 'low' ? ' <b class="flag">L</b>' : '');
const range = (r: { low: number; high: number } | null | undefined, unit = '') => (r ? `${r.low}&ndash;${r.high}${unit}` : '&ndash;');

function row(r: DifferentialRow): string {
  return `<tr${r.flag || r.absoluteFlag ? ' class="out"' : ''}>
  <th scope="row">${CLASS_TITLES[r.type]}</th><td>${r.count}</td>
  <td>${r.percent.toFixed(1)}${mark(r.flag)}</td>
  <td>${r.ci95 ? `${r.ci95.low.toFixed(1)}&ndash;${r.ci95.high.toFixed(1)}` : '&ndash;'}</td>
  <td>${range(r.range?.percent)}</td>
  <td>${r.absolute === null ? '&ndash;' : r.absolute.toFixed(2) + mark(r.absoluteFlag)}</td>
  <td>${range(r.range?.absolute)}</td>
</tr>`;
}

export function renderReportHtml(r: Report): string {
  const d = r.differential;
  const signed = r.people.signedBy && (r.sample.status === 'signed' || r.sample.status === 'synced');
  const who = (p: { name: string } | null) => (p ? esc(p.name) : '&ndash;');
  const list = (ps: { name: string }[]) => (ps.length ? ps.map((p) => esc(p.name)).join(', ') : '&ndash;');
  const warnings = r.fields.flatMap((f) => f.warnings.map((w) => `Field ${f.seq}: ${w.message}`));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>WBC differential ${esc(r.sample.reference)}</title>
<style>
  @page { size: A4; margin: 15mm; }
  body { font: 11pt/1.35 system-ui, sans-serif; color: #000; max-width: 180mm; margin: 0 auto; }
  h1 { font-size: 16pt; margin: 0 0 2mm; } h2 { font-size: 12pt; margin: 5mm 0 2mm; }
  .banner { border: 2px solid #000; padding: 2mm 3mm; font-weight: bold; margin: 3mm 0; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: 1mm 4mm; margin: 0; } dt { font-weight: 600; }
  table { border-collapse: collapse; width: 100%; } th, td { border-bottom: 1px solid #999; padding: 1.2mm 2mm; text-align: right; }
  th[scope=row], thead th:first-child { text-align: left; } tr.out td, tr.out th { background: #eee; }
  tr.group th { text-align: left; font-size: 9.5pt; padding-top: 3mm; } td.left { text-align: left; }
  .flag { font-weight: 800; } .small { font-size: 9pt; color: #333; }
  .disclaimer { border: 1px solid #000; padding: 2mm 3mm; margin-top: 6mm; font-size: 9.5pt; }
</style></head>
<body>
<h1>White blood cell differential</h1>
${signed ? '' : '<div class="banner">PRELIMINARY: not signed off by a supervisor</div>'}
${r.sample.amended ? '<div class="banner">AMENDED after sign-off: the changes below await a new signature</div>' : ''}
${r.people.reviewedAtHub.length ? `<div class="banner">AMENDED after review at the hub by ${[...new Set(r.people.reviewedAtHub.map((h) => esc(h.name)))].join(', ')}</div>` : ''}
<dl>
  <dt>Sample</dt><dd>${esc(r.sample.reference)}</dd>
  <dt>Patient</dt><dd>${r.sample.patientId ? esc(r.sample.patientId) : '&ndash;'}</dd>
  <dt>Collected</dt><dd>${when(r.sample.collectedAt)}</dd>
  <dt>Analysed</dt><dd>${when(r.sample.createdAt)}, ${r.fields.length} ${r.fields.length === 1 ? 'field' : 'fields'}</dd>
  <dt>Leukocytes counted</dt><dd>${d.counted} (target ${d.target})${d.notLeukocyte ? `; ${d.notLeukocyte} objects rejected as not leukocytes` : ''}</dd>
  <dt>Total WBC</dt><dd>${d.wbcCount === null ? 'not entered' : `${esc(d.wbcCount)} &times;10<sup>9</sup>/L`}</dd>
  <dt>Revision</dt><dd>${r.sample.revision}</dd>
</dl>
${attentionBanner(d)}
${signed && r.people.signedBy?.shortReason ? `<div class="banner">Signed with ${d.counted} of ${d.target} cells counted. Reason: ${esc(r.people.signedBy.shortReason)}</div>` : ''}
<h2>Differential</h2>
<table>
<thead><tr><th>Cell type</th><th>Count</th><th>%</th><th>95 % CI</th><th>Reference %</th><th>&times;10<sup>9</sup>/L</th><th>Reference</th></tr></thead>
<tbody>
${d.rows
  .filter((x) => FIVE.includes(x.type))
  .map(row)
  .join('\n')}
<tr class="group"><th scope="rowgroup" colspan="7">Other leukocytes (counted in the total)</th></tr>
${d.rows
  .filter((x) => !FIVE.includes(x.type))
  .map(row)
  .join('\n')}
<tr class="group"><th scope="rowgroup" colspan="7">Not counted as leukocytes (per 100 leukocytes)</th></tr>
${(d.nonLeukocytes ?? []).map((x) => `<tr><th scope="row">${CLASS_TITLES[x.type]}</th><td>${x.count}</td><td colspan="5" class="left">${x.per100 === null ? '&ndash;' : `${x.per100.toFixed(1)} per 100 leukocytes`}</td></tr>`).join('\n')}
</tbody></table>
<p class="small">H / L: above / below the reference range. Intervals: Wilson 95 % for ${d.counted} cells counted. Neutrophils are segmented neutrophils; band neutrophils are on their own row (add both for all neutrophils).</p>
${d.flags.length ? `<h2>Flags</h2><ul>${d.flags.map((f) => `<li>${esc(f)}</li>`).join('')}</ul>` : ''}
${warnings.length ? `<h2>Image quality</h2><ul>${warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>` : ''}
<h2>People</h2>
<dl>
  <dt>Photographed by</dt><dd>${list(r.people.photographedBy)}</dd>
  <dt>Reviewed / corrected by</dt><dd>${list(r.people.correctedBy)}</dd>
${r.people.reviewedAtHub
  .map(
    (h) =>
      `  <dt>Reviewed at the hub</dt><dd>${esc(h.name)}, ${when(h.at)}: ${h.changes.map((c) => `${c.field === null ? '' : `field ${c.field}: `}${esc(c.from.replace(/_/g, ' '))} &rarr; ${esc(c.to.replace(/_/g, ' '))}`).join('; ')}</dd>`,
  )
  .join('\n')}
  <dt>Signed off by</dt><dd>${r.people.signedBy ? `${who(r.people.signedBy)}, ${when(r.people.signedBy.at)} (revision ${r.people.signedBy.revision})` : 'not signed'}</dd>
</dl>
${
  r.amendments.length
    ? `<h2>Corrections with a reason</h2><ul>${r.amendments.map((a) => `<li>${when(a.at)}, ${who(a.by)}: ${esc(a.reason)} <span class="small">(${esc(a.action)}, revision ${a.revision})</span></li>`).join('')}</ul>`
    : ''
}
<p class="small">${scaleLine(r.analysis.scales)}</p>
<p class="small">leukodiff ${esc(r.software.version)}; model set ${esc(r.analysis.modelSets.join(', ') || '–')}${r.analysis.modelSets.length > 1 ? ` (fields ${esc(r.fields.map((f) => `${f.seq}: ${f.modelSet ?? '–'}`).join(', '))})` : ''}; models ${r.analysis.models.map((m) => `${esc(m.id)} (${esc(m.sha256.slice(0, 12))})`).join(', ') || '&ndash;'}; fusion ${esc(r.analysis.fusion.join(', ') || '–')}; backend ${esc(r.analysis.backend.join(', ') || '–')}. Sample id ${esc(r.sample.id)}. Printed ${when(r.generatedAt)}.</p>
<div class="disclaimer"><b>Important.</b> ${esc(r.disclaimer)}</div>
</body></html>
`;
}

/** The fields' scale, where it came from: a reader can tell measured fields from calibrated or unknown ones. */
function scaleLine(s: ScaleSummary): string {
  const um = s.umPerPixel === null ? 'unknown' : `${s.umPerPixel.toFixed(4)} &micro;m per pixel`;
  return `Scale ${um}: ${s.measured} field(s) measured from their red cells, ${s.calibrated} at the microscope calibration, ${s.given} given, ${s.unmeasured} unknown.`;
}

/** Blasts, immature granulocytes or NRBC on the smear: the report asks for a haematologist's look. */
function attentionBanner(d: Differential): string {
  const present = d.attention ?? [];
  if (!present.length) return '';
  const nrbcPer100 = d.nonLeukocytes?.find((x) => x.type === 'nrbc')?.per100 ?? null;
  const items = present.map(({ type, count }) => (type === 'nrbc' && nrbcPer100 !== null ? `NRBC ${nrbcPer100.toFixed(1)} per 100 leukocytes` : `${CLASS_PLURALS[type]} ${count}`));
  return `<div class="banner attention">For a haematologist's attention: ${esc(items.join(', '))}</div>`;
}
