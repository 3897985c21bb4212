/** Settings: target count, reference ranges, field overlap, idle lock, language and the microscope calibration; changing them needs a supervisor's PIN. */
import type { RoutesPlugin } from '../../../server-common/type-provider.ts';
import { calibrateMicroscope, clearCalibration, readCalibration } from '../../workflow/calibration.ts';
import { LANGUAGES, type Settings } from '../../../contracts/api/settings.ts';
import { FIELD_OVERLAP_LIMITS, IDLE_LOCK_LIMITS, readSettings, updateSettings } from '../../workflow/settings.ts';
import { credentials, errors, pinRateLimit, referenceRangesSchema, uuid } from '../schemas/common.ts';

const targetCount = { type: 'integer', minimum: 10, maximum: 1000, description: 'leukocytes to count per sample' } as const;
const maxFieldOverlap = {
  type: 'number',
  minimum: FIELD_OVERLAP_LIMITS.min,
  maximum: FIELD_OVERLAP_LIMITS.max,
  description: "largest share of a new field's area that may show an earlier field of the sample; more is refused (409 overlapping_field)",
} as const;
const idleLockMinutes = { type: 'integer', minimum: IDLE_LOCK_LIMITS.min, maximum: IDLE_LOCK_LIMITS.max, description: 'minutes without a tap before the kiosk locks and asks who is working' } as const;
const language = { type: 'string', enum: [...LANGUAGES], description: "the box's language (the kiosk starts in it)" } as const;
const calibrationSchema = {
  anyOf: [
    {
      type: 'object',
      properties: {
        umPerPixel: { type: 'number' },
        fields: { type: 'integer' },
        spread: { type: 'number' },
        sampleId: { type: 'string' },
        sampleReference: { type: 'string' },
        at: { type: 'string' },
        by: { type: 'string' },
      },
    },
    { type: 'null' },
  ],
} as const;
const settingsSchema = {
  type: 'object',
  properties: { targetCount, referenceRanges: referenceRangesSchema, maxFieldOverlap, idleLockMinutes, language, microscopeCalibration: calibrationSchema },
} as const;

const settings: RoutesPlugin = async (app) => {
  const ctx = app.workflow;

  const current = (): Settings => ({ ...readSettings(ctx.store, ctx.defaultTarget), microscopeCalibration: readCalibration(ctx.store) });

  app.get('/api/settings', { schema: { summary: 'Current settings', tags: ['settings'], response: { 200: settingsSchema } } }, async () => current());

  app.post(
    '/api/settings/calibration',
    {
      config: pinRateLimit,
      schema: {
        summary: "Calibrate the microscope from the measured scales of a sample's fields (a normal smear); needs a supervisor's PIN",
        tags: ['settings'],
        body: {
          type: 'object',
          required: ['sampleId', 'auth'],
          additionalProperties: false,
          properties: { sampleId: uuid, auth: credentials },
        },
        response: { 200: settingsSchema, ...errors },
      },
    },
    async (req) => {
      await calibrateMicroscope(ctx, req.body.sampleId, req.body.auth);
      return current();
    },
  );

  app.delete(
    '/api/settings/calibration',
    {
      config: pinRateLimit,
      schema: {
        summary: "Forget the microscope calibration (a new objective or camera); needs a supervisor's PIN",
        tags: ['settings'],
        body: { type: 'object', required: ['auth'], additionalProperties: false, properties: { auth: credentials } },
        response: { 200: settingsSchema, ...errors },
      },
    },
    async (req) => {
      await clearCalibration(ctx, req.body.auth);
      return current();
    },
  );

  app.patch(
    '/api/settings',
    {
      config: pinRateLimit,
      schema: {
        summary: "Change the target count, the reference ranges (all five types at once), the field overlap allowed, the idle lock or the language; needs a supervisor's PIN",
        tags: ['settings'],
        body: {
          type: 'object',
          required: ['auth'],
          minProperties: 2,
          additionalProperties: false,
          properties: { targetCount, referenceRanges: referenceRangesSchema, maxFieldOverlap, idleLockMinutes, language, auth: credentials },
        },
        response: { 200: settingsSchema, ...errors },
      },
    },
    async (req) => {
      const { auth, ...patch } = req.body;
      await updateSettings(ctx, patch, auth);
      return current();
    },
  );
};

export default settings;
