/**
 * Who a sample is of, on the reviewer's pages: the patient id, collection time and WBC count the box
 * sent, and the patient's other samples at the sample's own clinic (never another clinic's), each
 * with its differential in one line after the reviews signed on it.
 */
import type { HubKysely } from '../db/connect.ts';
import { reviewsOfSample } from '../repo/reviews.ts';
import { otherSamplesOfPatient, type SampleRecord } from '../repo/samples.ts';
import { html, utc, type Html } from './html.ts';
import type { Locale } from './i18n/locale.ts';
import { effectiveTypes, tally, type ReportPayload, type ReviewedDifferential } from './model.ts';

/** How many of the patient's other samples a sample page lists. */
export const OTHER_SAMPLES_SHOWN = 10;

/** One of the patient's other samples, as its line on the page. */
export interface OtherSample {
  id: string;
  reference: string;
  collectedAt: string | null;
  signedAt: string | null;
  differential: ReviewedDifferential;
  reviews: number;
}

/** The patient's other samples at the sample's clinic, newest first; none when the sample names no patient. */
export async function otherSamples(db: HubKysely, sample: SampleRecord): Promise<OtherSample[]> {
  if (!sample.patientId) return [];
  const rows = await otherSamplesOfPatient(db, sample.clinicId, sample.patientId, sample.id, OTHER_SAMPLES_SHOWN);
  return Promise.all(
    rows.map(async (row) => {
      const p = row.payload as ReportPayload;
      const reviews = await reviewsOfSample(db, row.id);
      const hasCells = (p.fields ?? []).some((f) => f.cells.length > 0);
      // A report without cells (never from a box that counted) still carries the differential it signed.
      const differential = hasCells ? tally(effectiveTypes(p, reviews).values()) : { rows: p.differential?.rows ?? [], nonLeukocytes: [], attention: [] };
      return { id: row.id, reference: row.reference, collectedAt: p.sample.collectedAt ?? null, signedAt: row.signedAt, differential, reviews: reviews.length };
    }),
  );
}

/** Short names for the one-line differential, in the order a haematologist reads it. */
const SHORT: [string, string][] = [
  ['neutrophil', 'N'],
  ['lymphocyte', 'L'],
  ['monocyte', 'M'],
  ['eosinophil', 'E'],
  ['basophil', 'B'],
];

/** "N 62 % · L 28 % · M 6 % · E 3 % · B 1 %", then any other leukocyte class present ("Blasts 2 %"); the codes are the kiosk's in both languages. */
export function differentialLine(loc: Locale, d: ReviewedDifferential): string {
  const percent = new Map(d.rows.map((r) => [r.type, r]));
  const five = SHORT.map(([type, code]) => `${code} ${loc.num(percent.get(type)?.percent ?? 0)} %`);
  const others = d.rows.filter((r) => r.count > 0 && !SHORT.some(([type]) => type === r.type)).map((r) => `${loc.classTitle(r.type)} ${loc.num(r.percent)} %`);
  return [...five, ...others].join(' · ');
}

/** Patient id, collection time and WBC count, as the box sent them. */
export function patientLine(loc: Locale, p: ReportPayload): Html {
  const s = p.sample;
  return html`<p data-patient>${s.patientId ? html`${loc.t('patient.patient')} <strong data-patient-id>${s.patientId}</strong>` : html`<span data-patient-id="">${loc.t('patient.noId')}</span>`}
    · ${s.collectedAt ? loc.t('patient.collected', { at: utc(s.collectedAt) }) : loc.t('patient.collectedUnknown')}${s.wbcCount != null ? html` · ${loc.t('patient.wbc', { n: s.wbcCount })}` : ''}</p>`;
}

/** The list of the patient's other samples at this clinic (others undefined: not looked up, nothing shown). */
export function otherSamplesSection(loc: Locale, p: ReportPayload, clinicName: string, others: OtherSample[] | undefined): Html | string {
  if (others === undefined || !p.sample.patientId) return '';
  const items = others.map(
    (o) =>
      html`<li data-other-sample="${o.id}"><a href="/review/samples/${o.id}">${o.reference}</a> · ${o.collectedAt ? loc.t('others.collected', { at: utc(o.collectedAt) }) : loc.t('others.signed', { at: utc(o.signedAt) })} · ${differentialLine(loc, o.differential)}${
        o.reviews ? loc.t('others.afterReviews', { n: o.reviews }) : ''
      }</li>`,
  );
  return html`<section data-other-samples><h2>${loc.t('others.title', { clinic: clinicName })}</h2>
    ${items.length ? html`<ul>${items}</ul>${others.length >= OTHER_SAMPLES_SHOWN ? html`<p>${loc.t('others.newest', { n: OTHER_SAMPLES_SHOWN })}</p>` : ''}` : html`<p>${loc.t('others.none')}</p>`}</section>`;
}
