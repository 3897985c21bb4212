/** The clinics of the network, for the worklist's clinic filter. */
import type { HubKysely } from '../db/connect.ts';

export interface Clinic {
  id: string;
  name: string;
}

export async function listClinics(db: HubKysely): Promise<Clinic[]> {
  return db.selectFrom('clinics').select(['id', 'name']).orderBy('name').orderBy('id').execute();
}
