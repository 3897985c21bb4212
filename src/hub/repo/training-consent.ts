/**
 * Each clinic's consent to its verified cells leaving the hub as training data (migration
 * 007-training-consent). Off until the clinic opts in; export-training reads it.
 */
import type { HubKysely } from '../db/connect.ts';

export interface ClinicConsent {
  id: string;
  optIn: boolean;
  /** When the consent was last set, and by whom (null: never set). */
  at: string | null;
  by: string | null;
}

/** Sets a clinic's consent; false when there is no such clinic. */
export async function setTrainingConsent(db: HubKysely, clinicId: string, optIn: boolean, by: string, at: string): Promise<boolean> {
  const r = await db
    .updateTable('clinics')
    .set({ training_opt_in: optIn ? 1 : 0, training_opt_in_at: at, training_opt_in_by: by })
    .where('id', '=', clinicId)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Every clinic with its consent, by id. */
export async function listTrainingConsent(db: HubKysely): Promise<ClinicConsent[]> {
  const rows = await db.selectFrom('clinics').select(['id', 'training_opt_in', 'training_opt_in_at', 'training_opt_in_by']).orderBy('id').execute();
  return rows.map((r) => ({ id: r.id, optIn: Number(r.training_opt_in) === 1, at: r.training_opt_in_at, by: r.training_opt_in_by }));
}
