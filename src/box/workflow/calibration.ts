/**
 * The microscope calibration: the box's scale in micrometres per pixel, taken from the scales
 * measured on several fields of one sample (a normal smear, photographed in a thin area). A field
 * whose own red cells cannot be measured is analysed at this scale instead of an unknown one.
 */
import type { MicroscopeCalibration } from '../../contracts/api/settings.ts';
import type { Store } from '../store/store.ts';
import type { Field } from '../store/types.ts';
import type { Credentials } from './auth.ts';
import type { WorkflowContext } from './context.ts';
import { CALIBRATION_MAX_SPREAD, CALIBRATION_MIN_FIELDS, calibrationFrom } from '../../core/analysis/field-scale.ts';
import { badRequest, notFound } from './errors.ts';

export const CALIBRATION_KEY = 'microscopeCalibration';

export function readCalibration(store: Store): MicroscopeCalibration | null {
  return store.settings.get<MicroscopeCalibration | null>(CALIBRATION_KEY) ?? null;
}

/** The fields' own measurements, also where the old calibration was believed over them. */
function measuredScales(ctx: WorkflowContext, sampleId: string): number[] {
  const own = (s: NonNullable<NonNullable<Field['analysis']>['scale']>) => (s.source === 'measured' ? s.umPerPixel : (s.measuredUmPerPixel ?? null));
  return ctx.store.fields
    .listBySample(sampleId)
    .filter((f) => !f.deletedAt && f.status === 'analysed' && f.analysis?.scale)
    .map((f) => own(f.analysis!.scale!))
    .filter((v): v is number => v !== null);
}

/** Calibrates from a sample's fields with a supervisor's PIN; audited. */
export async function calibrateMicroscope(ctx: WorkflowContext, sampleId: string, auth: Credentials): Promise<MicroscopeCalibration> {
  const by = (await ctx.auth.check(auth, 'supervisor')).id;
  const sample = ctx.store.samples.get(sampleId);
  if (!sample) throw notFound('sample', sampleId);
  const result = calibrationFrom(measuredScales(ctx, sampleId));
  if ('error' in result && result.error === 'too_few_fields') {
    throw badRequest(
      'too_few_fields',
      `${result.agreeing} of this sample's fields have a measured scale that agrees with the others (${result.measured} measured); calibrating needs ${CALIBRATION_MIN_FIELDS}: photograph more fields of a thin, even area of a normal smear`,
    );
  }
  if ('error' in result) {
    throw badRequest(
      'fields_disagree',
      `only ${result.agreeing} of this sample's ${result.measured} measured fields agree on the scale (within ${Math.round((CALIBRATION_MAX_SPREAD - 1) * 100)} %): take every field with the same objective and camera zoom, in a thin area where red cells lie apart`,
    );
  }
  const { umPerPixel, fields, spread } = result;
  const at = ctx.now().toISOString();
  const calibration: MicroscopeCalibration = { umPerPixel, fields, spread, sampleId, sampleReference: sample.reference, at, by };
  ctx.store.transaction(() => {
    ctx.store.settings.set(CALIBRATION_KEY, calibration, by, at);
    ctx.store.audit.append({ at, sampleId: null, revision: null, userId: by, action: 'settings.calibrated', target: `sample:${sampleId}`, detail: { ...calibration }, reason: null });
  });
  return calibration;
}

/** Forgets the calibration (a new microscope or camera) with a supervisor's PIN; audited. */
export async function clearCalibration(ctx: WorkflowContext, auth: Credentials): Promise<void> {
  const by = (await ctx.auth.check(auth, 'supervisor')).id;
  const at = ctx.now().toISOString();
  ctx.store.transaction(() => {
    ctx.store.settings.set(CALIBRATION_KEY, null, by, at);
    ctx.store.audit.append({ at, sampleId: null, revision: null, userId: by, action: 'settings.calibration_cleared', target: null, detail: {}, reason: null });
  });
}
