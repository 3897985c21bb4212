/**
 * Clinic settings kept in the database: the count target, the reference ranges the differential
 * is flagged against, and how much a new field may overlap an earlier one of the sample. Defaults:
 * target from the config; adult ranges (Dacie and Lewis, Practical Haematology) as percentages of
 * leukocytes and as absolute counts in 10^9/L; 30 % overlap; the session locks after 10 idle
 * minutes; English.
 */
import type { ClinicSettings, Language, ReferenceRanges } from '../../contracts/api/settings.ts';
import { CELL_TYPES } from '../../contracts/vocabulary.ts';
import type { Store } from '../store/store.ts';
import type { Credentials } from './auth.ts';
import type { WorkflowContext } from './context.ts';
import { badRequest } from './errors.ts';

/** The settings kept in the database (the API's GET /api/settings adds the microscope calibration). */
export type Settings = ClinicSettings;

export const DEFAULT_IDLE_LOCK_MINUTES = 10;
export const IDLE_LOCK_LIMITS = { min: 1, max: 240 } as const;

export const DEFAULT_MAX_FIELD_OVERLAP = 0.3;
export const FIELD_OVERLAP_LIMITS = { min: 0.05, max: 0.95 } as const;

export const ADULT_RANGES: ReferenceRanges = {
  neutrophil: { percent: { low: 40, high: 75 }, absolute: { low: 2.0, high: 7.0 } },
  eosinophil: { percent: { low: 1, high: 6 }, absolute: { low: 0.02, high: 0.5 } },
  basophil: { percent: { low: 0, high: 2 }, absolute: { low: 0.02, high: 0.1 } },
  lymphocyte: { percent: { low: 20, high: 45 }, absolute: { low: 1.0, high: 3.0 } },
  monocyte: { percent: { low: 2, high: 10 }, absolute: { low: 0.2, high: 1.0 } },
};

export const SETTING_KEYS = ['targetCount', 'referenceRanges', 'maxFieldOverlap', 'idleLockMinutes', 'language'] as const;

export function readSettings(store: Store, defaultTarget: number): Settings {
  return {
    targetCount: store.settings.get<number>('targetCount') ?? defaultTarget,
    referenceRanges: store.settings.get<ReferenceRanges>('referenceRanges') ?? ADULT_RANGES,
    maxFieldOverlap: store.settings.get<number>('maxFieldOverlap') ?? DEFAULT_MAX_FIELD_OVERLAP,
    idleLockMinutes: store.settings.get<number>('idleLockMinutes') ?? DEFAULT_IDLE_LOCK_MINUTES,
    language: store.settings.get<Language>('language') ?? 'en',
  };
}

/** Checks what a JSON schema cannot: every range has low <= high. */
export function checkRanges(ranges: ReferenceRanges): void {
  for (const type of CELL_TYPES) {
    const r = ranges[type];
    for (const [kind, range] of [
      ['percent', r.percent],
      ['absolute', r.absolute],
    ] as const) {
      if (range && range.low > range.high) {
        throw badRequest('bad_range', `${type} ${kind} range: low (${range.low}) is above high (${range.high})`);
      }
    }
  }
}

/** Checks the overlap limit (the route's schema does too; this guards other callers). */
export function checkFieldOverlap(share: number): void {
  const { min, max } = FIELD_OVERLAP_LIMITS;
  if (!(share >= min && share <= max)) {
    throw badRequest('bad_overlap', `maxFieldOverlap ${share} is outside ${min}..${max}: give the share of a field that may overlap another, e.g. 0.3 for 30 %`);
  }
}

/** Changes settings with a supervisor's PIN; audited with the new values. */
export async function updateSettings(ctx: WorkflowContext, patch: Partial<Settings>, auth: Credentials): Promise<Settings> {
  if (patch.referenceRanges) checkRanges(patch.referenceRanges);
  if (patch.maxFieldOverlap !== undefined) checkFieldOverlap(patch.maxFieldOverlap);
  const by = (await ctx.auth.check(auth, 'supervisor')).id;
  const at = ctx.now().toISOString();
  ctx.store.transaction(() => {
    for (const key of SETTING_KEYS) if (patch[key] !== undefined) ctx.store.settings.set(key, patch[key], by, at);
    ctx.store.audit.append({ at, sampleId: null, revision: null, userId: by, action: 'settings.changed', target: null, detail: { ...patch }, reason: null });
  });
  return readSettings(ctx.store, ctx.defaultTarget);
}
