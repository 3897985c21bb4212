/**
 * The worklist's filters, waiting times and "being reviewed by" notes: who else has a sample open
 * (repo/review-locks.ts), said on the list and on the sample page. Advisory: nothing here refuses.
 */
import type { Clinic } from '../repo/clinics.ts';
import type { LockHolder } from '../repo/review-locks.ts';
import type { WorklistFilter, WorklistStatus } from '../repo/samples.ts';
import { html, Html } from './html.ts';

export const WORKLIST_STATUSES: readonly WorklistStatus[] = ['to_review', 'reviewed', 'all'];
const STATUS_LABELS: Record<WorklistStatus, string> = { to_review: 'To review', reviewed: 'Reviewed', all: 'All' };

/** "2 h 10 min", "3 d 4 h", "under 1 min". */
/** How long a sample has waited since its newest revision arrived. */
export function waitingText(since: string, now: Date): string {
  const minutes = Math.floor((now.getTime() - Date.parse(since)) / 60_000);
  if (!(minutes >= 1)) return 'under 1 min';
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  if (d) return h ? `${d} d ${h} h` : `${d} d`;
  if (h) return m ? `${h} h ${m} min` : `${h} h`;
  return `${m} min`;
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
export function filterBar(f: WorklistFilter, clinics: Clinic[] | null): Html {
  const links = WORKLIST_STATUSES.map((s) =>
    s === f.status ? html`<strong data-filter="${s}">${STATUS_LABELS[s]}</strong>` : html`<a data-filter="${s}" href="${worklistHref({ ...f, status: s })}">${STATUS_LABELS[s]}</a>`,
  );
  const clinicChoice = clinics
    ? html`<form method="get" action="/review" class="filters"><input type="hidden" name="status" value="${f.status}">
      <label>Clinic <select name="clinic"><option value="">All clinics</option>${clinics.map(
        (c) => html`<option value="${c.id}"${c.id === f.clinicId ? new Html(' selected') : ''}>${c.name} (${c.id})</option>`,
      )}</select></label> <button type="submit">Show</button></form>`
    : '';
  return html`<nav class="filters" aria-label="Filters">Show: ${links.map((l, i) => (i ? html` · ${l}` : l))}</nav>${clinicChoice}`;
}

/** The list's "Priority" cell: urgent (cells for a haematologist's attention) or flagged, with the reason; or nothing. */
export function priorityCell(priority: number, reason: string | null): Html {
  if (priority === 0) return html`<td data-priority="0"></td>`;
  return html`<td data-priority="${priority}">${priority === 2 ? html`<strong class="urgent">urgent</strong>` : html`<strong>flagged</strong>`} ${reason ?? ''}</td>`;
}

/** The list's "Being reviewed by" cell: the others who have the sample open. */
export function openByCell(holders: LockHolder[] | undefined): Html {
  return holders?.length ? html`<td data-open-by>being reviewed by ${holders.map((h) => h.reviewerName).join(', ')}</td>` : html`<td></td>`;
}

/** On the sample page: others who opened it within the lock's time; undefined (nothing shown) when none. */
export function openByNote(holders: LockHolder[], now: Date): Html | undefined {
  if (!holders.length) return undefined;
  const who = holders.map((h) => {
    const n = minutesSince(h.openedAt, now);
    return `${h.reviewerName} opened this sample ${n === 0 ? 'less than a minute' : `${n} min`} ago`;
  });
  return html`<p class="note" data-open-by>${who.join('; ')}; reviewing it too may conflict.</p>`;
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
