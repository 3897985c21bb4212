/**
 * The samples a training export reads: one clinic's samples with their newest revision, a page at a
 * time by sample id (keyset pagination), so a large hub is never held in memory at once.
 */
import type { Report } from '../../contracts/api/report.ts';
import type { HubKysely } from '../db/connect.ts';

export interface SourceSample {
  id: string;
  clinicId: string;
  deviceId: string;
  revision: number;
  payload: Report;
}

export const DEFAULT_PAGE_SIZE = 50;

/** The clinic's samples signed (else received) at or after `since` (ISO time; null: all), by id. */
export async function* samplesOfClinic(db: HubKysely, clinicId: string, since: string | null, pageSize = DEFAULT_PAGE_SIZE): AsyncGenerator<SourceSample> {
  for (let after = ''; ;) {
    let q = db
      .selectFrom('samples')
      .innerJoin('revisions', (j) => j.onRef('revisions.sample_id', '=', 'samples.id').onRef('revisions.revision', '=', 'samples.revision'))
      .select(['samples.id', 'samples.clinic_id', 'samples.device_id', 'samples.revision', 'revisions.payload'])
      .where('samples.clinic_id', '=', clinicId)
      .where('samples.id', '>', after);
    if (since !== null) q = q.where((eb) => eb(eb.fn.coalesce('samples.signed_at', 'samples.received_at'), '>=', since));
    const rows = await q.orderBy('samples.id').limit(pageSize).execute();
    for (const r of rows) {
      yield { id: r.id, clinicId: r.clinic_id, deviceId: r.device_id, revision: Number(r.revision), payload: JSON.parse(r.payload) as Report };
    }
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1].id;
  }
}
