/**
 * The worklist's filters, waiting times and "being reviewed by" notes: who else has a sample open
 * (repo/review-locks.ts), said on the list and on the sample page. Advisory: nothing here refuses.
 */
import type { Clinic } from '../repo/clinics.ts';
import type { LockHolder } from '../repo/review-locks.ts';
import type { WorklistFilter, WorklistStatus } from '../repo/samples.ts';
import { html, Html } from './html.ts';
import { EN, type Locale } from './i18n/locale.ts';

export const WORKLIST_STATUSES: readonly WorklistStatus[] = ['to_review', 'reviewed', 'all'];

/** "2 h 10 min", "3 d 4 h", "under 1 min". */
/** How long a sample has waited since its newest revision arrived. */
export function waitingText(since: string, now: Date, loc: Locale = EN): string {
  const minutes = Math.floor((now.getTime() - Date.parse(since)) / 60_000);
  if (!(minutes >= 1)) return loc.t('wait.underMinute');
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  if (d) return loc.t(h ? 'wait.daysHours' : 'wait.days', { d, h });
  if (h) return loc.t(m ? 'wait.hoursMinutes' : 'wait.hours', { h, m });
  return loc.t('wait.minutes', { m });
}

const minutesSince = (iso: string, now: Date) => Math.max(0, Math.floor((now.getTime() - Date.parse(iso)) / 60_000));

/** The list's address for a filter and page (the defaults left out). */
export function worklistHref(f: WorklistFilter, pageNo = 1): string {
  const q = new URLSearchParams();
  if (f.status !== 'to_review') q.set('status', f.status);
  if (f.clinicId) q.set('clinic', f.clinicId);
  if (pageNo > 1) q.set('page', String(pageNo));
  const s = q.toString();
  return s ? `/review?${s}` : '/review';
}

/** Status links, and for a network-wide reviewer a clinic choice: a plain GET form, so it works without script. */
export function filterBar(loc: Locale, f: WorklistFilter, clinics: Clinic[] | null): Html {
  const label = (s: WorklistStatus) => loc.t(`filter.${s}`);
  const links = WORKLIST_STATUSES.map((s) =>
    s === f.status ? html`<strong data-filter="${s}">${label(s)}</strong>` : html`<a data-filter="${s}" href="${worklistHref({ ...f, status: s })}">${label(s)}</a>`,
  );
  const clinicChoice = clinics
    ? html`<form method="get" action="/review" class="filters"><input type="hidden" name="status" value="${f.status}">
      <label>${loc.t('filter.clinic')} <select name="clinic"><option value="">${loc.t('filter.allClinics')}</option>${clinics.map(
        (c) => html`<option value="${c.id}"${c.id === f.clinicId ? new Html(' selected') : ''}>${c.name} (${c.id})</option>`,
      )}</select></label> <button type="submit">${loc.t('filter.submit')}</button></form>`
    : '';
  return html`<nav class="filters" aria-label="${loc.t('filter.aria')}">${loc.t('filter.show')} ${links.map((l, i) => (i ? html` · ${l}` : l))}</nav>${clinicChoice}`;
}

/** The list's "Priority" cell: urgent (cells for a haematologist's attention) or flagged, with the reason; or nothing. */
export function priorityCell(loc: Locale, priority: number, reason: string | null): Html {
  if (priority === 0) return html`<td data-priority="0"></td>`;
  return html`<td data-priority="${priority}">${priority === 2 ? html`<strong class="urgent">${loc.t('priority.urgent')}</strong>` : html`<strong>${loc.t('priority.flagged')}</strong>`} ${reason ?? ''}</td>`;
}

/** The list's "Being reviewed by" cell: the others who have the sample open. */
export function openByCell(loc: Locale, holders: LockHolder[] | undefined): Html {
  return holders?.length ? html`<td data-open-by>${loc.t('openBy.cell', { names: holders.map((h) => h.reviewerName).join(', ') })}</td>` : html`<td></td>`;
}

/** On the sample page: others who opened it within the lock's time; undefined (nothing shown) when none. */
export function openByNote(loc: Locale, holders: LockHolder[], now: Date): Html | undefined {
  if (!holders.length) return undefined;
  const who = holders.map((h) => {
    const n = minutesSince(h.openedAt, now);
    return n === 0 ? loc.t('openBy.justNow', { name: h.reviewerName }) : loc.t('openBy.minutes', { name: h.reviewerName, n });
  });
  return html`<p class="note" data-open-by>${loc.t('openBy.note', { who: who.join('; ') })}</p>`;
}

/** Locks grouped by sample, for the list. */
export function holdersBySample(holders: LockHolder[]): Map<string, LockHolder[]> {
  const out = new Map<string, LockHolder[]>();
  for (const h of holders) out.set(h.sampleId, [...(out.get(h.sampleId) ?? []), h]);
  return out;
}

/** What the list page shows besides its rows: the filter, the clinics to choose from (null: the reviewer's own only), others' locks, the time now. */
export interface WorklistView {
  filter: WorklistFilter;
  clinics: Clinic[] | null;
  holders: Map<string, LockHolder[]>;
  now: Date;
}
